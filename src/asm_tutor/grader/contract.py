"""The promises an `asm!` block makes, checked against the instructions it compiled to.

A block's options and operands are promises to the compiler, and breaking one is
undefined behaviour that often compiles cleanly and passes tests. Each block of
the learner's (asm_blocks.py: what it promises) is matched with its instructions
in the -O0 object (disasm.py: what it does), decoded with capstone, which knows
each instruction's implicit register reads and writes, its flag effects and its
memory operands. Then:

- `preserves_flags`: no instruction writes the flags;
- flags are not inputs: no instruction tests a flag on a path (flow.py follows the
  block's jumps) where no instruction of the block set it (DF aside, which every block
  starts with clear, and must leave clear: a `std` needs its `cld`);
- `nomem`: none touches memory (the stack included, and a system call, whose kernel
  reads and writes the buffers it is given); `readonly`: none writes it;
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
  register back as it found it, on every path to its `ret`;
- a `call` finds the stack pointer 16-byte aligned (a `push` before it breaks that);
- an input narrower than the register (`inout("ecx") len as u32`) is not read whole
  (`rep stosb` counts with all of rcx: its upper half is anything);
- an instruction outside the target's baseline (`popcnt`, BMI, AVX: capstone's groups)
  runs only where the code made sure the CPU has it (a feature check, `#[target_feature]`).

Which block a compiled region is comes from rustc's line tables (regions.py), so
every compiled copy of a block is judged (inlined, a closure, each generic copy) and a
block a false `cfg` left out is not expected. How the template's placeholders became
registers comes from pairing template lines with instructions (pairing.py). A region
this module cannot judge (a macro-built template) gets a report saying why: nothing
here may fail a correct program, and nothing is skipped in silence.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asm_tutor.grader import flow, regions, width
from asm_tutor.grader.asm_blocks import AsmBlock, Operand
from asm_tutor.grader.disasm import Function, Instruction
from asm_tutor.grader.isa import Decoded, Isa
from asm_tutor.grader.isa import for_arch as isa_for
from asm_tutor.grader.pairing import Uses, pair

# Where the built-in course teaches each promise: (lesson id, section heading).
LESSONS = {
    "options": ("options", "What each option promises"),
    "registers": ("clobbers", "Undeclared clobbers"),
    "call": ("clobbers", "Calling a function from asm: clobber_abi"),
    "reserved": ("clobbers", "Registers LLVM reserves"),
    "input": ("operands", "in and out"),
    "lateout": ("pitfalls", "out versus lateout"),
    "flags": ("flags", "Flags are not operands"),
    "jumps": ("labels", "Flags across a jump"),
    "direction": ("memory", "rep movsb and rep stosb"),
    "system call": ("syscalls", "nomem or readonly?"),
    "stack": ("memory", "The stack: nostack and the red zone"),
    "width": ("templates", "Register modifiers"),
    "naked": ("portability", "Naked functions"),
    "feature": ("portability", "Features the CPU may lack"),
}
# Each feature a newer one implies, so a check for the newer one guards the older.
_IMPLIED = {"avx512f": "avx2", "avx2": "avx", "fma": "avx", "avx": "sse4.2", "sse4.2": "sse4.1", "sse4.1": "ssse3",
            "ssse3": "sse3", "bmi2": "bmi1"}


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
    unjudged: str = ""  # why this compiled block could not be judged ("": it was)

    def operand_map(self) -> str:
        """e.g. "{x} became rdi, {out} became rax" ("" when unknown)."""
        return ", ".join(f"{{{name}}} became {reg}" for name, reg in self.registers.items())


def check(arch: str, functions: list[Function], blocks: list[AsmBlock], asm_text: str = "") -> list[BlockReport]:
    """A report per compiled asm! region of `functions` (each copy of an inlined or generic block
    has one): judged against the block it came from (`asm_text`, the build's `.s`, says which), or
    saying why it could not be. A block a false `cfg` left out has no region, and no report."""
    isa = isa_for(arch)
    if isa is None:
        return []
    blocks = [block.for_arch(arch) for block in blocks]
    reports: list[BlockReport] = []
    for function in functions:
        found = _regions(function)
        if function.naked:
            short = function.name.rsplit("::", 1)[-1]
            block = next((b for b in blocks if b.naked and b.function == short), None)
            if block is not None and found:
                reports.append(_judged(_check_naked, isa, BlockReport(block, function.symbol, 0), found[min(found)]))
            continue
        for match in regions.match(function, sorted(found), [b for b in blocks if not b.naked], asm_text, arch):
            report = BlockReport(match.block, function.symbol, match.region, unjudged=match.unjudged)
            reports.append(report if report.unjudged else _judged(_check_block, isa, report, found[match.region]))
    return reports


def _judged(rules: Callable[[Isa, BlockReport, list[Instruction]], BlockReport], isa: Isa, report: BlockReport,
            instructions: list[Instruction]) -> BlockReport:
    """The block judged by `rules`; a block the rules stumble on is reported unjudged, not lost."""
    try:
        return rules(isa, report, instructions)
    except Exception as error:  # a rule's bug must not hide the block, nor fail a correct one
        report.breaches.clear()
        report.unjudged = f"the checker stumbled on it ({type(error).__name__}: {error})"
        return report


def _regions(function: Function) -> dict[int, list[Instruction]]:
    found: dict[int, list[Instruction]] = {}
    for insn in function.instructions:
        if insn.region is not None:
            found.setdefault(insn.region, []).append(insn)
    return found


def _check_block(isa: Isa, report: BlockReport, instructions: list[Instruction]) -> BlockReport:
    block = report.block
    decoded = isa.decode(instructions)
    if decoded is None:
        report.unjudged = "the disassembler cannot read its instructions"
        return report
    uses = pair(block, decoded, isa)
    report.registers = {name: sorted(regs)[0] for name, regs in uses.registers.items() if len(regs) == 1}
    breach = functools.partial(_breach, report, block.line)
    options = block.options
    for d in flow.unset_flag_reads(decoded):
        jumped = any(other.flow for other in decoded)
        breach("flags are set in the block that reads them", "jumps" if jumped else "flags", d,
               f"{d.shown} reads the flags {'on a path ' if jumped else ''}before any instruction of this block "
               "sets them, but flags never carry into a block: the compiler may change them between blocks (or "
               "between your Rust code and the block). Set them in the same block, just before (`cmp`, `add`, "
               "`test`), on every path that reaches the instruction that reads them.")
    for d in decoded:
        if "preserves_flags" in options and (d.flags_written or d.call):
            why = "calls a function, which need not keep them" if d.call and not d.flags_written else "writes them"
            breach("options(preserves_flags)", "options", d, f"the block must leave the flags as it found them, but "
                   f"{d.shown} {why}. Drop `preserves_flags`, or use instructions that keep the flags (`lea` on x86_64, "
                   "`add` rather than `adds` on aarch64).")
        if "nomem" in options and (d.memory_read or d.memory_write or d.stack):
            what = " (in a system call the kernel reads the buffers it is given)" if d.system_call else \
                " (the stack is memory too)" if d.stack else ""
            breach("options(nomem)", "system call" if d.system_call else "options", d,
                   f"the block must not touch memory, but {d.shown} does{what}. Drop `nomem` (or `readonly` if it "
                   "only reads).")
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
    _direction(decoded, breach)
    _feature(isa, block, decoded, breach)
    paths = flow.follow(decoded, isa.stack_pointer)
    _alignment(isa, decoded, paths, 0, breach)
    _registers(isa, block, decoded, uses, paths, breach)
    _lateout(block, decoded, uses, isa, breach)
    width.narrow_inputs(isa, block, decoded, uses, breach)
    return report


def _direction(decoded: list[Decoded], breach: Any) -> None:
    direction_set = None  # the `std` after which no `cld` came
    for d in decoded:
        if d.mnemonic in ("std", "cld"):
            direction_set = d if d.mnemonic == "std" else None
    if direction_set is not None:
        breach("the direction flag is clear at the end", "direction", direction_set,
               f"{direction_set.shown} sets the direction flag and the block does not clear it again, but Rust "
               "requires it clear when a block ends: string instructions in the code after it (a `memcpy`) "
               "would run backwards. End the block with `cld`.")


def _feature(isa: Isa, block: AsmBlock, decoded: list[Decoded], breach: Any) -> None:
    """An instruction outside the baseline runs only where the code made sure the CPU has it."""
    guarded = set(block.guards)
    for feature in list(guarded):
        while feature in _IMPLIED:
            feature = _IMPLIED[feature]
            guarded.add(feature)
    named = "".join(g.replace("_", "") for g in guarded if g.startswith(("has_", "cpu_has_", "supports_")))
    for d in decoded:
        if d.feature and d.feature not in guarded and d.feature.replace(".", "") not in named:
            macro = f"is_{'aarch64' if isa.arch == 'aarch64' else 'x86'}_feature_detected"
            breach("a CPU feature is checked before use", "feature", d,
                   f"{d.shown} needs the CPU feature `{d.feature}`, which the baseline target does not promise: "
                   f"on a CPU without it the program dies with SIGILL. Run the block only after "
                   f"`{macro}!(\"{d.feature}\")` says yes (or in a `#[target_feature(enable = \"{d.feature}\")]` "
                   "function called after that check), with a plain-Rust path for the CPUs that say no.")
            return


def _alignment(isa: Isa, decoded: list[Decoded], paths: flow.Paths, entry: int, breach: Any) -> None:
    """A call finds the stack pointer 16-byte aligned, as the calling convention requires (`entry`:
    how far it is from that at the start: 0 in a block, 8 in a naked function after its caller's call)."""
    for d, state in zip(decoded, paths.before, strict=True):
        if d.call and state is not None and state.sp is not None and (state.sp - entry) % 16:
            breach("the stack is 16-byte aligned at a call", "stack", d,
                   f"{d.shown} runs with the stack pointer {abs(state.sp)} bytes from where the block found it, "
                   "not a multiple of 16, but a called function may rely on 16-byte alignment (aligned SSE "
                   "loads crash). Move the stack by a multiple of 16 before the call (`sub rsp, 8` after one "
                   "`push`), and back after it.")
            return


def _check_naked(isa: Isa, report: BlockReport, instructions: list[Instruction]) -> BlockReport:
    """A naked function's promise is its calling convention: a callee-saved register it changes
    holds the caller's value again on every path to its `ret`, and a call finds the stack aligned.
    Rustc checks the rest (only `const` and `sym` operands, only `att_syntax` and `raw`)."""
    decoded = isa.decode(instructions)
    if decoded is None:
        report.unjudged = "the disassembler cannot read its instructions"
        return report
    paths = flow.follow(decoded, isa.stack_pointer)
    exits = [s for d, s in zip(decoded, paths.before, strict=True) if d.flow == "return" and s is not None]
    end = functools.reduce(lambda a, b: a.merged(b, -1), exits) if exits else paths.end
    first_write: dict[str, Decoded] = {}
    for d in decoded:
        for reg in sorted(d.writes & isa.callee_saved):
            first_write.setdefault(reg, d)
    for reg, d in first_write.items():
        if end is not None and not end.restored(reg):
            _breach(report, report.block.line, "callee-saved registers", "naked", d,
                    f"{d.shown} changes {reg}, which the calling convention makes a function give back as it "
                    f"found it (callee-saved: {isa.callee_saved_text}), and `{report.block.function}` does "
                    f"not restore it on every path to `ret`. Use a caller-saved register instead, or save {reg} "
                    "first and restore it before each `ret`.")
    _alignment(isa, decoded, paths, 8 if isa.arch == "x86_64" else 0, functools.partial(_breach, report, report.block.line))
    _falls_off(decoded, report)
    return report


_TRAPS = {"ud2", "int3", "hlt", "brk", "udf"}  # an end that stops the program rather than running on


def _falls_off(decoded: list[Decoded], report: BlockReport) -> None:
    """A naked function has no epilogue of the compiler's: a path that reaches the end of its
    body without a `ret` (or a jump away) runs on into whatever bytes follow it."""
    if not decoded:
        return
    nexts, reached, work = flow.successors(decoded), {0}, [0]
    while work:
        for j in nexts[work.pop()]:
            if j < len(decoded) and j not in reached:
                reached.add(j)
                work.append(j)
    last = decoded[-1]
    if len(decoded) - 1 in reached and last.flow in ("", "branch") and last.mnemonic not in _TRAPS:
        _breach(report, report.block.line, "a naked function ends in ret", "naked", last,
                f"{last.shown} is the last instruction of `{report.block.function}` and it neither returns nor "
                "jumps away, so the CPU runs on into whatever bytes follow the function (the compiler adds no "
                "epilogue to a naked function). End every path with `ret`.")


def _registers(isa: Isa, block: AsmBlock, decoded: list[Decoded], uses: Uses, paths: flow.Paths,
               breach: Any) -> None:
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
    end = paths.end or flow.State()
    written: dict[str, Decoded] = {}
    for d in decoded:
        for reg in sorted(d.writes):
            written.setdefault(reg, d)
    # An output placeholder whose register the pairing could not find (capstone showed an
    # alias: `extr x8, x1, x1` as `ror x8, x1`) may be any register an instruction names:
    # then only implicit writes are judged, never a correct program failed.
    unknown_output = any(op.writes and op.register is None and not uses.registers.get(name)
                         and ("{" + name + "}" in block.template or "{" + name + ":" in block.template)
                         for name, op in places.items())
    undeclared: list[tuple[str, Decoded]] = []
    for reg, first in written.items():
        if reg == isa.stack_pointer or end.restored(reg):
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
            undeclared.append((reg, first))
    if undeclared:
        by: dict[int, list[str]] = {}  # instruction → the undeclared registers it writes first
        for reg, d in undeclared:
            by.setdefault(decoded.index(d), []).append(reg)
        said = " and ".join(f"{decoded[i].shown} {'' if _named(decoded[i], regs[0]) else 'implicitly '}writes "
                            f"{' and '.join(regs)}" for i, regs in by.items())
        one = len(undeclared) == 1
        spelled = ", ".join('`out("' + reg + '") _`' for reg, _ in undeclared)
        breach("declared registers", "registers", undeclared[0][1], f"{said}, which {'is' if one else 'are'} no "
               f"output, clobber or clobber_abi member of the block: the compiler may keep a value there. Declare "
               f"{'it' if one else 'them'} ({spelled}).")


def _named(d: Decoded, reg: str) -> bool:
    """The register is one of the instruction's operands (not an implicit effect)."""
    return any(op.kind == "reg" and reg in op.registers for op in d.operands)


def _lateout(block: AsmBlock, decoded: list[Decoded], uses: Uses, isa: Isa, breach: Any) -> None:
    """A `lateout` may share a register with an input (one of a class: an explicit register of
    another name cannot be it), so it is written only after the last input is read."""
    places = block.placeholders()
    late_ones = [(f"{{{name}}}", op, uses.first_write.get(name)) for name, op in places.items()
                 if op.late and op.register is None]
    for op in block.operands:
        if op.late and op.register is not None and op.direction == "lateout":
            reg = isa.full(op.register)
            wrote = next((i for i, d in enumerate(decoded) if reg in d.writes), None)
            late_ones.append((f'`lateout("{op.register}")`', op, wrote))
    for late_text, late, wrote in late_ones:
        if wrote is None:
            continue
        for name, op in places.items():
            if op is late or not op.reads or op.register is not None or name not in uses.last_read:
                continue
            read = uses.last_read[name]
            if wrote < read:
                breach("lateout", "lateout", decoded[wrote], f"`lateout` promises {late_text} is written only "
                       f"after every input is read, so the compiler may give it the register of {{{name}}}; but "
                       f"{decoded[wrote].shown} writes {late_text} before {decoded[read].shown} reads "
                       f"{{{name}}}. Make it `out` (or `inout`).")
                return


def _spell(op: Operand) -> str:
    return f'{op.direction}("{op.register}"){" _" if op.discarded else ""}'


def _breach(report: BlockReport, line: int, promise: str, topic: str, d: Decoded | None, reason: str) -> None:
    if any(b.promise == promise for b in report.breaches):
        return  # the first instance of each broken promise says it
    report.breaches.append(Breach(promise, topic, d.text if d is not None else "", reason, line))
