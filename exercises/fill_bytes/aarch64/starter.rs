use std::arch::asm;

/// Set every byte of `dst` to `value`; return how many bytes that was.
fn fill_bytes(dst: &mut [u8], value: u8) -> usize {
    // SAFETY: fill in why your block is sound. (The template is empty, so
    // for now it touches no memory and changes no register. It will not
    // stay so.)
    unsafe {
        asm!(
            "/* store {v:w} into the {n} bytes starting at {p} */",
            p = in(reg) dst.as_mut_ptr(),
            n = in(reg) dst.len(),
            v = in(reg) value,
            options(nomem, nostack, preserves_flags),
        );
    }
    dst.len()
}

fn main() {
    let mut buf = [1u8, 2, 3];
    let n = fill_bytes(&mut buf, 9);
    println!("fill_bytes -> {n}, {buf:?}");
}
