use std::arch::asm;

/// |a - b| pour deux entiers non signés : les deux différences, puis `cmovb`.
fn ecart(a: u64, b: u64) -> u64 {
    let out: u64;
    // SAFETY : arithmétique sur des registres déclarés ; ni mémoire, ni pile.
    // Les drapeaux changent, ce que rustc suppose par défaut.
    unsafe {
        asm!(
            "mov {t}, {b}",
            "sub {t}, {a}",
            "sub {a}, {b}",
            "cmovb {a}, {t}",
            a = inout(reg) a => out,
            b = in(reg) b,
            t = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    out
}

fn main() {
    println!("ecart(3, 10) = {}", ecart(3, 10));
}
