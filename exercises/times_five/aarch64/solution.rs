use std::arch::asm;

/// Return `5 * x` (wrapping): `add` with a shifted operand, x + (x << 2).
fn times_five(x: u64) -> u64 {
    let r: u64;
    // SAFETY: register arithmetic only: no memory, no stack. Plain `add`
    // (not `adds`) leaves the flags alone. The sum wraps modulo 2^64.
    unsafe {
        asm!(
            "add {r}, {x}, {x}, lsl #2",
            x = in(reg) x,
            r = out(reg) r,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    r
}

fn main() {
    println!("times_five(8) = {}", times_five(8));
}
