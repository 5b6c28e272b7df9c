use std::arch::asm;

/// Return `x + 5` (wrapping), computed by one x86_64 `add`.
fn add_five(x: u64) -> u64 {
    let mut result = x;
    // SAFETY: `add` reads and writes the one register declared with `inout`;
    // it touches no memory and no stack. It changes the flags, so no
    // `preserves_flags`.
    unsafe {
        asm!("add {0}, 5", inout(reg) result, options(pure, nomem, nostack));
    }
    result
}

fn main() {
    println!("add_five(37) = {}", add_five(37));
}
