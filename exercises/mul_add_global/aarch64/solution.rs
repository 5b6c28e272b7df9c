use std::arch::global_asm;

// `tutor_mul_add(a, b, c) = a * b + c` (wrapping), by the C convention
// (AAPCS64): a in x0, b in x1, c in x2, the result in x0.
global_asm!(
    ".globl tutor_mul_add",
    "tutor_mul_add:",
    "    madd x0, x0, x1, x2", // x0 = x0 * x1 + x2
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
