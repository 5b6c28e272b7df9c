use std::arch::asm;

/// |a - b| pour deux entiers non signés : `subs`, puis `cneg` si a < b.
fn ecart(a: u64, b: u64) -> u64 {
    let d: u64;
    // SAFETY : arithmétique sur des registres déclarés ; ni mémoire, ni pile.
    unsafe {
        asm!(
            "subs {d}, {a}, {b}",
            "cneg {d}, {d}, lo",
            d = out(reg) d,
            a = in(reg) a,
            b = in(reg) b,
            options(pure, nomem, nostack),
        );
    }
    d
}

fn main() {
    println!("ecart(3, 10) = {}", ecart(3, 10));
}
