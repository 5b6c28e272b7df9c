use std::arch::asm;

/// EBX of cpuid leaf 7, subleaf 0: the extended feature bits.
fn extended_features() -> u32 {
    let ebx: u32;
    // SAFETY: cpuid leaf 7 is answered by every x86_64 CPU (older ones give
    // the highest leaf they know). It writes eax, ebx, ecx and edx only.
    unsafe {
        asm!(
            "cpuid",
            inout("eax") 7u32 => _,
            inout("ecx") 0u32 => _,
            out("ebx") ebx,
            out("edx") _,
            options(nomem, nostack, preserves_flags),
        );
    }
    ebx
}

fn main() {
    let bits = extended_features();
    println!("AVX2: {}, BMI2: {}", bits & (1 << 5) != 0, bits & (1 << 8) != 0);
}
