use std::arch::asm;

/// `(a - b) * 2`, wrapping.
fn sub_then_double(a: u64, b: u64) -> u64 {
    let out: u64;
    // SAFETY: register arithmetic only; no memory, no stack, no flags.
    unsafe {
        asm!(
            "mov {out}, {a}",
            "sub {out}, {out}, {b}",
            "add {out}, {out}, {out}",
            a = in(reg) a,
            b = in(reg) b,
            out = lateout(reg) out,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    out
}

fn main() {
    println!("sub_then_double(10, 3) = {}", sub_then_double(10, 3));
}
