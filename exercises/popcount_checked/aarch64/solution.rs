use std::arch::asm;

/// The number of set bits in `x`, counted in a vector register: AArch64 has no
/// general-register popcount in its base instruction set, but AdvSIMD's `cnt`
/// counts the bits of each byte.
fn popcount_checked(x: u64) -> u32 {
    #[cfg(target_arch = "aarch64")]
    {
        let n: u64;
        // SAFETY: AdvSIMD (`neon`) is enabled on Rust's standard AArch64
        // targets, so every CPU this runs on has these instructions. The block
        // reads `x`, writes `n` and v0 (declared as a scratch register); no
        // memory, no stack. Its result depends on `x` alone, so `pure` is true.
        unsafe {
            asm!(
                "fmov d0, {x}",     // the 64 bits of x into the low half of v0
                "cnt v0.8b, v0.8b", // each byte becomes its own bit count, 0 to 8
                "addv b0, v0.8b",   // the eight counts added into byte 0 (at most 64)
                "fmov {n:w}, s0",   // back into a general register
                x = in(reg) x,
                n = lateout(reg) n,
                out("v0") _,
                options(pure, nomem, nostack),
            );
        }
        n as u32
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        x.count_ones()
    }
}

fn main() {
    println!("popcount_checked(0b1011) = {}", popcount_checked(0b1011));
}
