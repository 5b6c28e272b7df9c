use std::arch::asm;

/// Given: `x * x`, wrapping, with the System V calling convention (the
/// argument in rdi, the result in rax). Leave it as it is.
extern "sysv64" fn square(x: u64) -> u64 {
    x.wrapping_mul(x)
}

/// `2 * square(x)`, wrapping: `square` called from asm, doubled in asm.
fn twice_square(x: u64) -> u64 {
    let r: u64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* call {f} with x in rdi, then double the result in rax */",
            f = sym square,
            in("rdi") x,
            lateout("rax") r,
        );
    }
    r
}

fn main() {
    println!("twice_square(3) = {}", twice_square(3));
}
