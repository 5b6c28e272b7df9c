use std::arch::asm;

/// -1, 0 or 1 for a negative, zero or positive `x`, by jumping to label blocks.
fn signum(x: i64) -> i64 {
    // SAFETY: `test` reads one register and sets the flags; the jumps go to
    // the label blocks, which return. No memory, no stack; the flags change,
    // so no preserves_flags.
    unsafe {
        asm!(
            "test {x}, {x}",
            "js {neg}",  // sign bit set: negative
            "jz {zero}",
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
