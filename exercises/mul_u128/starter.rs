use std::arch::asm;

/// Return the full 128-bit product `a * b`.
fn mul_u128(a: u64, b: u64) -> u128 {
    let (lo, hi): (u64, u64) = (0, 0);
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* multiply {a} by {b}: the product is up to 128 bits wide */",
            a = in(reg) a,
            b = in(reg) b,
        );
    }
    ((hi as u128) << 64) | lo as u128
}

fn main() {
    println!("mul_u128(u64::MAX, u64::MAX) = {}", mul_u128(u64::MAX, u64::MAX));
}
