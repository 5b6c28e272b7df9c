use std::arch::asm;

/// Return the square root of `x`, computed in an `asm!` block.
fn sqrt_f64(x: f64) -> f64 {
    let r: f64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* one instruction here: {r:d} = the square root of {x:d} */",
            x = in(vreg) x,
            r = out(vreg) r,
            options(pure, nomem, nostack),
        );
    }
    r
}

fn main() {
    println!("sqrt_f64(9.0) = {}", sqrt_f64(9.0));
}
