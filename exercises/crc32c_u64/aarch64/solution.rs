use std::arch::asm;

/// CRC-32C with the CRC extension's `crc32cx`.
#[target_feature(enable = "crc")]
fn crc32c_hw(crc: u32, data: u64) -> u32 {
    let r: u32;
    // SAFETY: compiled with the CRC extension and only called on a CPU that
    // has it (see crc32c_u64). Registers only; `crc32cx` leaves the flags
    // alone. `lateout`: both inputs are read before `r` is written.
    unsafe {
        asm!(
            "crc32cx {r:w}, {c:w}, {d}",
            c = in(reg) crc,
            d = in(reg) data,
            r = lateout(reg) r,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    r
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
    if std::arch::is_aarch64_feature_detected!("crc") {
        // SAFETY: the CPU has the CRC extension (checked just above).
        return unsafe { crc32c_hw(crc, data) };
    }
    crc32c_soft(crc, data)
}

fn main() {
    println!("{:#x}", crc32c_u64(!0, 42));
}
