use std::arch::asm;

/// `x` with its lowest set bit cleared: `x & (x - 1)`.
fn clear_lowest_bit(x: u64) -> u64 {
    let out: u64;
    // SAFETY: register arithmetic on the declared operands; no memory, no
    // stack. `out` is written before `x` is read for the last time, so it is
    // a plain `out`, never sharing `x`'s register.
    unsafe {
        asm!(
            "mov {out}, {x}",
            "sub {out}, 1",
            "and {out}, {x}",
            x = in(reg) x,
            out = out(reg) out,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("{:#b}", clear_lowest_bit(0b1011_0000));
}
