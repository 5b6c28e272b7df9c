"""How a template's placeholders became registers: each template line paired with the
instruction it assembled to, operand by operand ("{x} became rdi").

The template's lines (asm_blocks.AsmBlock.template_lines: comments, labels and
directives left out) and the decoded instructions are lined up one for one; where the
counts differ (a macro instruction, a `.byte`) nothing is paired and the rules that
need the pairing say nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from asm_tutor.grader.asm_blocks import AsmBlock, split_operands
from asm_tutor.grader.isa import Decoded, Isa, Op


@dataclass
class Uses:
    """What the pairing of template lines and instructions found, per placeholder."""

    registers: dict[str, set[str]] = field(default_factory=dict)
    first_write: dict[str, int] = field(default_factory=dict)  # placeholder → index of its first written use
    last_read: dict[str, int] = field(default_factory=dict)


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def pair(block: AsmBlock, decoded: list[Decoded], isa: Isa) -> Uses:
    """Line up the template's instruction lines with the decoded instructions, and within a line
    its operands with the instruction's: then `{x}` in an operand is that operand's register."""
    uses = Uses()
    lines = block.template_lines(isa.arch)
    if len(lines) != len(decoded):
        return uses
    att = "att_syntax" in block.options
    for index, (line, d) in enumerate(zip(lines, decoded, strict=True)):
        d.line = line
        parts = line.split(None, 1)
        texts = isa.operand_texts(split_operands(parts[1]) if len(parts) > 1 else [])
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


