use std::arch::asm;

/// Return `x << (n % 64)`: `shl` by `cl`, the one register x86_64 takes a count in.
fn shift_left(mut x: u64, n: u32) -> u64 {
    // SAFETY: `shl` changes `x` (inout) and the flags (so no `preserves_flags`);
    // `cl` is only read. The CPU masks a 64-bit shift's count to 6 bits, which is
    // `wrapping_shl`'s `n % 64`. No memory, no stack.
    unsafe {
        asm!(
            "shl {x}, cl",
            x = inout(reg) x,
            in("cl") n as u8,
            options(pure, nomem, nostack),
        );
    }
    x
}

fn main() {
    println!("shift_left(1, 4) = {}", shift_left(1, 4));
}
