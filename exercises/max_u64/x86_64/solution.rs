use std::arch::asm;

/// Return the larger of `a` and `b` (unsigned): compare, then `cmovb`.
fn max_u64(a: u64, b: u64) -> u64 {
    let mut out = a;
    // SAFETY: `cmp` and `cmovb` work on registers only; no memory, no stack.
    // The flags change, so `preserves_flags` is deliberately absent.
    unsafe {
        asm!(
            "cmp {out}, {b}",
            "cmovb {out}, {b}", // below = unsigned less-than: take b
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
