use std::arch::naked_asm;

/// Returns `a + b + c`, wrapping, for the System V ABI: a, b, c arrive in rdi, rsi, rdx and
/// the result leaves in rax. Only caller-saved registers are written, so nothing needs restoring.
#[unsafe(naked)]
pub extern "C" fn sum3(a: u64, b: u64, c: u64) -> u64 {
    naked_asm!(
        "lea rax, [rdi + rsi]", // a + b, without touching the flags
        "add rax, rdx",
        "ret",
    )
}

fn main() {
    println!("{}", sum3(1, 2, 3));
}
