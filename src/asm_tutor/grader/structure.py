"""The compiled code's structure, for the checks that say what an exercise is about.

An instruction check names instructions by mnemonic (`ror`, `j*`); these say more about one:

    operand = "memory"   it has a memory operand (`cmp al, byte ptr [rdi]`, `ldr x0, [x1]`)
    operand = "const"    in the learner's template it takes a `const` operand (`ror {x}, {n}`),
                         not a number typed in, nor the operand named in a comment
    branch = "back"      it branches to an earlier instruction of its function: a loop's back-edge
    branch = "forward"   it branches to a later one (a jump over code)

and `returned_from_asm` follows the value a function returns back through the moves the
opt-level-0 build makes (registers, stack slots) to where it was made: an asm! block, a
computation in Rust beside it, a call, or the argument itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from asm_tutor.grader.asm_blocks import AsmBlock, split_operands
from asm_tutor.grader.disasm import Function, Instruction

_X86_BRANCHES = re.compile(r"^(j[a-z]+|loop[a-z]*)$")
_ARM_BRANCHES = re.compile(r"^(b|b\.[a-z]+|bc\.[a-z]+|cbn?z|tbn?z)$")
# The target of a direct branch as capstone shows it (`jne 0x1a`, `cbnz x0, #0xc`), or objdump (`jne 1a <f+0x1a>`).
_TARGET_RE = re.compile(r"(?:^|[\s,])#?(?:0x)?([0-9a-f]+)(?:\s+<[^>]*>)?$")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
_NUMBER_RE = re.compile(r"(?<![\w.])#?-?(?:0x[0-9a-f]+|\d+)\b", re.I)  # an immediate typed into a line


def mnemonic_of(text: str) -> str:
    return text.split(None, 1)[0].lower() if text.strip() else ""


def branch_target(insn: Instruction) -> int | None:
    """Where a direct branch inside its function goes (an offset in the function); None for
    anything else (a call, an indirect or relocated jump to another function)."""
    mnemonic = insn.mnemonic
    if not (_X86_BRANCHES.match(mnemonic) or _ARM_BRANCHES.match(mnemonic)) or insn.refs:
        return None
    match = _TARGET_RE.search(insn.text.strip())
    return int(match.group(1), 16) if match else None


def branch_kind(insn: Instruction) -> str | None:
    """"back" (to an earlier or the same instruction: a loop), "forward", or None (no branch)."""
    target = branch_target(insn)
    if target is None:
        return None
    return "back" if target <= insn.offset else "forward"


def back_edge_in_its_block(function: Function, insn: Instruction) -> bool:
    """A backward branch whose target is in the same asm! block: the loop runs inside it."""
    target = branch_target(insn)
    if target is None or target > insn.offset or insn.region is None:
        return False
    return any(other.offset == target and other.region == insn.region for other in function.instructions)


def has_memory_operand(insn: Instruction) -> bool:
    return "[" in insn.text


def const_lines(blocks: Iterable[AsmBlock], patterns: tuple[str, ...], arch: str) -> tuple[list[str], list[str]]:
    """The template lines of the learner's blocks whose instruction matches `patterns`: those that
    take their value from a `const` operand, and those with a number typed in instead (as written,
    comments left out). A matching line with no number of its own (`ror {x}, cl`) takes it from
    the `const` operand when another line of its block uses that (`mov ecx, {n}`)."""
    taking: list[str] = []
    typed_in: list[str] = []
    for block in blocks:
        consts = {name for name, op in block.placeholders().items() if op.direction == "const"}
        lines = block.template_lines(arch)  # comments left out (`#` on x86, `//`, `/* */`)
        uses_const = any(consts & set(_PLACEHOLDER_RE.findall(line)) for line in lines)
        for line in lines:
            if not any(fnmatchcase(mnemonic_of(line), p.lower()) for p in patterns):
                continue
            if consts & set(_PLACEHOLDER_RE.findall(line)):
                taking.append(line)
            elif _NUMBER_RE.search(_PLACEHOLDER_RE.sub(" ", line.split(None, 1)[-1])):
                typed_in.append(line)
            elif uses_const:
                taking.append(line)
    return taking, typed_in


# -- where the returned value comes from ------------------------------------------------------

_X86_FAMILIES = {r: r for r in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp")}
for _full, _names in {"rax": "eax ax al ah", "rbx": "ebx bx bl bh", "rcx": "ecx cx cl ch", "rdx": "edx dx dl dh",
                      "rsi": "esi si sil", "rdi": "edi di dil", "rbp": "ebp bp bpl", "rsp": "esp sp spl"}.items():
    _X86_FAMILIES.update(dict.fromkeys(_names.split(), _full))
for _n in range(8, 16):
    _X86_FAMILIES.update(dict.fromkeys((f"r{_n}", f"r{_n}d", f"r{_n}w", f"r{_n}b"), f"r{_n}"))
_MOVES = frozenset({"mov", "movzx", "movsx", "movsxd", "movabs", "movq", "movd",  # x86
                    "ldr", "ldur", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrsw", "ldurb", "ldurh", "ldursw",
                    "uxtb", "uxth", "uxtw", "sxtb", "sxth", "sxtw"})
_STORES = frozenset({"str", "stur", "strb", "strh", "sturb", "sturh"})
_IGNORED = frozenset({"push", "pop", "nop", "ret", "cmp", "test", "endbr64", "hint", "paciasp", "autiasp", "bti"})
RETURN_REGISTERS = {"x86_64": ("rax",), "aarch64": ("x0",)}
ARGUMENT_REGISTERS = {"x86_64": ("rdi", "rsi", "rdx", "rcx", "r8", "r9"), "aarch64": tuple(f"x{n}" for n in range(8))}


@dataclass(frozen=True)
class Origin:
    """Where a returned value was made: in an asm! block (`from_asm`), or not, and by what."""

    from_asm: bool
    instruction: str = ""  # the instruction outside the blocks that made it, as shown
    callee: str = ""  # a call it came from (its mangled symbol), when it came from one


def _operands(text: str) -> list[str]:
    """The operands of an instruction's text, split at the commas outside brackets (and braces:
    an aarch64 register list)."""
    parts = text.split(None, 1)
    rest = re.sub(r"\s+<[^>]*>$", "", parts[1]) if len(parts) > 1 else ""
    return [p for p in split_operands(rest) if p]


def location(operand: str, arch: str) -> str | None:
    """A register (its 64-bit name) or a memory slot (its address as written); None for an immediate."""
    operand = operand.lower().strip()
    if "[" in operand:
        return re.sub(r"\s+", "", operand[operand.index("["):])
    if arch == "aarch64":
        match = re.fullmatch(r"[wx](\d+|zr)", operand)
        return f"x{match.group(1)}" if match else (operand if operand in ("sp", "lr", "fp") else None)
    return _X86_FAMILIES.get(operand)


def _destination_and_sources(mnemonic: str, text: str, arch: str) -> tuple[str | None, list[str]]:
    operands = _operands(text)
    if not operands:
        return None, []
    if arch == "aarch64" and mnemonic in _STORES and len(operands) >= 2:
        return location(operands[1], arch), [operands[0]]
    return location(operands[0], arch), operands[1:] if arch == "aarch64" or mnemonic in _MOVES else operands


def returned_from_asm(function: Function, arch: str, allowed: tuple[str, ...] = ()) -> Origin:
    """Follow the value returned at each `ret` of `function` (the opt-level-0 build) back along the
    instructions before it, through moves, loads and stores, to where it was made. It must be made
    by an asm! block; `allowed` names instructions Rust may apply on the way (e.g. `shl`/`or`
    joining two halves), whose other operands are followed too. The first other origin found is
    returned: the instruction that computed it, the call it came from, or the argument it is."""
    insns = function.instructions
    rets = [i for i, insn in enumerate(insns) if insn.mnemonic == "ret"]
    if function.naked or not rets:
        return Origin(True)
    texts = [insn.text for insn in insns]
    for end in rets:
        origin = _trace_back(list(zip(insns[:end], texts[:end], strict=True)), arch, allowed)
        if not origin.from_asm:
            return origin
    return Origin(True)


def _trace_back(before: list[tuple[Instruction, str]], arch: str, allowed: tuple[str, ...]) -> Origin:
    """With `allowed = ("*",)` any computation is followed into all its inputs (does the value
    depend on a block at all?); otherwise the first other origin ends the walk."""
    depends = allowed == ("*",)
    tracked = set(RETURN_REGISTERS.get(arch, ()))
    other = Origin(False, "")  # the function's own argument, untouched
    for insn, text in reversed(before):
        if not tracked:
            break
        if insn.in_asm:
            if any("[" not in place for place in tracked):
                return Origin(True)  # a register the block wrote (or left) as its output
            continue
        mnemonic = insn.mnemonic
        if mnemonic in ("call", "bl", "blr"):
            returned = tracked & set(RETURN_REGISTERS.get(arch, ()))
            if returned:
                other = Origin(False, text, insn.refs[0] if insn.refs else "")
                if not depends:
                    return other
                tracked -= returned
            continue
        if mnemonic in _IGNORED or branch_kind(insn) is not None:
            continue
        destination, sources = _destination_and_sources(mnemonic, text, arch)
        if destination is None or destination not in tracked:
            continue
        if mnemonic in _MOVES or mnemonic in _STORES or (arch == "aarch64" and mnemonic == "mov"):
            tracked.discard(destination)
            source = location(sources[0], arch) if sources else None
            if source is None:
                other = Origin(False, text)  # a constant written in Rust
                if not depends:
                    return other
            else:
                tracked.add(source)
        elif any(fnmatchcase(mnemonic, p.lower()) for p in allowed):
            tracked |= {s for s in (location(o, arch) for o in sources) if s is not None}
        else:
            return Origin(False, text)
    return other


_STACK_POINTER = {"x86_64": "rsp", "aarch64": "sp"}


def written_register(instruction: str, arch: str) -> str | None:
    """The register an instruction's text writes first (its destination), as a 64-bit name."""
    operands = _operands(instruction)
    return location(operands[0], arch) if operands and "[" not in operands[0] else None


def stack_change(texts: Iterable[str], arch: str) -> int | None:
    """How far a block's instructions (their text, as capstone shows it) move the stack pointer,
    in bytes (`push`, `pop`, `sub rsp, 8`, `str x0, [sp, #-16]!`); None when it is moved some
    way this cannot count."""
    total = 0
    sp = _STACK_POINTER.get(arch)
    for text in texts:
        mnemonic, operands = mnemonic_of(text), _operands(text)
        if arch == "x86_64" and mnemonic in ("push", "pushfq", "pushf"):
            total -= 8
        elif arch == "x86_64" and mnemonic in ("pop", "popfq", "popf"):
            total += 8
        elif operands and location(operands[0], arch) == sp and mnemonic in ("add", "sub"):
            amount = re.fullmatch(r"#?(0x[0-9a-f]+|\d+)", operands[-1].strip().lower())
            if amount is None:
                return None
            total += int(amount.group(1), 0) * (1 if mnemonic == "add" else -1)
        elif arch == "aarch64" and (written := re.search(r"\[sp, #(-?(?:0x)?[0-9a-f]+)\]!|\[sp\], #(-?(?:0x)?[0-9a-f]+)",
                                                         text)):
            total += int(written.group(1) or written.group(2), 0)  # pre- or post-indexed: sp moves
        elif operands and location(operands[0], arch) == sp:
            return None  # `mov rsp, …`, `and rsp, -16`: not counted
    return total
