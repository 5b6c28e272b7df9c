use std::arch::asm;

/// How far `rotr13` rotates. Known at compile time: a `const` operand.
const SHIFT: u32 = 13;

/// `x` rotated right by `SHIFT` bits.
fn rotr13(x: u64) -> u64 {
    let mut x = x;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* rotate {x} right by {n} bits */",
            x = inout(reg) x,
            n = const SHIFT,
            options(pure, nomem, nostack),
        );
    }
    x
}

fn main() {
    println!("rotr13(1) = {:#x}", rotr13(1));
}
