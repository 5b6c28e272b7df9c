/// The 12-byte CPU vendor string, or `None` off x86_64.
fn cpu_vendor() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::asm;
        let (ebx, ecx, edx): (u32, u32, u32);
        // SAFETY: `cpuid` leaf 0 exists on every x86_64 CPU. It writes EAX,
        // EBX, ECX and EDX and touches no memory. rbx belongs to LLVM, so it
        // is saved in a scratch register and restored by the `xchg`.
        unsafe {
            asm!(
                "mov {tmp:r}, rbx",
                "cpuid",
                "xchg {tmp:r}, rbx",
                tmp = out(reg) ebx,
                inout("eax") 0u32 => _,
                out("ecx") ecx,
                out("edx") edx,
                options(nostack, preserves_flags),
            );
        }
        let mut bytes = Vec::with_capacity(12);
        for word in [ebx, edx, ecx] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        String::from_utf8(bytes).ok()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

fn main() {
    println!("vendor: {:?}", cpu_vendor());
}
