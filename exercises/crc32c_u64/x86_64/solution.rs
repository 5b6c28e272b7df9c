use std::arch::asm;

/// CRC-32C with SSE4.2's `crc32`.
#[target_feature(enable = "sse4.2")]
fn crc32c_hw(crc: u32, data: u64) -> u32 {
    let r: u64;
    // SAFETY: compiled with SSE4.2 and only called on a CPU that has it
    // (see crc32c_u64). `crc32` reads the low 32 bits of `c` and all of `d`,
    // writes `c`: registers only, and it leaves the flags alone.
    unsafe {
        asm!(
            "crc32 {c}, {d}",
            c = inout(reg) u64::from(crc) => r,
            d = in(reg) data,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    r as u32
}

/// CRC-32C of the 8 bytes of `data`, one bit at a time: the fallback.
fn crc32c_soft(crc: u32, data: u64) -> u32 {
    let mut c = crc;
    for byte in data.to_le_bytes() {
        c ^= u32::from(byte);
        for _ in 0..8 {
            c = (c >> 1) ^ (0x82F6_3B78 & (c & 1).wrapping_neg());
        }
    }
    c
}

/// CRC-32C of the 8 bytes of `data`, folded into `crc`.
fn crc32c_u64(crc: u32, data: u64) -> u32 {
    if is_x86_feature_detected!("sse4.2") {
        // SAFETY: the CPU has SSE4.2 (checked just above).
        return unsafe { crc32c_hw(crc, data) };
    }
    crc32c_soft(crc, data)
}

fn main() {
    println!("{:#x}", crc32c_u64(!0, 42));
}
