use std::arch::asm;

/// The callback the block calls. `extern "C"`: it cannot unwind, so a panic
/// here aborts the program.
extern "C" fn checked_div(a: u64, b: u64) -> u64 {
    a / b // panics when b == 0
}

/// `a / b`, or `u64::MAX` when `b` is 0, computed by `checked_div`.
fn div_or_max(a: u64, b: u64) -> u64 {
    let r: u64;
    // SAFETY: checked_div follows the C convention (System V on Linux):
    // arguments in rdi and rsi, the result in rax. clobber_abi("C") declares
    // what it may change; no nostack, since `call` pushes.
    unsafe {
        asm!(
            "call {f}",
            f = sym checked_div,
            in("rdi") a,
            in("rsi") b,
            lateout("rax") r,
            clobber_abi("C"),
        );
    }
    r
}

fn main() {
    println!("div_or_max(84, 2) = {}", div_or_max(84, 2));
}
