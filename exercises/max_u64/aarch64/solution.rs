use std::arch::asm;

/// Return the larger of `a` and `b` (unsigned): compare, then `csel`.
fn max_u64(a: u64, b: u64) -> u64 {
    let out: u64;
    // SAFETY: `cmp` and `csel` work on registers only; no memory, no stack.
    unsafe {
        asm!(
            "cmp {a}, {b}",
            "csel {out}, {a}, {b}, hs", // hs = unsigned higher-or-same: keep a
            a = in(reg) a,
            b = in(reg) b,
            out = lateout(reg) out,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("max_u64(17, 42) = {}", max_u64(17, 42));
}
