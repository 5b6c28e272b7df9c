use std::arch::asm;

/// Return the smaller of `a` and `b` (signed): compare, then `cmovg`.
fn min_i64(a: i64, b: i64) -> i64 {
    let mut out = a;
    // SAFETY: `cmp` and `cmovg` work on registers only: no memory, no stack;
    // `out` is declared `inout` and `b` is only read. `cmp` writes the flags,
    // so `preserves_flags` is deliberately absent.
    unsafe {
        asm!(
            "cmp {out}, {b}",   // flags from out - b
            "cmovg {out}, {b}", // g = signed greater (ZF = 0 and SF = OF): take b
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
