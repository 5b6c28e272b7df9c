use std::arch::naked_asm;

/// Returns `a + b + c`, wrapping. A naked function: no prologue, no epilogue, no operands;
/// the arguments are wherever the C calling convention puts them (x0, x1, x2 → x0).
#[unsafe(naked)]
pub extern "C" fn sum3(a: u64, b: u64, c: u64) -> u64 {
    naked_asm!(
        // TODO: add b and c too. For now this returns a, which arrives in x0, the result register.
        "ret",
    )
}

fn main() {
    println!("{}", sum3(1, 2, 3));
}
