use std::arch::asm;

/// Return the smaller of `a` and `b` (signed), without a branch.
fn min_i64(a: i64, b: i64) -> i64 {
    let mut out = a;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* compare {out} with {b}, then keep the smaller one in {out} */",
            out = inout(reg) out,
            b = in(reg) b,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("min_i64(-1, 1) = {}", min_i64(-1, 1));
}
