use std::arch::asm;

/// The CPU's free-running tick counter (rdtsc on x86_64, cntvct_el0 on aarch64).
fn read_cycle_counter() -> u64 {
    let ticks: u64 = 0;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!("/* read the counter here */", options(nomem, nostack));
    }
    ticks
}

fn main() {
    let start = read_cycle_counter();
    let end = read_cycle_counter();
    println!("ticks: {start} -> {end}");
}
