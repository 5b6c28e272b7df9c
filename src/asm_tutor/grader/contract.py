"""The promises an `asm!` block makes, checked against the instructions it compiled to.

A block's options and operands are promises to the compiler, and breaking one is
undefined behaviour that often compiles cleanly and passes tests. Each block of
the learner's (asm_blocks.py: what it promises) is matched with its instructions
in the -O0 object (disasm.py: what it does), decoded with capstone, which knows
each instruction's implicit register reads and writes, its flag effects and its
memory operands. Then:

- `preserves_flags`: no instruction writes the flags;
- flags are not inputs: no instruction tests a flag before one of the same block set
  it (straight-line order; DF aside, which every block starts with clear, and must
  leave clear: a `std` needs its `cld`);
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
  compiler may give the two the same register;
- a naked function (`naked_asm!`, all of it the learner's) gives every callee-saved
  register back as it found it.

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
from asm_tutor.grader.isa import Decoded, Isa, Op
from asm_tutor.grader.isa import for_arch as isa_for

# Where the built-in course teaches each promise: (lesson id, section heading).
LESSONS = {
    "options": ("options", "What each option promises"),
    "registers": ("clobbers", "Undeclared clobbers"),
    "call": ("clobbers", "Calling a function from asm: clobber_abi"),
    "reserved": ("clobbers", "Registers LLVM reserves"),
    "input": ("operands", "in and out"),
    "lateout": ("pitfalls", "out versus lateout"),
    "flags": ("flags", "Flags are not operands"),
    "naked": ("portability", "Naked functions"),
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
    isa = isa_for(arch)
    if isa is None:
        return []
    reports: list[BlockReport] = []
    for function in functions:
        short = function.name.rsplit("::", 1)[-1]
        mine = [b for b in blocks if b.function == short and b.naked == function.naked]
        regions = _regions(function)
        if not mine or len(mine) != len(regions):
            continue  # which block is which cannot be told: none is judged
        check_one = _check_naked if function.naked else _check_block
        for region, (block, instructions) in enumerate(zip(mine, regions, strict=True)):
            reports.append(check_one(isa, BlockReport(block, function.symbol, region), instructions))
    return reports


def _regions(function: Function) -> list[list[Instruction]]:
    found: dict[int, list[Instruction]] = {}
    for insn in function.instructions:
        if insn.region is not None:
            found.setdefault(insn.region, []).append(insn)
    return [found[k] for k in sorted(found)]


def _check_block(isa: Isa, report: BlockReport, instructions: list[Instruction]) -> BlockReport:
    block = report.block
    decoded = isa.decode(instructions)
    if decoded is None:
        return report
    uses = _pair(block, decoded, isa)
    report.registers = {name: sorted(regs)[0] for name, regs in uses.registers.items() if len(regs) == 1}
    breach = functools.partial(_breach, report, block.line)
    options = block.options
    flags_set = False  # by an instruction of this block, before the one at hand
    for d in decoded:
        if d.flags_read and not flags_set:
            breach("flags are set in the block that reads them", "flags", d,
                   f"{d.shown} reads the flags before any instruction of this block sets them, but flags never "
                   "carry into a block: the compiler may change them between blocks (or between your Rust "
                   "code and the block). Set them in the same block, just before (`cmp`, `add`, `test`).")
        flags_set |= d.flags_written or d.call
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
        if "pure" in options and (d.memory_write or d.call or d.mnemonic in isa.unpure):
            effect = "reads a value that changes" if d.mnemonic in isa.unpure else "acts outside the block"
            breach("options(pure)", "options", d, f"a pure block's outputs depend only on its inputs and it has "
                   f"no other effect, but {d.shown} {effect}: the compiler may run it once and reuse the "
                   "result, or never run it. Drop `pure`.")
        if d.call and not block.clobber_abis:
            breach("clobber_abi", "call", d, f"{d.shown} runs a function, which may change every register the "
                   "calling convention lets it: add `clobber_abi(\"C\")` to the operands.")
    direction_set = None  # the `std` after which no `cld` came
    for d in decoded:
        if d.mnemonic in ("std", "cld"):
            direction_set = d if d.mnemonic == "std" else None
    if direction_set is not None:
        breach("the direction flag is clear at the end", "flags", direction_set,
               f"{direction_set.shown} sets the direction flag and the block does not clear it again, but Rust "
               "requires it clear when a block ends: string instructions in the code after it (a `memcpy`) "
               "would run backwards. End the block with `cld`.")
    _registers(isa, block, decoded, uses, breach)
    _lateout(block, decoded, uses, breach)
    return report

def _check_naked(isa: Isa, report: BlockReport, instructions: list[Instruction]) -> BlockReport:
    """A naked function's promise is its calling convention: a callee-saved register it changes
    holds the caller's value again when it returns. Rustc checks the rest (only `const` and
    `sym` operands, only `att_syntax` and `raw`)."""
    decoded = isa.decode(instructions)
    if decoded is None:
        return report
    state = _Symbolic()
    read: set[str] = set()  # registers read so far: one read before the first write may be a save
    first_write: dict[str, Decoded] = {}
    for d in decoded:
        for reg in d.writes & isa.callee_saved:
            if reg not in read:
                first_write.setdefault(reg, d)
        read |= d.reads
        state.step(d)
    for reg, d in first_write.items():
        if not state.restored(reg):
            _breach(report, report.block.line, "callee-saved registers", "naked", d,
                    f"{d.shown} changes {reg}, which the calling convention makes a function give back as it "
                    f"found it (callee-saved: {isa.callee_saved_text}), and `{report.block.function}` does "
                    f"not save it first. Use a caller-saved register instead, or save {reg} before and "
                    "restore it before `ret`.")
    return report


def _registers(isa: Isa, block: AsmBlock, decoded: list[Decoded], uses: _Uses, breach: Any) -> None:
    places = block.placeholders()
    declared: set[str] = set()
    inputs: dict[str, str] = {}  # register → how the learner named it
    for op in block.operands:
        if op.register is None:
            continue
        reg = isa.full(op.register)
        if reg in isa.reserved:
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
        declared |= isa.abis.get(abi, frozenset())
    state = _Symbolic()
    written: dict[str, Decoded] = {}
    for d in decoded:
        for reg in d.writes:
            written.setdefault(reg, d)
        state.step(d)
    # An output placeholder whose register the pairing could not find (capstone showed an
    # alias: `extr x8, x1, x1` as `ror x8, x1`) may be any register an instruction names:
    # then only implicit writes are judged, never a correct program failed.
    unknown_output = any(op.writes and op.register is None and not uses.registers.get(name)
                         and ("{" + name + "}" in block.template or "{" + name + ":" in block.template)
                         for name, op in places.items())
    for reg, first in written.items():
        if reg == isa.stack_pointer or state.restored(reg):
            continue
        if unknown_output and _named(first, reg) and reg not in isa.reserved:
            continue
        how = "" if _named(first, reg) else "implicitly "
        if reg in isa.reserved:
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

def _named(d: Decoded, reg: str) -> bool:
    """The register is one of the instruction's operands (not an implicit effect)."""
    return any(op.kind == "reg" and reg in op.registers for op in d.operands)

def _lateout(block: AsmBlock, decoded: list[Decoded], uses: _Uses, breach: Any) -> None:
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


def _breach(report: BlockReport, line: int, promise: str, topic: str, d: Decoded | None, reason: str) -> None:
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


def _pair(block: AsmBlock, decoded: list[Decoded], isa: Isa) -> _Uses:
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
        texts = isa.operand_texts(_split_operands(parts[1]) if len(parts) > 1 else [])
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


def _consistent(texts: list[str], operands: list[Op], isa: Isa) -> bool:
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

    def __init__(self) -> None:
        self.value: dict[str, object] = {}
        self.stack: list[object] = []
        self.fresh = 0

    def _get(self, reg: str) -> object:
        return self.value.get(reg, reg)  # a register's starting value is named after it

    def step(self, d: Decoded) -> None:
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
