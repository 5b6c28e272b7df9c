use std::arch::asm;

/// The callback the block calls. `extern "C"`: it cannot unwind, so a panic
/// here aborts the program.
extern "C" fn checked_div(a: u64, b: u64) -> u64 {
    a / b // panics when b == 0
}

/// `a / b`, or `u64::MAX` when `b` is 0, computed by `checked_div`.
fn div_or_max(a: u64, b: u64) -> u64 {
    let r: u64;
    // SAFETY: checked_div follows the C convention (AAPCS64): arguments in
    // x0 and x1, the result in x0. clobber_abi("C") declares what it may
    // change, x30 included; no nostack, since the callee may use the stack.
    unsafe {
        asm!(
            "bl {f}",
            f = sym checked_div,
            inlateout("x0") a => r,
            in("x1") b,
            clobber_abi("C"),
        );
    }
    r
}

fn main() {
    println!("div_or_max(84, 2) = {}", div_or_max(84, 2));
}
