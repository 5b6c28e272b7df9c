use std::arch::asm;

/// `(a - b) * 2`, wrapping.
fn sub_then_double(a: u64, b: u64) -> u64 {
    let out: u64;
    // SAFETY: register arithmetic only; no memory, no stack, and `sub`/`add`
    // (not `subs`/`adds`) leave the flags alone. `out` is written by the
    // `mov` before `b` is read by the `sub`, so it is a plain `out`: rustc
    // never gives it an input's register.
    unsafe {
        asm!(
            "mov {out}, {a}",
            "sub {out}, {out}, {b}",
            "add {out}, {out}, {out}",
            a = in(reg) a,
            b = in(reg) b,
            out = out(reg) out,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    out
}

fn main() {
    println!("sub_then_double(10, 3) = {}", sub_then_double(10, 3));
}
