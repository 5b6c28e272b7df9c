use std::arch::asm;

/// How far `rotr13` rotates. Known at compile time: a `const` operand.
const SHIFT: u32 = 13;

/// `x` rotated right by `SHIFT` bits.
fn rotr13(x: u64) -> u64 {
    let mut x = x;
    // SAFETY: `ror` rotates one declared register in place; rustc writes
    // SHIFT's value into the template as the immediate count. No memory, no
    // stack. `ror` changes CF (and OF), so `preserves_flags` is left out.
    unsafe {
        asm!(
            "ror {x}, {n}",
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
