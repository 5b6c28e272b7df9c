use std::arch::asm;

/// Reverse the byte order of `x` with one `bswap`.
fn swap_bytes_u32(x: u32) -> u32 {
    let mut v = x;
    // SAFETY: `bswap` rewrites the one register declared with `inout`; no
    // memory, no stack, no flags. `{0:e}` names the 32-bit register, so only
    // the four bytes of `v` are swapped.
    unsafe {
        asm!("bswap {0:e}", inout(reg) v, options(pure, nomem, nostack, preserves_flags));
    }
    v
}

fn main() {
    println!("{:#x}", swap_bytes_u32(0x11223344));
}
