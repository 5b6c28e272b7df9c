use std::arch::asm;

/// Return the square root of `x`, computed in an `asm!` block.
fn sqrt_f64(x: f64) -> f64 {
    let r: f64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* one instruction here: {r} = the square root of {x} */",
            x = in(xmm_reg) x,
            r = out(xmm_reg) r,
            options(pure, nomem, nostack),
        );
    }
    r
}

fn main() {
    println!("sqrt_f64(9.0) = {}", sqrt_f64(9.0));
}
