use std::arch::asm;

/// Return `x << (n % 64)`: `lsl` (lslv) takes its count in any register and uses its low 6 bits.
fn shift_left(mut x: u64, n: u32) -> u64 {
    // SAFETY: `lsl` rewrites `x` (inout) and reads `n`; no memory, no stack, and
    // unlike x86 it leaves the flags alone.
    unsafe {
        asm!(
            "lsl {x}, {x}, {n}",
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
