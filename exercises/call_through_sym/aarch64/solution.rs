use std::arch::asm;

/// Given: `x * x`, wrapping, with the C calling convention (the argument and
/// the result in x0). Leave it as it is.
extern "C" fn square(x: u64) -> u64 {
    x.wrapping_mul(x)
}

/// `2 * square(x)`, wrapping: `square` called from asm, doubled in asm.
fn twice_square(x: u64) -> u64 {
    let r: u64;
    // SAFETY: `square` is extern "C": its argument and its result are in x0,
    // where `add` doubles the result. clobber_abi("C") declares every
    // register such a function may change, x30 (the return address `bl`
    // writes) included. No `nostack`: the called function uses the stack.
    unsafe {
        asm!(
            "bl {f}",
            "add x0, x0, x0",
            f = sym square,
            in("x0") x,
            lateout("x0") r,
            clobber_abi("C"),
        );
    }
    r
}

fn main() {
    println!("twice_square(3) = {}", twice_square(3));
}
