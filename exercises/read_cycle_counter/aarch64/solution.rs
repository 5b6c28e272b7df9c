use std::arch::asm;

/// The virtual counter `cntvct_el0`, read with `mrs`.
fn read_cycle_counter() -> u64 {
    let ticks: u64;
    // SAFETY: `mrs` copies a system register that user code may read into
    // one declared register: no memory, no stack, no flags. Not `pure`: each
    // read must really happen.
    unsafe {
        asm!(
            "mrs {t}, cntvct_el0",
            t = out(reg) ticks,
            options(nomem, nostack, preserves_flags),
        );
    }
    ticks
}

fn main() {
    let start = read_cycle_counter();
    let end = read_cycle_counter();
    println!("ticks: {start} -> {end}");
}
