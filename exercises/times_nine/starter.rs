use std::arch::asm;

/// Return `x * 9` (wrapping), computed in an `asm!` block without a multiply.
fn times_nine(x: u64) -> u64 {
    let out: u64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* your instructions here, using {x} and {out} */",
            x = in(reg) x,
            out = out(reg) out,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("times_nine(6) = {}", times_nine(6));
}
