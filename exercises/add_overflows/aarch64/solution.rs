use std::arch::asm;

/// Does `a + b` overflow a u64? `adds` (add, setting the flags) leaves the
/// carry out of bit 63 in C, and `cset` turns C into 0 or 1.
fn add_overflows(a: u64, b: u64) -> bool {
    // Why a `u64` and not a `bool`: rustc refuses a `bool` operand ("cannot use
    // value of type `bool` for inline assembly"). `cset` writes the whole
    // x register (0 or 1), so a 64-bit output needs no modifier; Rust turns it
    // into a `bool` with `!= 0`.
    let carry: u64;
    // SAFETY: `adds` updates `a`'s register, declared `inout` with its result
    // thrown away; `cset` writes only `carry`'s register. Registers only: no
    // memory, no stack; the outputs depend on the inputs alone, so `pure`
    // holds. `adds` writes NZCV, so no `preserves_flags`. (Plain `add` would
    // leave the flags alone and `cset` would read stale ones.)
    unsafe {
        asm!(
            "adds {a}, {a}, {b}", // C = 1 when the unsigned sum does not fit
            "cset {carry}, cs",   // carry = C ("cs": carry set, also spelt "hs")
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
