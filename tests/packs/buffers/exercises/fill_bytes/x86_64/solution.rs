use std::arch::asm;

fn fill_bytes(dst: &mut [u8], value: u8) -> usize {
    // SAFETY: rep stosb writes dst.len() bytes from dst's start; rdi and rcx are consumed and
    // declared; the direction flag is clear on entry (the ABI says so).
    unsafe {
        asm!("rep stosb", inout("rdi") dst.as_mut_ptr() => _, inout("rcx") dst.len() => _, in("al") value,
             options(nostack, preserves_flags));
    }
    dst.len()
}

fn main() {}
