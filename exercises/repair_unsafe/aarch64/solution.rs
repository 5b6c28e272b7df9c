use std::arch::asm;

/// Reverse the byte order of `x` with one `rev`.
fn swap_bytes_u32(x: u32) -> u32 {
    let mut v = x;
    // SAFETY: `rev` rewrites the one register declared with `inout`; no
    // memory, no stack, no flags. `{0:w}` names the 32-bit register, so only
    // the four bytes of `v` are reversed.
    unsafe {
        asm!("rev {0:w}, {0:w}", inout(reg) v, options(pure, nomem, nostack, preserves_flags));
    }
    v
}

fn main() {
    println!("{:#x}", swap_bytes_u32(0x11223344));
}
