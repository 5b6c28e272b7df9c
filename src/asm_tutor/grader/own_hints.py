"""Hints built from the learner's own code: their template line, their operand, their function.

A fixed sentence shows a fixed example ("write `add rax, 5`"), which a learner may copy
verbatim into a block whose operand is `{0}`, and fail again ("argument never used"). These
read the learner's text from rustc's primary span and answer in its terms.
"""

from __future__ import annotations

import re
from typing import Any

from asm_tutor.grader.asm_blocks import split_operands

SIZE_SUFFIXED = frozenset({"mov", "lea", "add", "sub", "and", "or", "xor", "cmp", "test", "push", "pop",
                           "shl", "shr", "sar", "sal", "imul", "mul", "inc", "dec", "neg", "not", "xchg",
                           "adc", "sbb", "div", "idiv", "rol", "ror", "bsf", "bsr", "popcnt", "lzcnt", "tzcnt"})
_MEMORY = re.compile(r"^(?P<disp>[^(]*)\((?P<base>[^,()]*)(?:,(?P<index>[^,()]+)(?:,(?P<scale>\d))?)?\)$")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _spans_text(data: dict[str, Any]) -> list[str]:
    """The source text rustc's primary spans point at (the learner's line, cut to the span)."""
    found: list[str] = []
    for span in data.get("spans") or []:
        if not span.get("is_primary"):
            continue
        for line in span.get("text") or []:
            text = str(line.get("text", ""))
            start, end = int(line.get("highlight_start", 1)), int(line.get("highlight_end", len(text) + 1))
            found.append(text[start - 1:end - 1])
    return found


def _register(text: str) -> str:
    return text.strip().removeprefix("%")


def _operand(text: str) -> str:
    """One AT&T operand in Intel syntax: `$5` → `5`, `%rax` → `rax`, `8(%rdi,%rcx,8)` → `[rdi + rcx*8 + 8]`."""
    text = text.strip()
    if text.startswith("$"):
        return text[1:]
    memory = _MEMORY.match(text)
    if memory is None:
        return _register(text)
    parts = [_register(memory["base"])] if memory["base"].strip() else []
    if memory["index"]:
        parts.append(f"{_register(memory['index'])}*{memory['scale'] or 1}")
    disp = memory["disp"].strip()
    if disp:
        parts.append(disp)
    return f"[{' + '.join(parts)}]".replace("+ -", "- ")


def intel_from_att(instruction: str) -> str | None:
    """`addq $5, {0}` → `add {0}, 5`: the instruction in Intel syntax, operands as the learner
    named them; None when it does not read as AT&T."""
    mnemonic, _, rest = instruction.strip().partition(" ")
    operands = split_operands(rest)
    looks_att = any(op.strip().startswith(("$", "%")) or _MEMORY.match(op.strip()) for op in operands)
    suffixed = mnemonic[-1:] in ("q", "l", "w", "b") and mnemonic[:-1] in SIZE_SUFFIXED
    if not (looks_att or suffixed):
        return None
    name = mnemonic[:-1] if suffixed else mnemonic
    converted = [_operand(op) for op in reversed(operands)]
    return f"{name} {', '.join(converted)}".strip()


def att_example(data: dict[str, Any]) -> str | None:
    """The learner's AT&T template line rewritten in Intel syntax, e.g. `add {0}, 5`."""
    for text in _spans_text(data):
        for literal in _STRING.findall(text) or [text]:
            pieces = [p for p in re.split(r"\\n|;|\n", literal) if p.strip()]
            converted = [intel_from_att(piece) for piece in pieces]
            if any(converted):
                return "; ".join(c or p.strip() for c, p in zip(converted, pieces, strict=True))
    return None


def immutable_operand(data: dict[str, Any], message: str) -> str | None:
    """For `cannot assign to immutable argument x` on an asm! block: the learner's own
    `inout(reg) x` operand, as `inout(reg) x => _` would read."""
    named = re.search(r"immutable (?:argument|variable) `(\w+)`", message)
    if named is None:
        return None
    variable = named.group(1)
    for text in _spans_text(data):
        operand = re.search(rf"(?:\w+\s*=\s*)?(?:inout|inlateout)\(\s*[\w\"]+\s*\)\s*{variable}\b(?!\s*=>)", text)
        if operand is not None:
            return operand.group(0)
    return None


def hint_immutable(operand: str, variable: str) -> str:
    return (f"`{operand}` writes the block's final value of the register back into `{variable}`, which is not "
            f"`mut`. If the block only uses the register as scratch space, write `{operand} => _` (it may change; "
            f"nothing is written back). If you need the new value, copy it first: `let mut {variable} = {variable};`.")


def unsafe_call(message: str) -> str | None:
    """The function named by `call to unsafe function `f` is unsafe…`, if that is the message."""
    found = re.match(r"call to unsafe function `(?:[\w:]+::)?(\w+)`", message)
    return found.group(1) if found else None


def hint_unsafe_call(function: str, required: str) -> str:
    if function == required:
        return (f"`{function}` is now an `unsafe fn`, so every call to it needs `unsafe {{ }}`, and the hidden "
                f"tests call it as a plain `fn`. Keep `fn {function}` safe: the `unsafe {{ asm!(...) }}` block goes "
                f"inside it, with a `// SAFETY:` comment saying why the block is sound.")
    return (f"`{function}` is an `unsafe fn`: call it inside `unsafe {{ ... }}`, or make it a safe `fn` whose "
            f"body wraps its asm! in `unsafe {{ }}`.")
