use std::arch::asm;

/// Return `5 * x` (wrapping): `lea` computes the "address" x + x*4.
fn times_five(x: u64) -> u64 {
    let r: u64;
    // SAFETY: `lea` only computes `x + x*4` from a register: despite the
    // brackets it reads no memory (so `nomem` is true), uses no stack and
    // leaves the flags alone. The sum wraps modulo 2^64, like wrapping_mul.
    unsafe {
        asm!(
            "lea {r}, [{x} + {x}*4]",
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
