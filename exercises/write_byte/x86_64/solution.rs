use std::arch::asm;

/// write(2) of one byte to `fd`: 1, or minus an errno.
fn write_byte(fd: i32, byte: u8) -> i64 {
    let buf = byte; // the kernel reads the byte from memory: from here
    let ret: i64;
    // SAFETY: write(2) reads one byte at `&buf`, a live local, and writes
    // none of our memory: `readonly`, not `nomem`. A bad fd is not undefined
    // behaviour; the kernel answers -EBADF. `syscall` overwrites rcx (the
    // return address) and r11 (the saved flags): both declared. The kernel
    // does not touch our stack.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") 1i64 => ret, // 1 = write on x86_64; the result comes back here
            in("rdi") fd as i64,
            in("rsi") &buf as *const u8,
            in("rdx") 1usize,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack, readonly),
        );
    }
    ret
}

fn main() {
    let r = write_byte(1, b'\n');
    println!("write_byte(1, b'\\n') = {r}");
}
