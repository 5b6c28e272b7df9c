"""One promise of an asm! block's inputs: a value is as wide as the instruction that reads it.

An input narrower than its register (a `u32` in `ecx`, or named as `{n:e}`) leaves the
register's upper half unspecified, and a 64-bit input named only by its low part and copied
by a 32-bit `mov` is cut short: an instruction that then reads the whole register (`rep
stosb` counts with all of rcx) computes with garbage or with a truncated value.
"""

from __future__ import annotations

from typing import Any

from asm_tutor.grader.asm_blocks import AsmBlock
from asm_tutor.grader.isa import Decoded, Isa
from asm_tutor.grader.pairing import Uses


def narrow_inputs(isa: Isa, block: AsmBlock, decoded: list[Decoded], uses: Uses, breach: Any) -> None:
    """An input narrower than its register (a `u32` in `ecx`, or used as `{n:e}`) leaves the upper
    half unspecified: an instruction that reads the whole register before the block writes it
    computes with that garbage (`rep stosb` counts with all of rcx)."""
    modifiers = block.modifiers()
    narrow: dict[str, str] = {}  # register → how the learner gave it
    for op in block.operands:
        if op.reads and op.register is not None and (op.bits in (8, 16, 32) or isa.full(op.register) != op.register
                                                     and op.register[:1] in "ew"):
            narrow[isa.full(op.register)] = f'`{op.direction}("{op.register}")`'
    cut: dict[str, str] = {}  # a 64-bit input's register → its placeholder, where the template names only its low part
    for name, op in block.placeholders().items():
        used = modifiers.get(name, set())
        narrow_views = {"w"} if isa.arch == "aarch64" else {"e", "x", "l", "h"}  # `{n:x}` is x0 on aarch64
        if op.reads and op.register is None and (op.bits in (8, 16, 32) or (used and used <= narrow_views)):
            for reg in uses.registers.get(name, set()):
                if op.bits == 64:
                    cut[reg] = name
                else:
                    narrow[reg] = f"{{{name}}}"
    if not narrow and not cut:
        return
    written: set[str] = set()
    copies: dict[str, tuple[str, Decoded]] = {}  # register → (placeholder, the 32-bit move that cut it there)
    for d in decoded:
        # A 32-bit `lea` keeps only the low half of the address: its inputs' upper halves do not count.
        truncated = d.mnemonic == "lea" and bool(d.operands) and not d.operands[0].whole
        for reg in sorted(d.wide_reads & narrow.keys() - written) if not truncated else ():
            breach("an input as wide as its use", "width", d,
                   f"{narrow[reg]} is a 32-bit (or narrower) value, so only the low part of {reg} is set and the "
                   f"rest is anything, but {d.shown} reads all of {reg}. Pass it as a 64-bit value (`len as u64`, "
                   "`usize`), or widen it in the block first (a 32-bit `mov` of the register onto itself "
                   "zero-extends it).")
            return
        for reg in sorted(d.wide_reads & copies.keys()) if not truncated else ():
            name, move = copies[reg]
            breach("an input as wide as its use", "width", d,
                   f"{{{name}}} is a 64-bit value, but the template only names its low 32 bits: {move.shown} "
                   f"copies those into {reg} and clears the rest, and {d.shown} reads all of {reg}, so a value "
                   f"above u32::MAX is cut short. Use {{{name}}} whole (e.g. `mov {reg}, {{{name}}}`).")
            return
        targets = [op for op in d.operands if op.kind == "reg" and op.access & 2]
        sources = {r for op in d.operands if op.kind == "reg" and op.access & 1 and not op.whole for r in op.registers}
        for op in targets:
            for reg in op.registers:
                copies.pop(reg, None)
                source = next((cut[r] for r in sources & cut.keys() if r != reg), None)
                if source is not None and not op.whole and d.mnemonic == "mov":
                    copies[reg] = (source, d)
        written |= {op_reg for op in targets for op_reg in op.registers}
