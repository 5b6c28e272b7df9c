use std::arch::asm;

/// Return `x * 9` (wrapping): `lea` adds `x` to `x * 8` in one instruction.
fn times_nine(x: u64) -> u64 {
    let out: u64;
    // SAFETY: `lea` only computes an address from registers; it reads no
    // memory, touches no stack and leaves the flags alone.
    unsafe {
        asm!(
            "lea {out}, [{x} + {x}*8]",
            x = in(reg) x,
            out = out(reg) out,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    out
}

fn main() {
    println!("times_nine(6) = {}", times_nine(6));
}
