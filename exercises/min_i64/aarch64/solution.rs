use std::arch::asm;

/// Return the smaller of `a` and `b` (signed): compare, then `csel`.
fn min_i64(a: i64, b: i64) -> i64 {
    let mut out = a;
    // SAFETY: `cmp` and `csel` work on registers only: no memory, no stack;
    // `out` is declared `inout` and `b` is only read. `cmp` writes NZCV, so
    // `preserves_flags` is deliberately absent.
    unsafe {
        asm!(
            "cmp {out}, {b}",               // flags from out - b
            "csel {out}, {out}, {b}, lt",   // lt = signed less (N != V): keep out, else b
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
