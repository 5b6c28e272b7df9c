"""Values as a learner reads them in the results: landmarks by name, bits in hex."""

from __future__ import annotations

import pytest

from asm_tutor.pack.model import Display
from asm_tutor.values import hex_literal, short


@pytest.mark.parametrize(("text", "decimal", "hex_form"), [
    ("max_u64(18446744073709551615, 9223372036854775808)", "max_u64(u64::MAX, 1 << 63)", "max_u64(u64::MAX, 1 << 63)"),
    ("18446744073709551614", "u64::MAX - 1", "0xffff_ffff_ffff_fffe"),
    ("-9223372036854775807", "i64::MIN + 1", "-0x7fff_ffff_ffff_ffff"),
    ("340282366920938463463374607431768211455", "u128::MAX", "u128::MAX"),
    ("4294967297", "4294967297", "0x0001_0000_0001"),  # the name would be no shorter
    ("(3, vec![9, 9, 9])", "(3, vec![9, 9, 9])", "(3, vec![9, 9, 9])"),  # small values stay as they are
    ("f(1.5e10, u64)", "f(1.5e10, u64)", "f(1.5e10, u64)"),  # floats and names are not numbers to rename
])
def test_values_are_shortened(text: str, decimal: str, hex_form: str) -> None:
    assert short(text) == decimal
    assert short(text, Display.HEX) == hex_form


def test_hex_literals_group_digits_by_four() -> None:
    assert hex_literal(0x123456789ABCDEF) == "0x0123_4567_89ab_cdef"
    assert hex_literal(0x1FFF) == "0x1fff"


@pytest.mark.parametrize(("text", "shown"), [
    ("strlen([104, 101, 108, 108, 111, 0])", 'strlen(b"hello\\0")'),
    ("[]", 'b""'),
    ('[34, 92, 9, 200]', 'b"\\"\\\\\\t\\xc8"'),
    ("(5, [1, 2, 300])", "(5, [1, 2, 300])"),  # not bytes: left as it is
    ("count([49, 50], 18446744073709551615)", 'count(b"12", u64::MAX)'),
    ("[18446744073709551615, 1]", "[u64::MAX, 1]"),
])
def test_bytes_display_shows_byte_buffers_as_byte_strings(text: str, shown: str) -> None:
    assert short(text, Display.BYTES) == shown
