use std::arch::asm;

/// The number of set bits in `x`, counted with a loop in asm.
fn count_bits_loop(x: u64) -> u32 {
    let n: u64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* loop: clear the lowest set bit of {v} (with {tmp}) until it is 0, counting in {n} */",
            v = inout(reg) x => _,
            tmp = out(reg) _,
            n = inout(reg) 0u64 => n,
            options(pure, nomem, nostack),
        );
    }
    n as u32
}

fn main() {
    println!("count_bits_loop(0b1011) = {}", count_bits_loop(0b1011));
}
