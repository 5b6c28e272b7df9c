"""Test values as a learner reads them: `u64::MAX - 1` rather than twenty digits.

The grader reports inputs and results as Rust's `{:?}` prints them. In a table a
number like 18446744073709551614 takes a column of its own and still says less
than `u64::MAX - 1`; an exercise about bits reads best in hex. Both the TUI's
results table and the CLI's failure table show values through `short`.
"""

from __future__ import annotations

import re

from asm_tutor.pack.model import Display

# A whole decimal integer: not part of a name (`u64`), a float (`1.5`, `2e10`) or a hex literal.
_INTEGER = re.compile(r"(?<![\w.])-?\d+(?![\w.])")
_NEAR = 1000  # `u64::MAX - 3`, `(1 << 63) + 1`: named when this close to a landmark
_SMALLEST_NAMED = 1 << 16  # below this a number is short enough as it is


def _landmarks() -> list[tuple[int, str]]:
    marks: list[tuple[int, str]] = []
    for bits in (32, 64, 128):
        marks.append(((1 << bits) - 1, f"u{bits}::MAX"))
        marks.append(((1 << (bits - 1)) - 1, f"i{bits}::MAX"))
        marks.append((-(1 << (bits - 1)), f"i{bits}::MIN"))
    return marks


_LANDMARKS = _landmarks()


def name(value: int) -> str | None:
    """A short Rust expression for `value` when it is near a landmark (a type's limit, a power of two)."""
    if abs(value) < _SMALLEST_NAMED:
        return None
    for mark, text in _LANDMARKS:
        if value == mark:
            return text
        if 0 < mark - value <= _NEAR:
            return f"{text} - {mark - value}"
        if 0 < value - mark <= _NEAR and text.endswith("MIN"):
            return f"{text} + {value - mark}"
    magnitude = abs(value)
    bit = magnitude.bit_length() - 1
    sign = "-" if value < 0 else ""
    if magnitude == 1 << bit:
        return f"{sign}(1 << {bit})" if sign else f"1 << {bit}"
    for power in (bit, bit + 1):
        delta = magnitude - (1 << power)
        if 0 < abs(delta) <= _NEAR:
            return f"{sign}((1 << {power}) {'+' if delta > 0 else '-'} {abs(delta)})"
    return None


def hex_literal(value: int) -> str:
    """`0x0123_4567_89ab_cdef`: Rust's hex literal, digits in groups of four."""
    digits = f"{abs(value):x}"
    digits = digits.rjust(-(-len(digits) // 4) * 4, "0")
    grouped = "_".join(digits[k:k + 4] for k in range(0, len(digits), 4))
    return f"{'-' if value < 0 else ''}0x{grouped}"


# A list of small whole numbers, as `{:?}` prints a byte buffer: `[104, 105, 0]`.
_BYTE_LIST = re.compile(r"\[(?:\d{1,3}(?:, \d{1,3})*)?\]")
_BYTE_STRING = re.compile(r'(b"(?:[^"\\]|\\.)*")')
_BYTE_ESCAPES = {0: "\\0", 9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 92: "\\\\"}


def byte_string(values: list[int]) -> str:
    """`b"hi\\0"`: bytes as a Rust byte-string literal, printable ASCII as itself."""
    return 'b"' + "".join(_BYTE_ESCAPES.get(b) or (chr(b) if 32 <= b < 127 else f"\\x{b:02x}") for b in values) + '"'


def _bytes(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        values = [int(v) for v in match.group()[1:-1].split(", ") if v]
        return byte_string(values) if all(v < 256 for v in values) else match.group()

    return _BYTE_LIST.sub(one, text)


def short(text: str, display: Display = Display.DECIMAL) -> str:
    """`text` with each big integer in it written the short way (a value, a call, a tuple)."""
    if display is Display.BYTES:
        # Byte buffers as byte strings; the numbers outside them as in decimal.
        parts = _BYTE_STRING.split(_bytes(text))
        return "".join(part if k % 2 else short(part) for k, part in enumerate(parts))

    def one(match: re.Match[str]) -> str:
        value = int(match.group())
        named = name(value)
        if display is Display.HEX and abs(value) >= 256:
            # Bits read best as bits: a landmark by name, anything near one in hex.
            exact = named is not None and " " not in named.replace(" << ", "")
            return named if exact and named is not None else hex_literal(value)
        if named is not None and len(named) < len(match.group()):
            return named
        return match.group()

    return _INTEGER.sub(one, text)
