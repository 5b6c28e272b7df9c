use std::arch::asm;

/// Does `a + b` overflow a u64? Computed in an `asm!` block, from the carry flag.
fn add_overflows(a: u64, b: u64) -> bool {
    let carry: u64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* add {b} to {a}, setting the flags, then copy the carry into {carry} */",
            a = inout(reg) a => _,
            b = in(reg) b,
            carry = out(reg) carry,
            options(pure, nomem, nostack),
        );
    }
    carry != 0
}

fn main() {
    println!("add_overflows(u64::MAX, 1) = {}", add_overflows(u64::MAX, 1));
}
