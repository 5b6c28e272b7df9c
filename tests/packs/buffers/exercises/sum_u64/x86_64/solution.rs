use std::arch::asm;

fn sum_u64(xs: &[u64]) -> u64 {
    let mut acc: u64 = 0;
    for x in xs {
        // SAFETY: `add` on registers only.
        unsafe { asm!("add {acc}, {x}", acc = inout(reg) acc, x = in(reg) *x, options(pure, nomem, nostack)) };
    }
    acc
}

fn main() {}
