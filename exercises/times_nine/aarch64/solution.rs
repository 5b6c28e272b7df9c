use std::arch::asm;

/// Return `x * 9` (wrapping): `add` with a shifted operand, `x + (x << 3)`.
fn times_nine(x: u64) -> u64 {
    let out: u64;
    // SAFETY: register arithmetic only; no memory, no stack.
    unsafe {
        asm!(
            "add {out}, {x}, {x}, lsl #3",
            x = in(reg) x,
            out = out(reg) out,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("times_nine(6) = {}", times_nine(6));
}
