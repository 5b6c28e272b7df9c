use std::arch::asm;

/// CRC-32C with SSE4.2's `crc32`. Compile it with the extension, and call it
/// only where the CPU has it.
// #[target_feature(enable = "...")]
fn crc32c_hw(crc: u32, data: u64) -> u32 {
    let r: u64;
    // SAFETY: fill in why your block is sound.
    unsafe {
        asm!(
            "/* fold {d} into the CRC in {c} */",
            c = inout(reg) u64::from(crc) => r,
            d = in(reg) data,
            options(pure, nomem, nostack),
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

/// CRC-32C of the 8 bytes of `data`, folded into `crc`: the CPU's instruction
/// where it has one, the fallback elsewhere.
fn crc32c_u64(crc: u32, data: u64) -> u32 {
    // Ask the CPU, then call crc32c_hw; until then, the starter always falls back
    // to nothing at all:
    let _ = crc32c_soft;
    crc32c_hw(crc, data)
}

fn main() {
    println!("{:#x}", crc32c_u64(!0, 42));
}
