use std::arch::asm;

/// Set every byte of `dst` to `value` with `rep stosb`; return the count.
fn fill_bytes(dst: &mut [u8], value: u8) -> usize {
    // SAFETY: `rep stosb` stores al into rcx bytes from rdi onwards: exactly
    // dst[0..len], which the `&mut` lets us write, and nothing when len is 0.
    // It advances rdi and counts rcx down to 0, so both are inout with their
    // end values thrown away; al is only read. The direction flag is clear on
    // entry to an asm! block, so rdi moves forwards, and the block leaves it
    // clear. It writes memory: neither `nomem` nor `readonly`. No stack;
    // `stosb` changes no status flag.
    unsafe {
        asm!(
            "rep stosb",
            inout("rdi") dst.as_mut_ptr() => _,
            inout("rcx") dst.len() => _,
            in("al") value,
            options(nostack, preserves_flags),
        );
    }
    dst.len()
}

fn main() {
    let mut buf = [1u8, 2, 3];
    let n = fill_bytes(&mut buf, 9);
    println!("fill_bytes -> {n}, {buf:?}");
}
