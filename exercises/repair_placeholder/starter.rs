use std::arch::asm;

/// The average of `a` and `b`, rounded down, with no overflow.
fn average_u64(a: u64, b: u64) -> u64 {
    let avg: u64;
    // SAFETY: `add` and `rcr` work on the declared registers and the flags
    // only; no memory, no stack.
    unsafe {
        asm!(
            "add {0}, {1}", // the carry flag catches the 65th bit of a + b
            "rcr {0}, 1",   // halve, shifting the carry back in at the top
            inout(reg) a => avg,
            options(pure, nomem, nostack),
        );
    }
    avg
}

fn main() {
    println!("average_u64(10, 20) = {}", average_u64(10, 20));
}
