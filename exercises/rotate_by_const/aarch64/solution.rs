use std::arch::asm;

/// How far `rotr13` rotates. Known at compile time: a `const` operand.
const SHIFT: u32 = 13;

/// `x` rotated right by `SHIFT` bits.
fn rotr13(x: u64) -> u64 {
    let mut x = x;
    // SAFETY: `ror` (an alias of `extr`) rotates one declared register;
    // rustc writes SHIFT's value into the template after the `#`. No memory,
    // no stack, and the flags are untouched.
    unsafe {
        asm!(
            "ror {x}, {x}, #{n}",
            x = inout(reg) x,
            n = const SHIFT,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    x
}

fn main() {
    println!("rotr13(1) = {:#x}", rotr13(1));
}
