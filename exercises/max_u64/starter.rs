use std::arch::asm;

/// Return the larger of `a` and `b` (unsigned), without a branch.
fn max_u64(a: u64, b: u64) -> u64 {
    let mut out = a;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* compare {out} with {b}, then move conditionally */",
            out = inout(reg) out,
            b = in(reg) b,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("max_u64(17, 42) = {}", max_u64(17, 42));
}
