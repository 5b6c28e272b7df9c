use std::arch::asm;

/// Given: `x * x`, wrapping, with the C calling convention (the argument and
/// the result in x0). Leave it as it is.
extern "C" fn square(x: u64) -> u64 {
    x.wrapping_mul(x)
}

/// `2 * square(x)`, wrapping: `square` called from asm, doubled in asm.
fn twice_square(x: u64) -> u64 {
    let r: u64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* call {f} with x in x0, then double the result in x0 */",
            f = sym square,
            in("x0") x,
            lateout("x0") r,
        );
    }
    r
}

fn main() {
    println!("twice_square(3) = {}", twice_square(3));
}
