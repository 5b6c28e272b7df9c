use std::arch::global_asm;

// A function by the C convention: a in rdi, b in rsi, c in rdx, result in rax.
// For now it returns `a` alone.
global_asm!(
    ".globl tutor_mul_add",
    "tutor_mul_add:",
    "    mov rax, rdi",
    "    ret",
);

unsafe extern "C" {
    fn tutor_mul_add(a: u64, b: u64, c: u64) -> u64;
}

/// `a * b + c` (wrapping), computed by `tutor_mul_add`.
fn mul_add(a: u64, b: u64, c: u64) -> u64 {
    // SAFETY: fill in why this call is sound.
    unsafe { tutor_mul_add(a, b, c) }
}

fn main() {
    println!("mul_add(6, 7, 0) = {}", mul_add(6, 7, 0));
}
