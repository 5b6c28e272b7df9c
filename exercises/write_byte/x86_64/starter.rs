use std::arch::asm;

/// write(2) of one byte to `fd`: 1, or minus an errno.
fn write_byte(fd: i32, byte: u8) -> i64 {
    let buf = byte; // the kernel reads the byte from memory: from here
    let ret: i64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* make the system call here */",
            inlateout("rax") 1i64 => ret, // 1 = write on x86_64; the result comes back here
            in("rdi") fd as i64,
            in("rsi") &buf as *const u8,
            in("rdx") 1usize,
            options(nostack),
        );
    }
    ret
}

fn main() {
    let r = write_byte(1, b'\n');
    println!("write_byte(1, b'\\n') = {r}");
}
