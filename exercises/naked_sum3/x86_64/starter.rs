use std::arch::naked_asm;

/// Returns `a + b + c`, wrapping. A naked function: no prologue, no epilogue, no operands;
/// the arguments are wherever the C calling convention puts them (rdi, rsi, rdx → rax).
#[unsafe(naked)]
pub extern "C" fn sum3(a: u64, b: u64, c: u64) -> u64 {
    naked_asm!(
        // TODO: add b and c too. For now this returns a.
        "mov rax, rdi",
        "ret",
    )
}

fn main() {
    println!("{}", sum3(1, 2, 3));
}
