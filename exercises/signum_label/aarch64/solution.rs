use std::arch::asm;

/// -1, 0 or 1 for a negative, zero or positive `x`, by jumping to label blocks.
fn signum(x: i64) -> i64 {
    // SAFETY: `cmp` reads one register and sets the flags; the jumps go to
    // the label blocks, which return. No memory, no stack; the flags change,
    // so no preserves_flags.
    unsafe {
        asm!(
            "cmp {x}, #0",
            "b.lt {neg}", // signed less than 0
            "b.eq {zero}",
            x = in(reg) x,
            neg = label { return -1; },
            zero = label { return 0; },
            options(nomem, nostack),
        );
    }
    1
}

fn main() {
    println!("{} {} {}", signum(-42), signum(0), signum(7));
}
