use std::arch::asm;

/// Return the square root of `x`, with one scalar SSE2 instruction.
fn sqrt_f64(x: f64) -> f64 {
    let r: f64;
    // SAFETY: `sqrtsd` reads one xmm register and writes another: no memory,
    // no stack. It may set MXCSR's exception flags, so no preserves_flags.
    // `lateout`: the one instruction reads `x` before it writes `r`.
    unsafe {
        asm!(
            "sqrtsd {r}, {x}",
            x = in(xmm_reg) x,
            r = lateout(xmm_reg) r,
            options(pure, nomem, nostack),
        );
    }
    r
}

fn main() {
    println!("sqrt_f64(9.0) = {}", sqrt_f64(9.0));
}
