use std::arch::asm;

fn fill_bytes(dst: &mut [u8], value: u8) -> usize {
    // SAFETY: does nothing yet.
    unsafe { asm!("/* {p} {n} {v} */", p = in(reg) dst.as_mut_ptr(), n = in(reg) dst.len(), v = in(reg_byte) value, options(nostack)) };
    dst.len()
}

fn main() {}
