use std::arch::asm;

/// Given: `x * x`, wrapping, with the System V calling convention (the
/// argument in rdi, the result in rax). Leave it as it is.
extern "sysv64" fn square(x: u64) -> u64 {
    x.wrapping_mul(x)
}

/// `2 * square(x)`, wrapping: `square` called from asm, doubled in asm.
fn twice_square(x: u64) -> u64 {
    let r: u64;
    // SAFETY: `square` is extern "sysv64": its argument goes in rdi and its
    // result comes back in rax, where `add` doubles it. clobber_abi("sysv64")
    // declares every register such a function may change (rdi and rax among
    // them, so `x` is not expected to survive). No `nostack`: `call` pushes
    // a return address, and without `nostack` rustc keeps the stack aligned
    // for a call.
    unsafe {
        asm!(
            "call {f}",
            "add rax, rax",
            f = sym square,
            in("rdi") x,
            lateout("rax") r,
            clobber_abi("sysv64"),
        );
    }
    r
}

fn main() {
    println!("twice_square(3) = {}", twice_square(3));
}
