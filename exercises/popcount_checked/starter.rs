use std::arch::asm;

/// The number of set bits in `x`, counted by the CPU's own instruction.
fn popcount_checked(x: u64) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        // TODO: run this block only on a CPU that has POPCNT, and count the
        // bits in plain Rust on one that does not.
        let n: u64;
        // SAFETY: say here why your block is sound.
        unsafe {
            asm!(
                "/* count the set bits of {x} into {n} */",
                x = in(reg) x,
                n = lateout(reg) n,
                options(pure, nomem, nostack),
            );
        }
        n as u32
    }
    #[cfg(target_arch = "aarch64")]
    {
        let n: u64;
        // SAFETY: say here why your block is sound.
        unsafe {
            asm!(
                "/* move {x} into v0, count the bits of each byte, add the bytes, move the sum into {n} */",
                x = in(reg) x,
                n = lateout(reg) n,
                out("v0") _,
                options(pure, nomem, nostack),
            );
        }
        n as u32
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        x.count_ones()
    }
}

fn main() {
    println!("popcount_checked(0b1011) = {}", popcount_checked(0b1011));
}
