use std::arch::asm;

fn load_u64(p: *const u64) -> u64 {
    let v: u64;
    // SAFETY: the caller's p points at a readable u64; only read.
    unsafe { asm!("mov {v}, qword ptr [{p}]", v = out(reg) v, p = in(reg) p, options(nostack, readonly, preserves_flags)) };
    v
}

fn main() {}
