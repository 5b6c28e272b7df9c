use std::arch::asm;

/// Échange les 32 bits du haut et les 32 bits du bas de `x` : une rotation de 32.
fn echange_moities(mut x: u64) -> u64 {
    // SAFETY : `rol` ne lit et n'écrit qu'un registre déclaré ; ni mémoire, ni pile.
    unsafe {
        asm!(
            "rol {x}, 32",
            x = inout(reg) x,
            options(pure, nomem, nostack),
        );
    }
    x
}

fn main() {
    println!("{:#018x}", echange_moities(0x1111_2222_3333_4444));
}
