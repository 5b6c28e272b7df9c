"""Machine code as the contract checker sees it: capstone's decoding, in whole registers.

capstone's detail mode knows each instruction's registers read and written (the
implicit ones too: `mul` writes rdx, `cpuid` four registers), its flag effects and its
memory operands. This module turns that into what the rules in contract.py ask about,
per architecture (x86_64, aarch64), and holds the few facts the rules need that are
not in the instructions: which registers LLVM reserves, which a `clobber_abi` covers,
which instructions are not pure. Where capstone's detail is silent or wrong (`syscall`
names no registers; aarch64's `cmp` alias is said to write its first operand), a
short table says so, with the reason.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass
from typing import Any

from asm_tutor import memo
from asm_tutor.grader.disasm import Instruction


@dataclass(frozen=True)
class Op:
    kind: str  # "reg", "mem" or "imm"
    registers: frozenset[str]  # whole registers: the register, or a memory operand's base and index
    access: int  # 1 read, 2 write (as capstone says; an address is always read)
    whole: bool = True  # a register operand of full width (rax, x0), not a part (eax, w0)
    value: int = 0  # an immediate's value; a memory operand's displacement


@dataclass
class Decoded:
    """One instruction as capstone sees it, in the terms the rules need."""

    text: str
    mnemonic: str
    reads: set[str]  # whole registers (rax for eax), flags and pc left out
    writes: set[str]
    flags_written: bool
    memory_read: bool
    memory_write: bool
    stack: bool  # pushes, pops, calls, returns, moves the stack pointer, or uses memory below it
    call: bool
    operands: list[Op]
    flags_read: bool = False  # a condition is tested (setcc, cmovcc, jcc, adc; csel, b.cond, adcs)
    address: int = 0
    flow: str = ""  # "jump" (always), "branch" (conditional), "return", or "" (falls through)
    target: int | None = None  # where a jump or branch goes, when it says (a label, not a register)
    feature: str = ""  # the CPU feature it needs beyond the target's baseline (`popcnt`, `bmi2`), if any
    wide_reads: frozenset[str] = frozenset()  # whole registers it reads at their full width (rcx of `rep stosb`)
    system_call: bool = False  # the kernel runs: it reads memory the call names (it writes some: which
    # depends on the call's number, so only the read counts here: `write` under `readonly` is right)
    line: str = ""  # the template line it came from, when the pairing found it

    @property
    def shown(self) -> str:
        """The instruction for a message: as compiled, and as the learner wrote it."""
        return f"`{self.text}` (your `{self.line}`)" if self.line and self.line != self.text else f"`{self.text}`"


class Isa:
    """What differs between x86_64 and aarch64: capstone's set-up, register names, the rules' tables."""

    nop: bytes
    stack_pointer: str
    reserved: frozenset[str]  # registers LLVM uses for itself
    abis: dict[str, frozenset[str]]  # clobber_abi name → the registers it clobbers
    unpure: frozenset[str]  # mnemonics whose result is no function of the inputs, or that act outside
    calls: frozenset[str]
    callee_saved: frozenset[str]  # general registers the C convention makes a function give back
    callee_saved_text: str  # the same, for a message

    arch: str

    @functools.cached_property
    def cs(self) -> Any:
        """capstone, set up for this architecture: imported only when a decoding is not remembered."""
        raise NotImplementedError

    def full(self, name: str) -> str:
        """The whole register a name denotes (`eax` → `rax`)."""
        raise NotImplementedError

    def is_register(self, name: str) -> bool:
        raise NotImplementedError

    def operand_texts(self, texts: list[str]) -> list[str]:
        """A template line's operands as capstone counts them."""
        return texts

    def decode(self, instructions: list[Instruction]) -> list[Decoded] | None:
        """The instructions decoded, or None when capstone reads none of them. A decoding is
        remembered on disk (memo.py): a learner's next check usually has the same block, and then
        does not pay for importing capstone (~35 ms)."""
        code = b"".join(i.data for i in instructions)
        if not code:
            return []
        where, key = memo.folder("decoded"), memo.key_of("decoded-4", self.arch, instructions[0].offset, code.hex())
        kept = memo.load_json(where, key)
        if kept is not None:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                return [_loaded(entry) for entry in kept["instructions"]]
        decoded = [self._decoded(insn) for insn in self.cs.disasm(code, instructions[0].offset)]
        if not decoded:
            return None
        memo.store_json(where, key, {"instructions": [_stored(d) for d in decoded]})
        return decoded

    def _decoded(self, insn: Any) -> Decoded:
        raise NotImplementedError


def _stored(d: Decoded) -> dict[str, Any]:
    return {"text": d.text, "mnemonic": d.mnemonic, "reads": sorted(d.reads), "writes": sorted(d.writes),
            "flags": d.flags_written, "flags_read": d.flags_read, "memory_read": d.memory_read, "memory_write": d.memory_write,
            "stack": d.stack, "call": d.call, "address": d.address, "flow": d.flow, "target": d.target,
            "feature": d.feature, "wide_reads": sorted(d.wide_reads), "system_call": d.system_call,
            "operands": [[op.kind, sorted(op.registers), op.access, op.whole, op.value] for op in d.operands]}


def _loaded(entry: dict[str, Any]) -> Decoded:
    operands = [Op(str(kind), frozenset(regs), int(access), bool(whole), int(value))
                for kind, regs, access, whole, value in entry["operands"]]
    target = entry["target"]
    return Decoded(str(entry["text"]), str(entry["mnemonic"]), set(entry["reads"]), set(entry["writes"]),
                   bool(entry["flags"]), bool(entry["memory_read"]), bool(entry["memory_write"]), bool(entry["stack"]),
                   bool(entry["call"]), operands, bool(entry["flags_read"]), int(entry["address"]), str(entry["flow"]),
                   None if target is None else int(target), str(entry["feature"]), frozenset(entry["wide_reads"]),
                   bool(entry["system_call"]))


# -- x86_64 ---------------------------------------------------------------------------------------

_X86_FAMILIES = {
    "rax": ("eax", "ax", "al", "ah"), "rbx": ("ebx", "bx", "bl", "bh"), "rcx": ("ecx", "cx", "cl", "ch"),
    "rdx": ("edx", "dx", "dl", "dh"), "rsi": ("esi", "si", "sil"), "rdi": ("edi", "di", "dil"),
    "rbp": ("ebp", "bp", "bpl"), "rsp": ("esp", "sp", "spl"),
    **{f"r{n}": (f"r{n}d", f"r{n}w", f"r{n}b", f"r{n}l") for n in range(8, 16)},
}
_X86_WHOLE = {part: whole for whole, parts in _X86_FAMILIES.items() for part in (whole, *parts)}
_X86_SYSV = frozenset({"rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
                       *(f"xmm{n}" for n in range(32)), *(f"k{n}" for n in range(8)), "st", "mm"})
_X86_WIN64 = frozenset({"rax", "rcx", "rdx", "r8", "r9", "r10", "r11", *(f"xmm{n}" for n in range(6)),
                        *(f"xmm{n}" for n in range(16, 32)), *(f"k{n}" for n in range(8)), "st", "mm"})
# Where capstone's detail is silent: syscall writes its result and rcx, r11.
_X86_EXTRA_WRITES = {"syscall": {"rax", "rcx", "r11"}, "sysenter": {"rax", "rcx", "rdx"}}


class X86(Isa):
    arch = "x86_64"
    nop = b"\x90"
    stack_pointer = "rsp"
    reserved = frozenset({"rbx", "rbp"})
    abis = {"C": _X86_SYSV, "sysv64": _X86_SYSV, "system": _X86_SYSV, "efiapi": _X86_WIN64, "win64": _X86_WIN64}
    unpure = frozenset({"rdtsc", "rdtscp", "rdrand", "rdseed", "rdpmc", "rdpid", "syscall", "sysenter", "int",
                        "int3", "in", "out", "ins", "outs", "hlt", "rdmsr", "wrmsr", "xgetbv"})
    calls = frozenset({"call"})
    callee_saved = frozenset({"rbx", "rbp", "r12", "r13", "r14", "r15"})
    callee_saved_text = "rbx, rbp, r12–r15"

    @functools.cached_property
    def cs(self) -> Any:
        import capstone

        cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        cs.syntax = capstone.CS_OPT_SYNTAX_INTEL
        cs.detail = True
        return cs

    def is_register(self, name: str) -> bool:
        return name in _X86_WHOLE or bool(re.fullmatch(r"[xyz]mm\d+", name))

    def full(self, name: str) -> str:
        name = name.lower().lstrip("%")
        if name in _X86_WHOLE:
            return _X86_WHOLE[name]
        match = re.fullmatch(r"[xyz]mm(\d+)", name)
        return f"xmm{match.group(1)}" if match else name

    def _decoded(self, insn: Any) -> Decoded:
        from capstone import x86

        read, write = insn.regs_access()
        reads = {self.full(insn.reg_name(r)) for r in read}
        writes = {self.full(insn.reg_name(r)) for r in write} | _X86_EXTRA_WRITES.get(insn.mnemonic, set())
        # The direction flag is not one preserves_flags promises (Rust's rules: DF is clear on
        # entry and must be clear on exit, which contract.py checks): `cld`/`std` keep the promise.
        flags = insn.mnemonic not in ("cld", "std") and ("rflags" in writes or bool(insn.eflags & _x86_flag_writes()))
        flags_read = bool(insn.eflags & _x86_flag_reads())
        operands: list[Op] = []
        memory_read = memory_write = below_sp = False
        for op in insn.operands:
            if op.type == x86.X86_OP_REG:
                operands.append(Op("reg", frozenset({self.full(insn.reg_name(op.reg))}), op.access, op.size == 8))
            elif op.type == x86.X86_OP_MEM:
                regs = frozenset(self.full(insn.reg_name(r)) for r in (op.mem.base, op.mem.index) if r)
                operands.append(Op("mem", regs, op.access, value=op.mem.disp))
                if insn.mnemonic not in ("lea", "nop"):  # lea computes an address and touches nothing
                    memory_read |= bool(op.access & 1)
                    memory_write |= bool(op.access & 2)
                    below_sp |= "rsp" in regs
            else:
                operands.append(Op("imm", frozenset(), 0, value=op.imm))
        groups = {insn.group_name(g) for g in insn.groups}
        call = "call" in groups or insn.mnemonic == "call"
        stack = call or "ret" in groups or insn.mnemonic in ("push", "pop", "pushf", "popf", "enter", "leave") \
            or "rsp" in writes or below_sp
        writes -= {"rflags", "rip", "eflags"}
        reads -= {"rflags", "rip", "eflags"}
        system_call = insn.mnemonic in ("syscall", "sysenter", "int")  # `int 0x80`; not the breakpoint `int3`
        flow, target = _x86_flow(insn.mnemonic, groups, operands)
        wide = frozenset(name for r in read if (name := insn.reg_name(r)) in _X86_FAMILIES)
        return Decoded(f"{insn.mnemonic} {insn.op_str}".strip(), insn.mnemonic, reads, writes, flags,
                       memory_read or system_call or (stack and insn.mnemonic != "pop"),
                       memory_write or insn.mnemonic in ("push", "call"), stack, call, operands,
                       flags_read or insn.mnemonic in _X86_READS_CF, insn.address, flow, target,
                       _x86_feature(insn.mnemonic, groups), wide, system_call)


# capstone 5 gives `rcl`/`rcr` no flag test, but they rotate through CF: they read it.
_X86_READS_CF = frozenset({"rcl", "rcr"})
# The capstone groups of instructions outside baseline x86_64 (which has SSE2 and CMOV), with the
# name `is_x86_feature_detected!` and `#[target_feature]` know them by.
_X86_FEATURE_GROUPS = {"sse3": "sse3", "ssse3": "ssse3", "sse41": "sse4.1", "sse42": "sse4.2", "sse4a": "sse4a",
                       "avx": "avx", "avx2": "avx2", "avx512": "avx512f", "fma": "fma", "fma4": "fma4", "bmi": "bmi1",
                       "bmi2": "bmi2", "aes": "aes", "pclmul": "pclmulqdq", "sha": "sha", "f16c": "f16c", "adx": "adx",
                       "xop": "xop", "tbm": "tbm", "rtm": "rtm"}
# Where capstone 5 names no group: these mnemonics need their feature all the same.
_X86_FEATURE_MNEMONICS = {"popcnt": "popcnt", "lzcnt": "lzcnt", "movbe": "movbe", "rdrand": "rdrand",
                          "rdseed": "rdseed", "adcx": "adx", "adox": "adx"}


def _x86_feature(mnemonic: str, groups: set[str]) -> str:
    if mnemonic in _X86_FEATURE_MNEMONICS:
        return _X86_FEATURE_MNEMONICS[mnemonic]
    return next((feature for group, feature in _X86_FEATURE_GROUPS.items() if group in groups), "")


def _x86_flow(mnemonic: str, groups: set[str], operands: list[Op]) -> tuple[str, int | None]:
    target = operands[0].value if operands and operands[0].kind == "imm" else None
    if "ret" in groups or mnemonic in ("iret", "iretq", "sysret"):
        return "return", None
    if "jump" in groups:
        return ("jump" if mnemonic == "jmp" else "branch"), target
    return "", None


@functools.cache
def _x86_flag_writes() -> int:
    from capstone import x86

    mask = 0
    for name in dir(x86):
        if name.startswith("X86_EFLAGS_") and not name.startswith("X86_EFLAGS_TEST_"):
            mask |= getattr(x86, name)
    return mask


@functools.cache
def _x86_flag_reads() -> int:
    """The flags an instruction tests, DF left out: it is clear at the start of every asm! block
    (a string instruction may rely on it)."""
    from capstone import x86

    mask = 0
    for name in dir(x86):
        if name.startswith("X86_EFLAGS_TEST_") and name != "X86_EFLAGS_TEST_DF":
            mask |= getattr(x86, name)
    return mask


# -- aarch64 ---------------------------------------------------------------------------------------

_A64_C = frozenset({*(f"x{n}" for n in range(19)), "x30", *(f"v{n}" for n in range(32))})
# capstone reports the alias `cmp x0, x1` (subs xzr, x0, x1) as writing x0: these write only the flags.
_A64_FLAGS_ONLY = frozenset({"cmp", "cmn", "tst", "ccmp", "ccmn", "fcmp", "fcmpe"})


# capstone says these read the flags; they test a register.
_A64_NO_FLAGS_READ = frozenset({"cbz", "cbnz", "tbz", "tbnz"})
# Groups outside the baseline (ARMv8.0-A with FP and AdvSIMD) that rustc targets for aarch64 Linux.
_A64_FEATURE_GROUPS = {"crc": "crc", "crypto": "aes", "sve": "sve", "sve2": "sve2", "sme": "sme"}


# Operand texts of a template line that capstone folds into the operand before them
# (a shift or an extension) or keeps apart (a condition code).
_A64_NOT_OPERANDS = re.compile(r"(lsl|lsr|asr|ror|msl|[us]xt[bhwx])\b.*|eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al|nv",
                               re.I)


class A64(Isa):
    arch = "aarch64"
    nop = bytes.fromhex("1f2003d5")
    stack_pointer = "sp"
    reserved = frozenset({"x19", "x29"})  # x18 is an ordinary register on Linux (the targets graded here)
    abis = {"C": _A64_C, "system": _A64_C, "efiapi": _A64_C}
    unpure = frozenset({"mrs", "svc", "hvc", "smc", "rndr", "rndrrs", "wfi", "wfe"})
    calls = frozenset({"bl", "blr"})
    # d8–d15 (the low halves of v8–v15) too: capstone names them whole, as v8–v15.
    callee_saved = frozenset({*(f"x{n}" for n in range(19, 30)), *(f"v{n}" for n in range(8, 16))})
    callee_saved_text = "x19–x29, d8–d15"

    def is_register(self, name: str) -> bool:
        return self.full(name) != name or bool(re.fullmatch(r"[xv]([12]?\d|3[01])", name))

    def operand_texts(self, texts: list[str]) -> list[str]:
        return [text for text in texts if not _A64_NOT_OPERANDS.fullmatch(text.strip())]

    def full(self, name: str) -> str:
        name = name.lower()
        if name in ("sp", "wsp"):
            return "sp"
        if name == "lr":
            return "x30"
        if name == "fp":
            return "x29"
        if re.fullmatch(r"[xw]([12]?\d|30)", name):
            return "x" + name[1:]
        if re.fullmatch(r"[vqdshb]([12]?\d|3[01])", name):
            return "v" + name[1:]
        return name

    def _decoded(self, insn: Any) -> Decoded:
        from capstone import arm64

        read, write = insn.regs_access()
        reads = {self.full(insn.reg_name(r)) for r in read}
        writes = {self.full(insn.reg_name(r)) for r in write}
        if insn.mnemonic in _A64_FLAGS_ONLY:
            writes = {"nzcv"}
        if insn.mnemonic == "svc":
            writes = {"x0"}  # the kernel answers in x0; capstone says lr
        flags = "nzcv" in writes or bool(insn.update_flags)
        flags_read = insn.mnemonic not in _A64_NO_FLAGS_READ and (
            "nzcv" in reads or insn.cc not in (arm64.ARM64_CC_INVALID, arm64.ARM64_CC_AL, arm64.ARM64_CC_NV))
        operands: list[Op] = []
        memory_read = memory_write = below_sp = False
        for op in insn.operands:
            if op.type == arm64.ARM64_OP_REG:
                name = insn.reg_name(op.reg)
                operands.append(Op("reg", frozenset({self.full(name)}), op.access, not name.startswith("w")))
            elif op.type == arm64.ARM64_OP_MEM:
                regs = frozenset(self.full(insn.reg_name(r)) for r in (op.mem.base, op.mem.index) if r)
                operands.append(Op("mem", regs, op.access, value=op.mem.disp))
                memory_read |= bool(op.access & 1) or insn.mnemonic.startswith("ld")
                memory_write |= bool(op.access & 2) and insn.mnemonic.startswith("st")
                below_sp |= "sp" in regs
            else:
                operands.append(Op("imm", frozenset(), 0, value=op.imm if op.type == arm64.ARM64_OP_IMM else 0))
        call = insn.mnemonic in self.calls
        # `bl` itself leaves sp alone, but the function it calls pushes its frame: as on x86, a call uses
        # the stack the block promised not to touch.
        stack = "sp" in writes or below_sp or call
        writes -= {"nzcv", "pc", "xzr", "wzr"}
        reads -= {"nzcv", "pc", "xzr", "wzr"}
        groups = {insn.group_name(g) for g in insn.groups}
        system_call = insn.mnemonic in ("svc", "hvc", "smc")
        flow, target = "", None
        if "return" in groups or insn.mnemonic in ("ret", "eret"):
            flow = "return"
        elif "jump" in groups and not call:
            flow = "jump" if insn.mnemonic in ("b", "br") else "branch"
            target = operands[-1].value if operands and operands[-1].kind == "imm" and insn.mnemonic != "br" else None
        wide = frozenset(self.full(name) for r in read if (name := insn.reg_name(r)).startswith("x"))
        feature = next((f for group, f in _A64_FEATURE_GROUPS.items() if group in groups), "")
        return Decoded(f"{insn.mnemonic} {insn.op_str}".strip(), insn.mnemonic, reads, writes, flags,
                       memory_read or system_call, memory_write, stack, call, operands, flags_read,
                       insn.address, flow, target, feature, wide, system_call)


    @functools.cached_property
    def cs(self) -> Any:
        import capstone

        cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
        cs.detail = True
        return cs


@functools.cache
def for_arch(arch: str) -> Isa | None:
    """The architecture's decoder and tables (None for one the checker does not know)."""
    kind: type[Isa] | None = {"x86_64": X86, "aarch64": A64}.get(arch)
    return kind() if kind is not None else None
