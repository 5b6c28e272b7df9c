use std::arch::asm;

/// |a - b| pour deux entiers non signés, sans saut.
fn ecart(a: u64, b: u64) -> u64 {
    let out: u64;
    // SAFETY : expliquez ici pourquoi votre bloc est sûr.
    unsafe {
        asm!(
            "/* compare {a} and {b}, keep the difference in {a} */",
            a = inout(reg) a => out,
            b = in(reg) b,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("ecart(3, 10) = {}", ecart(3, 10));
}
