use std::arch::asm;

/// write(2) of one byte to `fd`: 1, or minus an errno.
fn write_byte(fd: i32, byte: u8) -> i64 {
    let buf = byte; // the kernel reads the byte from memory: from here
    let ret: i64;
    // SAFETY: write(2) reads one byte at `&buf`, a live local, and writes
    // none of our memory: `readonly`, not `nomem`. A bad fd is not undefined
    // behaviour; the kernel answers -EBADF. The kernel changes no register
    // but x0, which is declared, and does not touch our stack.
    unsafe {
        asm!(
            "svc 0",
            inlateout("x0") fd as i64 => ret, // the fd goes in, the result comes back here
            in("x1") &buf as *const u8,
            in("x2") 1usize,
            in("x8") 64usize,                 // 64 = write on aarch64
            options(nostack, readonly),
        );
    }
    ret
}

fn main() {
    let r = write_byte(1, b'\n');
    println!("write_byte(1, b'\\n') = {r}");
}
