use std::arch::asm;

/// The number of set bits in `x`: one `popcnt` on a CPU that has it, plain
/// Rust on one that does not.
fn popcount_checked(x: u64) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("popcnt") {
        let n: u64;
        // SAFETY: the CPU has POPCNT (checked just above), so the instruction
        // cannot fault. `popcnt` reads `x` and writes `n`, both declared, and
        // the flags (so no `preserves_flags`); no memory, no stack. Its result
        // depends on `x` alone, so `pure` is true.
        unsafe {
            asm!(
                "popcnt {n}, {x}",
                x = in(reg) x,
                n = lateout(reg) n,
                options(pure, nomem, nostack),
            );
        }
        return n as u32;
    }
    x.count_ones()
}

fn main() {
    println!("popcount_checked(0b1011) = {}", popcount_checked(0b1011));
}
