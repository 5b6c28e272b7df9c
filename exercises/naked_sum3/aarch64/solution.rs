use std::arch::naked_asm;

/// Returns `a + b + c`, wrapping, for AAPCS64: a, b, c arrive in x0, x1, x2 and the result
/// leaves in x0. Only argument registers are written, so nothing needs restoring.
#[unsafe(naked)]
pub extern "C" fn sum3(a: u64, b: u64, c: u64) -> u64 {
    naked_asm!(
        "add x0, x0, x1",
        "add x0, x0, x2",
        "ret",
    )
}

fn main() {
    println!("{}", sum3(1, 2, 3));
}
