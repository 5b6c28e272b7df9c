use std::arch::asm;

/// Return the full 128-bit product `a * b`: one `mul`, rdx:rax.
fn mul_u128(a: u64, b: u64) -> u128 {
    let (lo, hi): (u64, u64);
    // SAFETY: `mul` multiplies rax by `b` and writes the product to rdx:rax,
    // both declared as outputs; it changes the flags and touches no memory
    // and no stack.
    unsafe {
        asm!(
            "mul {b}",
            b = in(reg) b,
            inout("rax") a => lo,
            out("rdx") hi,
            options(pure, nomem, nostack),
        );
    }
    ((hi as u128) << 64) | lo as u128
}

fn main() {
    println!("mul_u128(u64::MAX, u64::MAX) = {}", mul_u128(u64::MAX, u64::MAX));
}
