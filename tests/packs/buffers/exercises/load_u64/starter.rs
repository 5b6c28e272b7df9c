use std::arch::asm;

fn load_u64(p: *const u64) -> u64 {
    let v: u64;
    // SAFETY: does not touch memory yet.
    unsafe { asm!("mov {v}, 0 /* {p} */", v = out(reg) v, p = in(reg) p, options(nostack, nomem)) };
    v
}

fn main() {}
