use std::arch::asm;

/// -1, 0 or 1 for a negative, zero or positive `x`, by jumping to label blocks.
fn signum(x: i64) -> i64 {
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* test {x}, then jump to {neg} or {zero} */",
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
