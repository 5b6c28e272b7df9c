/// The 12-byte CPU vendor string, or `None` off x86_64.
fn cpu_vendor() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        // Run `cpuid` with leaf 0 in an asm! block and assemble
        // EBX, EDX, ECX into a String.
        return None;
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        todo!("there is no cpuid on this architecture: say so")
    }
}

fn main() {
    println!("vendor: {:?}", cpu_vendor());
}
