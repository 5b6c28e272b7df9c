use std::arch::global_asm;

// `tutor_mul_add(a, b, c) = a * b + c` (wrapping), by the C convention:
// a in rdi, b in rsi, c in rdx, the result in rax. It writes only rax and
// the flags, which the convention lets a callee change.
global_asm!(
    ".globl tutor_mul_add",
    "tutor_mul_add:",
    "    mov rax, rdi",
    "    imul rax, rsi", // the low 64 bits of a * b
    "    add rax, rdx",
    "    ret",
);

unsafe extern "C" {
    fn tutor_mul_add(a: u64, b: u64, c: u64) -> u64;
}

/// `a * b + c` (wrapping), computed by `tutor_mul_add`.
fn mul_add(a: u64, b: u64, c: u64) -> u64 {
    // SAFETY: tutor_mul_add follows the C convention for this signature
    // and touches no memory.
    unsafe { tutor_mul_add(a, b, c) }
}

fn main() {
    println!("mul_add(6, 7, 0) = {}", mul_add(6, 7, 0));
}
