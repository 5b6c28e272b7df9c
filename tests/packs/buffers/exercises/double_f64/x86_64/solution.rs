use std::arch::asm;

fn double_f64(mut x: f64) -> f64 {
    // SAFETY: addsd on one xmm register.
    unsafe { asm!("addsd {x}, {x}", x = inout(xmm_reg) x, options(pure, nomem, nostack, preserves_flags)) };
    x
}

fn main() {}
