use std::arch::asm;

/// The CPU's time-stamp counter, read with `rdtsc`.
fn read_cycle_counter() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: `rdtsc` writes eax and edx, both declared as outputs, and
    // nothing else: no memory, no stack, no flags. It is deliberately not
    // `pure`: each read must really happen.
    unsafe {
        asm!(
            "rdtsc",
            out("eax") lo,
            out("edx") hi,
            options(nomem, nostack, preserves_flags),
        );
    }
    (u64::from(hi) << 32) | u64::from(lo)
}

fn main() {
    let start = read_cycle_counter();
    let end = read_cycle_counter();
    println!("ticks: {start} -> {end}");
}
