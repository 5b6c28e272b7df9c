use std::arch::asm;

/// Given: a C-ABI routine. Like any C function it may overwrite every
/// caller-saved register (rax, rcx, rdx, rsi, rdi, r8-r11), and this one
/// really does. Leave it as it is.
extern "sysv64" fn checksum(x: u64) -> u64 {
    let r = x.rotate_left(17) ^ 0x9E37_79B9_7F4A_7C15;
    // SAFETY: writes only the registers listed as outputs; no memory, no stack.
    unsafe {
        asm!(
            "mov rcx, -1", "mov rdx, -1", "mov rsi, -1", "mov rdi, -1",
            "mov r8, -1", "mov r9, -1", "mov r10, -1", "mov r11, -1",
            out("rcx") _, out("rdx") _, out("rsi") _, out("rdi") _,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            options(nomem, nostack, preserves_flags),
        );
    }
    r
}

/// `checksum(a) ^ b`, with `checksum` called from asm.
fn mix(a: u64, b: u64) -> u64 {
    let h: u64;
    // SAFETY: `checksum` is extern "sysv64": its argument goes in rdi and its
    // result comes back in rax.
    unsafe {
        asm!(
            "call {f}",
            f = sym checksum,
            in("rdi") a,
            lateout("rax") h,
        );
    }
    h ^ b
}

fn main() {
    println!("mix(1, 2) = {:#x}", mix(1, 2));
}
