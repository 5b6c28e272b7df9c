use std::arch::asm;

/// The number of set bits in `x`, counted with a loop in asm.
fn count_bits_loop(x: u64) -> u32 {
    let n: u64;
    // SAFETY: registers only, all declared: `v` is consumed (inout to _),
    // `tmp` is scratch, `n` starts at 0. `test`, `inc` and `and` change the
    // flags, so no preserves_flags. No memory, no stack. The loop ends: each
    // round clears one set bit, so it runs at most 64 times.
    unsafe {
        asm!(
            "test {v}, {v}",
            "jz 3f",                // x = 0: no bit to count
            "2:",
            "inc {n}",
            "lea {tmp}, [{v} - 1]",
            "and {v}, {tmp}",       // clear the lowest set bit; ZF when none is left
            "jnz 2b",
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
