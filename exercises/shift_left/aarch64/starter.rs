use std::arch::asm;

/// Return `x << (n % 64)`, shifted in an `asm!` block.
fn shift_left(mut x: u64, n: u32) -> u64 {
    // SAFETY: one register changed (`x`, declared inout); no memory, no stack, no flags.
    unsafe {
        asm!(
            "/* shift {x} left by {n} */",
            x = inout(reg) x,
            n = in(reg) n as u64,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    x
}

fn main() {
    println!("shift_left(1, 4) = {}", shift_left(1, 4));
}
