"""The promises an `asm!` block makes, checked against the instructions it compiled to.

A block's options and operands are promises to the compiler, and breaking one is
undefined behaviour that often compiles cleanly and passes tests. Each block of
the learner's (asm_blocks.py: what it promises) is matched with its instructions
in the -O0 object (disasm.py: what it does), decoded with capstone, which knows
each instruction's implicit register reads and writes, its flag effects and its
memory operands. Then:

- `preserves_flags`: no instruction writes the flags;
- `nomem`: none touches memory (the stack included); `readonly`: none writes it;
- `nostack`: no push, pop, call or return, no change to the stack pointer, no use
  of the memory below it (the red zone);
- `pure`: no side effect (a memory write, a call, a system call) and nothing whose
  result is not a function of the inputs (`rdtsc`, `rdrand`, a timer register);
- every register the block writes, explicitly or implicitly (`mul` writes rdx,
  `rdtsc` edx, `syscall` rcx and r11), is an output, a clobber (`out(...) _`) or in
  a `clobber_abi`, or holds its old value again at the end (saved and restored);
- registers LLVM reserves (rbx, rbp; x19, x29 on aarch64) are never operands and,
  if touched, are restored;
- an `in` operand's register is not changed, a `call` comes with `clobber_abi`;
- a `lateout` operand is written only after every other input is read: the
  compiler may give the two the same register.

How the template's placeholders became registers ("{x} became rdi") comes from
pairing each template line with its decoded instruction, operand by operand. A
block this module cannot read (a macro-built template, a count of instructions
that does not match) is not judged: nothing here may fail a correct program.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from asm_tutor.grader.asm_blocks import AsmBlock, Operand
from asm_tutor.grader.disasm import Function, Instruction

# Where the built-in course teaches each promise: (lesson id, section heading).
LESSONS = {
    "options": ("options", "What each option promises"),
    "registers": ("clobbers", "Undeclared clobbers"),
    "call": ("clobbers", "Calling a function from asm: clobber_abi"),
    "reserved": ("clobbers", "Registers LLVM reserves"),
    "input": ("operands", "in and out"),
    "lateout": ("pitfalls", "out versus lateout"),
}


@dataclass(frozen=True)
class Breach:
    """One promise a block broke, in words a learner can act on."""

    promise: str  # what was promised, e.g. "options(preserves_flags)"
    topic: str  # a key of LESSONS
    instruction: str  # the instruction that broke it, e.g. "add rax, rcx"
    reason: str  # why that breaks it, and what to do
    line: int  # the block's line in the learner's file


@dataclass
class BlockReport:
    block: AsmBlock
    symbol: str  # the compiled function it is in
    region: int  # which of that function's asm! regions it is
    registers: dict[str, str] = field(default_factory=dict)  # placeholder → register, e.g. {"x": "rdi"}
    breaches: list[Breach] = field(default_factory=list)

    def operand_map(self) -> str:
        """e.g. "{x} became rdi, {out} became rax" ("" when unknown)."""
        return ", ".join(f"{{{name}}} became {reg}" for name, reg in self.registers.items())


def check(arch: str, functions: list[Function], blocks: list[AsmBlock]) -> list[BlockReport]:
    """A report per block whose compiled instructions were found; blocks in functions the
    object does not have (never compiled, or inlined away) are left out."""
    isa = _isa(arch)
    if isa is None:
        return []
    reports: list[BlockReport] = []
    for function in functions:
        short = function.name.rsplit("::", 1)[-1]
        mine = [b for b in blocks if b.function == short]
        regions = _regions(function)
        if not mine or len(mine) != len(regions):
            continue  # which block is which cannot be told: none is judged
        for region, (block, instructions) in enumerate(zip(mine, regions, strict=True)):
            reports.append(isa.check_block(BlockReport(block, function.symbol, region), instructions))
    return reports


def _regions(function: Function) -> list[list[Instruction]]:
    found: dict[int, list[Instruction]] = {}
    for insn in function.instructions:
        if insn.region is not None:
            found.setdefault(insn.region, []).append(insn)
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True)
class _Op:
    kind: str  # "reg", "mem" or "imm"
    registers: frozenset[str]  # whole registers: the register, or a memory operand's base and index
    access: int  # 1 read, 2 write (as capstone says; an address is always read)
    whole: bool = True  # a register operand of full width (rax, x0), not a part (eax, w0)


@dataclass
class _Decoded:
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
    operands: list[_Op]
    line: str = ""  # the template line it came from, when the pairing found it

    @property
    def shown(self) -> str:
        """The instruction for a message: as compiled, and as the learner wrote it."""
        return f"`{self.text}` (your `{self.line}`)" if self.line and self.line != self.text else f"`{self.text}`"


class _Isa:
    """What differs between x86_64 and aarch64: capstone's set-up, register names, the rules' tables."""

    nop: bytes
    stack_pointer: str
    reserved: frozenset[str]  # registers LLVM uses for itself
    abis: dict[str, frozenset[str]]  # clobber_abi name → the registers it clobbers
    unpure: frozenset[str]  # mnemonics whose result is no function of the inputs, or that act outside
    calls: frozenset[str]

    def __init__(self, cs: Any) -> None:
        self.cs = cs

    def full(self, name: str) -> str:
        """The whole register a name denotes (`eax` → `rax`)."""
        raise NotImplementedError

    def is_register(self, name: str) -> bool:
        raise NotImplementedError

    def decode(self, instructions: list[Instruction]) -> list[_Decoded] | None:
        code = b"".join(i.data for i in instructions)
        if not code:
            return []
        decoded = [self._decoded(insn) for insn in self.cs.disasm(code, instructions[0].offset)]
        return decoded if sum(len(d.text) > 0 for d in decoded) else None

    def _decoded(self, insn: Any) -> _Decoded:
        raise NotImplementedError

    # -- the rules -------------------------------------------------------------------------------

    def check_block(self, report: BlockReport, instructions: list[Instruction]) -> BlockReport:
        block = report.block
        decoded = self.decode(instructions)
        if decoded is None:
            return report
        uses = _pair(block, decoded, self)
        report.registers = {name: sorted(regs)[0] for name, regs in uses.registers.items() if len(regs) == 1}
        breach = functools.partial(_breach, report, block.line)
        options = block.options
        for d in decoded:
            if "preserves_flags" in options and (d.flags_written or d.call):
                why = "calls a function, which need not keep them" if d.call and not d.flags_written else "writes them"
                breach("options(preserves_flags)", "options", d, f"the block must leave the flags as it found them, but "
                       f"{d.shown} {why}. Drop `preserves_flags`, or use instructions that keep the flags (`lea`).")
            if "nomem" in options and (d.memory_read or d.memory_write or d.stack):
                breach("options(nomem)", "options", d, f"the block must not touch memory, but {d.shown} does"
                       f"{' (the stack is memory too)' if d.stack else ''}. Drop `nomem` (or `readonly` if it only reads).")
            if "readonly" in options and (d.memory_write or d.call or d.mnemonic in ("push", "call")):
                breach("options(readonly)", "options", d,
                       f"the block may only read memory, but {d.shown} writes it. Drop `readonly`.")
            if "nostack" in options and d.stack:
                breach("options(nostack)", "options", d, f"the block must not use the stack, but {d.shown} does. "
                       "Drop `nostack`: then rustc leaves room below the stack pointer for the block.")
            if "pure" in options and (d.memory_write or d.call or d.mnemonic in self.unpure):
                effect = "reads a value that changes" if d.mnemonic in self.unpure else "acts outside the block"
                breach("options(pure)", "options", d, f"a pure block's outputs depend only on its inputs and it has "
                       f"no other effect, but {d.shown} {effect}: the compiler may run it once and reuse the "
                       "result, or never run it. Drop `pure`.")
            if d.call and not block.clobber_abis:
                breach("clobber_abi", "call", d, f"{d.shown} runs a function, which may change every register the "
                       "calling convention lets it: add `clobber_abi(\"C\")` to the operands.")
        self._registers(block, decoded, uses, breach)
        self._lateout(block, decoded, uses, breach)
        return report

    def _registers(self, block: AsmBlock, decoded: list[_Decoded], uses: _Uses, breach: Any) -> None:
        places = block.placeholders()
        declared: set[str] = set()
        inputs: dict[str, str] = {}  # register → how the learner named it
        for op in block.operands:
            if op.register is None:
                continue
            reg = self.full(op.register)
            if reg in self.reserved:
                breach("reserved registers", "reserved", None, f"`{_spell(op)}` names {op.register}, which is "
                       f"{reg} to LLVM: it uses {reg} itself, so it can be no operand or clobber (rustc does not "
                       f"always refuse it). Save {reg} in another register and restore it instead.")
            elif op.writes:
                declared.add(reg)
            elif op.reads:
                inputs[reg] = f'`in("{op.register}")`'
        for name, op in places.items():
            regs = uses.registers.get(name, set())
            if op.writes:
                declared |= regs
            elif op.reads:
                for reg in regs:
                    inputs.setdefault(reg, f"{{{name}}}")
        for abi in block.clobber_abis:
            declared |= self.abis.get(abi, frozenset())
        state = _Symbolic(self)
        written: dict[str, _Decoded] = {}
        for d in decoded:
            for reg in d.writes:
                written.setdefault(reg, d)
            state.step(d)
        for reg, first in written.items():
            if reg == self.stack_pointer or state.restored(reg):
                continue
            how = "" if self._named(first, reg) else "implicitly "
            if reg in self.reserved:
                breach("reserved registers", "reserved", first, f"{first.shown} {how}changes {reg}, which LLVM uses "
                       f"itself, and the block does not put it back. Save it first (`mov {{tmp:r}}, {reg}`) and "
                       f"restore it at the end (`xchg {{tmp:r}}, {reg}`).")
            elif reg in inputs and reg not in declared:
                breach("in", "input", first, f"an input's register must hold its value at the end, but {first.shown} "
                       f"changes {inputs[reg]} ({reg}). Make it `inout` if the block changes it.")
            elif reg not in declared and reg not in inputs:
                breach("declared registers", "registers", first, f"{first.shown} {how}writes {reg}, which is no "
                       f"output, clobber or clobber_abi member of the block: the compiler may keep a value there. "
                       f"Declare it (`out(\"{reg}\") _`).")

    @staticmethod
    def _named(d: _Decoded, reg: str) -> bool:
        """The register is one of the instruction's operands (not an implicit effect)."""
        return any(op.kind == "reg" and reg in op.registers for op in d.operands)

    def _lateout(self, block: AsmBlock, decoded: list[_Decoded], uses: _Uses, breach: Any) -> None:
        places = block.placeholders()
        for late_name, late in places.items():
            if not late.late or late.register is not None or late_name not in uses.first_write:
                continue
            for name, op in places.items():
                if name == late_name or not op.reads or op.register is not None or name not in uses.last_read:
                    continue
                if op is late:  # inlateout: its own input
                    continue
                wrote, read = uses.first_write[late_name], uses.last_read[name]
                if wrote < read:
                    breach("lateout", "lateout", decoded[wrote], f"`lateout` promises {{{late_name}}} is written only "
                           f"after every input is read, so the compiler may give it the register of {{{name}}}; but "
                           f"{decoded[wrote].shown} writes {{{late_name}}} before {decoded[read].shown} reads "
                           f"{{{name}}}. Make {{{late_name}}} `out` (or `inout`).")


def _spell(op: Operand) -> str:
    return f'{op.direction}("{op.register}"){" _" if op.discarded else ""}'


def _breach(report: BlockReport, line: int, promise: str, topic: str, d: _Decoded | None, reason: str) -> None:
    if any(b.promise == promise for b in report.breaches):
        return  # the first instance of each broken promise says it
    report.breaches.append(Breach(promise, topic, d.text if d is not None else "", reason, line))


@dataclass
class _Uses:
    """What the pairing of template lines and instructions found, per placeholder."""

    registers: dict[str, set[str]] = field(default_factory=dict)
    first_write: dict[str, int] = field(default_factory=dict)  # placeholder → index of its first written use
    last_read: dict[str, int] = field(default_factory=dict)


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _pair(block: AsmBlock, decoded: list[_Decoded], isa: _Isa) -> _Uses:
    """Line up the template's instruction lines with the decoded instructions, and within a line
    its operands with the instruction's: then `{x}` in an operand is that operand's register."""
    uses = _Uses()
    lines = block.template_lines()
    if len(lines) != len(decoded):
        return uses
    att = "att_syntax" in block.options
    for index, (line, d) in enumerate(zip(lines, decoded, strict=True)):
        d.line = line
        parts = line.split(None, 1)
        texts = _split_operands(parts[1]) if len(parts) > 1 else []
        if att:
            texts.reverse()
        if len(texts) != len(d.operands):
            continue
        if not _consistent(texts, d.operands, isa) and _consistent(texts[::-1], d.operands, isa):
            texts.reverse()  # `xchg {t}, rbx` may be printed, and paired, as `xchg rbx, rsi`
        for text, op in zip(texts, d.operands, strict=True):
            names = _PLACEHOLDER.findall(text)
            if not names:
                continue
            if op.kind == "reg" and len(names) == 1:
                uses.registers.setdefault(names[0], set()).update(op.registers)
                if op.access & 2:
                    uses.first_write.setdefault(names[0], index)
                if op.access & 1:
                    uses.last_read[names[0]] = index
            elif op.kind == "mem":
                if len(set(names)) == 1 and len(op.registers) == 1:
                    uses.registers.setdefault(names[0], set()).update(op.registers)
                for name in names:  # an address is read, whatever the access does to memory
                    uses.last_read[name] = index
    return uses


def _consistent(texts: list[str], operands: list[_Op], isa: _Isa) -> bool:
    """Every operand the template spells as a register is that register in the instruction."""
    for text, op in zip(texts, operands, strict=True):
        name = text.strip().lstrip("%").lower()
        if isa.is_register(name) and (op.kind != "reg" or isa.full(name) not in op.registers):
            return False
    return True


def _split_operands(text: str) -> list[str]:
    """Operands split at the commas that are not inside brackets or parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


class _Symbolic:
    """Which registers hold their value from the block's start, through moves, swaps, pushes and pops."""

    def __init__(self, isa: _Isa) -> None:
        self.isa = isa
        self.value: dict[str, object] = {}
        self.stack: list[object] = []
        self.fresh = 0

    def _get(self, reg: str) -> object:
        return self.value.get(reg, reg)  # a register's starting value is named after it

    def step(self, d: _Decoded) -> None:
        regs = [next(iter(op.registers)) if op.kind == "reg" and op.whole else None for op in d.operands]
        if d.mnemonic == "mov" and len(regs) == 2 and regs[0] and regs[1]:
            self.value[regs[0]] = self._get(regs[1])
        elif d.mnemonic == "xchg" and len(regs) == 2 and regs[0] and regs[1]:
            a, b = regs[0], regs[1]
            self.value[a], self.value[b] = self._get(b), self._get(a)
        elif d.mnemonic == "push":
            self.stack.append(self._get(regs[0]) if regs and regs[0] else self._new())
        elif d.mnemonic == "pop" and regs and regs[0]:
            self.value[regs[0]] = self.stack.pop() if self.stack else self._new()
        else:
            for reg in d.writes:
                self.value[reg] = self._new()

    def _new(self) -> object:
        self.fresh += 1
        return ("changed", self.fresh)

    def restored(self, reg: str) -> bool:
        return self._get(reg) == reg


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


class _X86(_Isa):
    nop = b"\x90"
    stack_pointer = "rsp"
    reserved = frozenset({"rbx", "rbp"})
    abis = {"C": _X86_SYSV, "sysv64": _X86_SYSV, "system": _X86_SYSV, "efiapi": _X86_WIN64, "win64": _X86_WIN64}
    unpure = frozenset({"rdtsc", "rdtscp", "rdrand", "rdseed", "rdpmc", "rdpid", "syscall", "sysenter", "int",
                        "int3", "in", "out", "ins", "outs", "hlt", "rdmsr", "wrmsr", "xgetbv"})
    calls = frozenset({"call"})

    def is_register(self, name: str) -> bool:
        return name in _X86_WHOLE or bool(re.fullmatch(r"[xyz]mm\d+", name))

    def full(self, name: str) -> str:
        name = name.lower().lstrip("%")
        if name in _X86_WHOLE:
            return _X86_WHOLE[name]
        match = re.fullmatch(r"[xyz]mm(\d+)", name)
        return f"xmm{match.group(1)}" if match else name

    def _decoded(self, insn: Any) -> _Decoded:
        from capstone import x86

        read, write = insn.regs_access()
        reads = {self.full(insn.reg_name(r)) for r in read}
        writes = {self.full(insn.reg_name(r)) for r in write} | _X86_EXTRA_WRITES.get(insn.mnemonic, set())
        flags = "rflags" in writes or bool(insn.eflags & _x86_flag_writes())
        operands: list[_Op] = []
        memory_read = memory_write = below_sp = False
        for op in insn.operands:
            if op.type == x86.X86_OP_REG:
                operands.append(_Op("reg", frozenset({self.full(insn.reg_name(op.reg))}), op.access, op.size == 8))
            elif op.type == x86.X86_OP_MEM:
                regs = frozenset(self.full(insn.reg_name(r)) for r in (op.mem.base, op.mem.index) if r)
                operands.append(_Op("mem", regs, op.access))
                if insn.mnemonic not in ("lea", "nop"):  # lea computes an address and touches nothing
                    memory_read |= bool(op.access & 1)
                    memory_write |= bool(op.access & 2)
                    below_sp |= "rsp" in regs
            else:
                operands.append(_Op("imm", frozenset(), 0))
        groups = {insn.group_name(g) for g in insn.groups}
        call = "call" in groups or insn.mnemonic == "call"
        stack = call or "ret" in groups or insn.mnemonic in ("push", "pop", "pushf", "popf", "enter", "leave") \
            or "rsp" in writes or below_sp
        writes -= {"rflags", "rip", "eflags"}
        reads -= {"rflags", "rip", "eflags"}
        return _Decoded(f"{insn.mnemonic} {insn.op_str}".strip(), insn.mnemonic, reads, writes, flags,
                        memory_read or (stack and insn.mnemonic != "pop"), memory_write or insn.mnemonic in ("push", "call"),
                        stack, call, operands)


@functools.cache
def _x86_flag_writes() -> int:
    from capstone import x86

    mask = 0
    for name in dir(x86):
        if name.startswith("X86_EFLAGS_") and not name.startswith("X86_EFLAGS_TEST_"):
            mask |= getattr(x86, name)
    return mask


# -- aarch64 ---------------------------------------------------------------------------------------

_A64_C = frozenset({*(f"x{n}" for n in range(18)), "x30", *(f"v{n}" for n in range(32))})
# capstone reports the alias `cmp x0, x1` (subs xzr, x0, x1) as writing x0: these write only the flags.
_A64_FLAGS_ONLY = frozenset({"cmp", "cmn", "tst", "ccmp", "ccmn", "fcmp", "fcmpe"})


class _A64(_Isa):
    nop = bytes.fromhex("1f2003d5")
    stack_pointer = "sp"
    reserved = frozenset({"x18", "x19", "x29"})
    abis = {"C": _A64_C, "system": _A64_C, "efiapi": _A64_C}
    unpure = frozenset({"mrs", "svc", "hvc", "smc", "rndr", "rndrrs", "wfi", "wfe"})
    calls = frozenset({"bl", "blr"})

    def is_register(self, name: str) -> bool:
        return self.full(name) != name or bool(re.fullmatch(r"[xv]([12]?\d|3[01])", name))

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

    def _decoded(self, insn: Any) -> _Decoded:
        from capstone import arm64

        read, write = insn.regs_access()
        reads = {self.full(insn.reg_name(r)) for r in read}
        writes = {self.full(insn.reg_name(r)) for r in write}
        if insn.mnemonic in _A64_FLAGS_ONLY:
            writes = {"nzcv"}
        if insn.mnemonic == "svc":
            writes = {"x0"}  # the kernel answers in x0; capstone says lr
        flags = "nzcv" in writes or bool(insn.update_flags)
        operands: list[_Op] = []
        memory_read = memory_write = below_sp = False
        for op in insn.operands:
            if op.type == arm64.ARM64_OP_REG:
                name = insn.reg_name(op.reg)
                operands.append(_Op("reg", frozenset({self.full(name)}), op.access, not name.startswith("w")))
            elif op.type == arm64.ARM64_OP_MEM:
                regs = frozenset(self.full(insn.reg_name(r)) for r in (op.mem.base, op.mem.index) if r)
                operands.append(_Op("mem", regs, op.access))
                memory_read |= bool(op.access & 1) or insn.mnemonic.startswith("ld")
                memory_write |= bool(op.access & 2) and insn.mnemonic.startswith("st")
                below_sp |= "sp" in regs
            else:
                operands.append(_Op("imm", frozenset(), 0))
        call = insn.mnemonic in self.calls
        stack = "sp" in writes or below_sp
        writes -= {"nzcv", "pc", "xzr", "wzr"}
        reads -= {"nzcv", "pc", "xzr", "wzr"}
        return _Decoded(f"{insn.mnemonic} {insn.op_str}".strip(), insn.mnemonic, reads, writes, flags,
                        memory_read, memory_write, stack, call, operands)


@functools.cache
def _isa(arch: str) -> _Isa | None:
    import capstone

    if arch == "x86_64":
        cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        cs.syntax = capstone.CS_OPT_SYNTAX_INTEL
        cs.detail = True
        return _X86(cs)
    if arch == "aarch64":
        cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
        cs.detail = True
        return _A64(cs)
    return None
