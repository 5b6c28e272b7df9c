use std::arch::asm;

/// Return `x + 5` (wrapping), computed by one instruction in an `asm!` block.
fn add_five(x: u64) -> u64 {
    let mut result = x;
    // SAFETY: the block only reads and writes the one register declared below.
    unsafe {
        asm!(
            "/* add 5 to {0} here */",
            inout(reg) result,
        );
    }
    result
}

fn main() {
    println!("add_five(37) = {}", add_five(37));
}
