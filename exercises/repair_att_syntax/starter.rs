use std::arch::asm;

/// `x` with its lowest set bit cleared: `x & (x - 1)`.
fn clear_lowest_bit(x: u64) -> u64 {
    let out: u64;
    // SAFETY: register arithmetic on the declared operands; no memory, no stack.
    unsafe {
        asm!(
            "movq {x}, {out}",
            "subq $1, {out}",
            "andq {x}, {out}",
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
