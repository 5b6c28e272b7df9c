use std::arch::asm;

/// Return the square root of `x`, with one scalar floating-point instruction.
fn sqrt_f64(x: f64) -> f64 {
    let r: f64;
    // SAFETY: `fsqrt` reads the low 64 bits of one vector register and
    // writes another: no memory, no stack. It may set FPSR's exception
    // flags, so no preserves_flags. `lateout`: `x` is read before `r` is
    // written.
    unsafe {
        asm!(
            "fsqrt {r:d}, {x:d}",
            x = in(vreg) x,
            r = lateout(vreg) r,
            options(pure, nomem, nostack),
        );
    }
    r
}

fn main() {
    println!("sqrt_f64(9.0) = {}", sqrt_f64(9.0));
}
