use std::arch::asm;

/// The wrapping sum of `xs`, with the whole loop in one `asm!` block.
fn sum_u64(xs: &[u64]) -> u64 {
    let acc: u64;
    // SAFETY: fill in why your block is sound. (The template is empty, so
    // for now it touches no memory and `nomem` is true. It will not stay so.)
    unsafe {
        asm!(
            "/* add up the {n} u64s at {p} into {acc}; {v} is scratch */",
            p = inout(reg) xs.as_ptr() => _,
            n = inout(reg) xs.len() => _,
            acc = inout(reg) 0u64 => acc,
            v = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    acc
}

fn main() {
    println!("sum_u64(&[1, 2, 3]) = {}", sum_u64(&[1, 2, 3]));
}
