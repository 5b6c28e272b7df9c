use std::arch::asm;

/// Échange les 32 bits du haut et les 32 bits du bas de `x`.
fn echange_moities(mut x: u64) -> u64 {
    // SAFETY : expliquez ici pourquoi votre bloc est sûr.
    unsafe {
        asm!(
            "/* your rotation of {x} here */",
            x = inout(reg) x,
            options(pure, nomem, nostack),
        );
    }
    x
}

fn main() {
    println!("{:#018x}", echange_moities(0x1111_2222_3333_4444));
}
