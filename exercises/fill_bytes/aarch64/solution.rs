use std::arch::asm;

/// Set every byte of `dst` to `value` with a `strb` loop; return the count.
fn fill_bytes(dst: &mut [u8], value: u8) -> usize {
    // SAFETY: the loop stores one byte per round into dst[0..len], which the
    // `&mut` lets us write, and nothing when len is 0 (`cbz` skips it).
    // The post-indexed `strb` advances `p` and `subs` counts `n` down, so
    // both are inout with their end values thrown away; `v` is only read, and
    // `strb` stores only its low 8 bits (the rest of a register holding a u8
    // is undefined). It writes memory: neither `nomem` nor `readonly`. No
    // stack. `subs` writes NZCV, so no `preserves_flags`.
    unsafe {
        asm!(
            "cbz {n}, 3f",            // empty: write nothing
            "2:",
            "strb {v:w}, [{p}], #1",  // *p = value, then p += 1
            "subs {n}, {n}, #1",      // Z = 1 after the last byte
            "b.ne 2b",
            "3:",
            p = inout(reg) dst.as_mut_ptr() => _,
            n = inout(reg) dst.len() => _,
            v = in(reg) value,
            options(nostack),
        );
    }
    dst.len()
}

fn main() {
    let mut buf = [1u8, 2, 3];
    let n = fill_bytes(&mut buf, 9);
    println!("fill_bytes -> {n}, {buf:?}");
}
