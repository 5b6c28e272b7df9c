"""A friend of test_sandbox_escapes.py (issue 23, item 2): the function the checks look at is the
function the tests call, found by its exact symbol, and a second function exported under a name
that demangles like the required one is refused. With the real rustc and the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from asm_tutor.grader import sandbox
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import Status, TestStatus
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "escapes"
PACK = load_pack(builtin_pack_dir())
pytestmark = [
    pytest.mark.usefixtures("builds"),
    pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm"),
    pytest.mark.skipif(not sandbox.status().available, reason=f"no sandbox here: {sandbox.status().problem}"),
]


def test_a_decoy_exported_under_the_required_functions_name_is_refused() -> None:
    # times_nine multiplies (`imul`, forbidden); the decoy named like it holds the `lea`. The checks
    # used to take the first symbol that demangled alike, the decoy, and passed 4 of 4.
    source = (FIXTURES / "decoy_symbol.rs").read_text(encoding="utf-8")
    result = grade(PACK.exercises["times_nine"], source, use_cache=False, seed=64, lessons=PACK.lessons)
    assert result.status is not Status.PASS
    assert all(t.status is TestStatus.PASS for t in result.tests)  # the answer is right: only the checks refuse
    assert result.checks and all(c.status is TestStatus.ERROR for c in result.checks)
    message = result.checks[0].message
    assert "Two functions in your compiled code are named `times_nine`" in message
    assert "_ZN15asm_tutor_check7learner10times_nine17h0000000000000000E" in message


def test_without_the_decoy_the_multiply_in_the_function_the_tests_call_is_found() -> None:
    source = (FIXTURES / "decoy_symbol.rs").read_text(encoding="utf-8")
    honest = source[:source.index("#[unsafe(export_name")] + "fn main() {}\n"
    result = grade(PACK.exercises["times_nine"], honest, use_cache=False, seed=64, lessons=PACK.lessons)
    failed = {c.name: c.message for c in result.checks if c.status is TestStatus.FAIL}
    assert "Found `imul" in failed["no multiply instruction"]
