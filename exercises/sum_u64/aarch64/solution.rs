use std::arch::asm;

/// The wrapping sum of `xs`: a count-down loop over memory in one block.
fn sum_u64(xs: &[u64]) -> u64 {
    let acc: u64;
    // SAFETY: the block reads xs[0..len], 8 bytes per round, and nothing at
    // all when len is 0 (`cbz` skips the loop). The post-indexed `ldr`
    // advances `p` and `subs` counts `n` down, so both are inout with their
    // end values thrown away; `v` is scratch. It reads memory but writes
    // none: `readonly`, not `nomem`. The same slice contents give the same
    // sum, so `pure` holds. No stack. `subs` writes NZCV.
    unsafe {
        asm!(
            "cbz {n}, 3f",              // empty slice: read nothing
            "2:",
            "ldr {v}, [{p}], #8",       // v = *p, then p += 8
            "add {acc}, {acc}, {v}",    // wraps like wrapping_add
            "subs {n}, {n}, #1",        // Z = 1 after the last one
            "b.ne 2b",
            "3:",
            p = inout(reg) xs.as_ptr() => _,
            n = inout(reg) xs.len() => _,
            acc = inout(reg) 0u64 => acc,
            v = out(reg) _,
            options(pure, readonly, nostack),
        );
    }
    acc
}

fn main() {
    println!("sum_u64(&[1, 2, 3]) = {}", sum_u64(&[1, 2, 3]));
}
