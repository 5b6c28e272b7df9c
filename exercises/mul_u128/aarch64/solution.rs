use std::arch::asm;

/// Return the full 128-bit product `a * b`: `mul` for the low half, `umulh`
/// for the high half.
fn mul_u128(a: u64, b: u64) -> u128 {
    let (lo, hi): (u64, u64);
    // SAFETY: register arithmetic only; no memory, no stack, no flags.
    // `lo` is written before `umulh` reads `a` and `b`, so it is a plain
    // `out` (never shares an input's register); `hi` is written last and
    // may be a `lateout`.
    unsafe {
        asm!(
            "mul {lo}, {a}, {b}",
            "umulh {hi}, {a}, {b}",
            a = in(reg) a,
            b = in(reg) b,
            lo = out(reg) lo,
            hi = lateout(reg) hi,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    ((hi as u128) << 64) | lo as u128
}

fn main() {
    println!("mul_u128(u64::MAX, u64::MAX) = {}", mul_u128(u64::MAX, u64::MAX));
}
