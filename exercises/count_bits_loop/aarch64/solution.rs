use std::arch::asm;

/// The number of set bits in `x`, counted with a loop in asm.
fn count_bits_loop(x: u64) -> u32 {
    let n: u64;
    // SAFETY: registers only, all declared: `v` is consumed (inout to _),
    // `tmp` is scratch, `n` starts at 0. No memory, no stack. The loop ends:
    // each round clears one set bit, so it runs at most 64 times.
    unsafe {
        asm!(
            "cbz {v}, 3f",              // x = 0: no bit to count
            "2:",
            "add {n}, {n}, #1",
            "sub {tmp}, {v}, #1",
            "and {v}, {v}, {tmp}",      // clear the lowest set bit
            "cbnz {v}, 2b",             // bits left: go round again
            "3:",
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
