"""What a traced call passes and returns: which signatures can be traced, the arguments'
values (from a check's case or as typed), and the returned value read back from registers.

Traceable: up to as many integer (≤ 64-bit) or bool parameters as the calling convention
passes in registers, returning an integer (a 128-bit one in two registers), a bool or
nothing. Slices, floats, strings and Options are passed otherwise: refused in a sentence.
"""

from __future__ import annotations

import re

from asm_tutor.errors import UserError
from asm_tutor.pack.model import Param, Signature
from asm_tutor.pack.param_types import SIGNED, UNSIGNED
from asm_tutor.trace.arches import ArchSpec

_BITS = {**UNSIGNED, **SIGNED, "bool": 1}
_SUFFIX_RE = re.compile(r"(?:[ui](?:8|16|32|64|128|size))$")


def refusal(signature: Signature, spec: ArchSpec) -> str:
    """Why the function cannot be traced ("" when it can)."""
    wrong = [f"`{p.name}: {p.type}`" for p in signature.params if _BITS.get(p.type.strip(), 128) > 64]
    if wrong:
        return (f"This exercise's parameters cannot be traced yet: the trace passes integers and bools in "
                f"registers, not {', '.join(wrong)}.")
    if len(signature.params) > len(spec.args):
        return (f"This exercise's parameters cannot be traced yet: {len(signature.params)} of them, more than "
                f"the {len(spec.args)} the calling convention passes in registers.")
    returns = signature.returns.strip()
    if returns != "()" and returns not in _BITS:
        return f"This exercise's result cannot be traced yet: it returns `{returns}`, not an integer or a bool."
    return ""


def parse_value(text: str, type_name: str) -> int:
    """A Rust literal of the type (`42`, `0xff`, `-1`, `1_000u64`, `u64::MAX`, `true`) as an int."""
    text, type_name = text.strip(), type_name.strip()
    if type_name == "bool":
        if text in ("true", "false"):
            return int(text == "true")
        raise UserError(f"`{text}` is not a bool (true or false).", exit_code=2)
    bits, signed = _BITS[type_name], type_name in SIGNED
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if text in (f"{type_name}::MAX", f"{type_name}::MIN"):
        return high if text.endswith("MAX") else low
    digits = _SUFFIX_RE.sub("", text.replace("_", ""))
    negative = digits.startswith("-")
    digits = digits.removeprefix("-")
    base = {"0x": 16, "0o": 8, "0b": 2}.get(digits[:2].lower(), 10)
    try:
        value = int(digits[2:] if base != 10 else digits, base)
    except ValueError:
        raise UserError(f"`{text}` is not a {type_name} value (e.g. 42, 0xff, {type_name}::MAX).", exit_code=2) from None
    value = -value if negative else value
    if not low <= value <= high:
        raise UserError(f"`{text}` does not fit in a {type_name} ({low} to {high}).", exit_code=2)
    return value


def parse_arguments(texts: list[str], params: tuple[Param, ...]) -> list[int]:
    if len(texts) != len(params):
        wanted = ", ".join(f"{p.name}: {p.type}" for p in params) or "none"
        raise UserError(f"The function takes {len(params)} argument(s) ({wanted}); {len(texts)} given.", exit_code=2)
    return [parse_value(text, p.type) for text, p in zip(texts, params, strict=True)]


def case_arguments(call: str, signature: Signature) -> list[int]:
    """The arguments of a case's call as the judge reports it, e.g. `max_u64(18446744073709551615, 1)`."""
    inner = call.strip().removeprefix(signature.name).strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        raise UserError(f"The case `{call}` is not a plain call; trace it with --args.")
    body = inner[1:-1].strip()
    return parse_arguments([part for part in body.split(",") if part.strip()] if body else [], signature.params)


def register_value(value: int) -> int:
    """An argument as its register holds it: signed values sign-extended to 64 bits."""
    return value & ((1 << 64) - 1)


def returned_value(registers: list[int], type_name: str) -> str | None:
    """The result as its type shows it, from the return registers (low first); None for `()`."""
    type_name = type_name.strip()
    if type_name == "()":
        return None
    if type_name == "bool":
        return "true" if registers[0] & 1 else "false"
    bits = _BITS[type_name]
    raw = registers[0] | (registers[1] << 64 if bits > 64 else 0)
    value = raw & ((1 << bits) - 1)
    if type_name in SIGNED and value >> (bits - 1):
        value -= 1 << bits
    return str(value)


def return_registers(type_name: str, spec: ArchSpec) -> list[str]:
    type_name = type_name.strip()
    if type_name == "()":
        return []
    return list(spec.returns) if _BITS[type_name] > 64 else [spec.returns[0]]
