use std::arch::asm;

fn double_f64(mut x: f64) -> f64 {
    // SAFETY: does nothing yet.
    unsafe { asm!("/* {x} */", x = inout(xmm_reg) x, options(pure, nomem, nostack)) };
    x
}

fn main() {}
