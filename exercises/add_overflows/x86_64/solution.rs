use std::arch::asm;

/// Does `a + b` overflow a u64? `add` leaves the carry out of bit 63 in CF,
/// and `setc` copies CF into a byte register.
fn add_overflows(a: u64, b: u64) -> bool {
    // Why a `u8` and not a `bool`: rustc refuses a `bool` operand ("cannot use
    // value of type `bool` for inline assembly"; only integers, floats, SIMD
    // vectors and pointers may be operands). `setc` writes an 8-bit register,
    // and on x86_64 the class for a `u8` is `reg_byte` (a `u8` in `reg` is
    // refused: "type `u8` cannot be used with this register class"). The block
    // hands back 0 or 1 and Rust turns it into a `bool` with `!= 0`.
    let carry: u8;
    // SAFETY: `add` updates `a`'s register, declared `inout` with its result
    // thrown away; `setc` writes only `carry`'s byte register. Registers only:
    // no memory, no stack. Both the result and the flags are a function of the
    // inputs, so `pure` holds. `add` writes the flags, so no `preserves_flags`.
    unsafe {
        asm!(
            "add {a}, {b}",  // CF = 1 when the unsigned sum does not fit in 64 bits
            "setc {carry}",  // carry = CF (setc is another name for setb)
            a = inout(reg) a => _,
            b = in(reg) b,
            carry = out(reg_byte) carry,
            options(pure, nomem, nostack),
        );
    }
    carry != 0
}

fn main() {
    println!("add_overflows(u64::MAX, 1) = {}", add_overflows(u64::MAX, 1));
}
