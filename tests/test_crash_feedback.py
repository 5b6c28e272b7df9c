"""Feedback that names the likely cause: a crash after a block broke the stack pointer or a
callee-saved register, and a named label the assembler met twice (the block copied by inlining)."""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_helpers import aarch64_code_view

from asm_tutor.grader.advice import crash_cause
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import Status, TestStatus
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "exercise_point"
PACK = load_pack(builtin_pack_dir())
on_x86_64 = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")


def times_nine(template: str) -> str:
    return ("use std::arch::asm;\nfn times_nine(x: u64) -> u64 {\n    let r: u64;\n    // SAFETY: none: a mistake.\n"
            f"    unsafe {{ asm!({template}, \"lea {{r}}, [{{x}} + {{x}}*8]\", x = in(reg) x, r = out(reg) r) }};\n"
            "    r\n}\n")


@on_x86_64
@pytest.mark.usefixtures("builds")
@pytest.mark.parametrize(("template", "words"), [
    ('"push {x}"', ["stack pointer moved by 8 bytes", "`push rdi`", "The stack: nostack and the red zone"]),
    ('"xor r12, r12", "xor r13, r13", "xor r14, r14", "xor r15, r15"',
     ["changes r12", "callee-saved", '`out("r12") _`', "Undeclared clobbers"]),
    ('"xor rbx, rbx", "xor rbp, rbp"', ["changes rbx", "callee-saved", "save it first", "Registers LLVM reserves"]),
])
def test_a_crash_after_a_broken_stack_or_callee_saved_register_names_it(template: str, words: list[str]) -> None:
    result = grade(PACK.exercises["times_nine"], times_nine(template), seed=7)
    crashed = [t.message for t in result.tests if t.status is TestStatus.ERROR and "crashed" in t.message]
    said = " ".join([result.message, *crashed])
    assert "SIG" in said, result.to_json()
    assert all(word in said for word in words), said


@on_x86_64
@pytest.mark.usefixtures("builds")
def test_a_correct_block_gets_no_cause() -> None:
    solution = (Path(builtin_pack_dir()) / "exercises" / "times_nine" / "x86_64" / "solution.rs").read_text(encoding="utf-8")
    result = grade(PACK.exercises["times_nine"], solution, seed=7)
    assert result.status is Status.PASS and "likely cause" not in result.message


@on_x86_64
@pytest.mark.usefixtures("builds")
def test_a_named_label_defined_twice_gets_the_numeric_label_hint() -> None:
    source = (FIXTURES / "duplicate_label.rs").read_text(encoding="utf-8")
    result = grade(PACK.exercises["times_nine"], source, seed=7)
    assert result.status is Status.ERROR
    (error,) = [d for d in result.diagnostics if d.level == "error"]
    assert error.message == "symbol 'again' is already defined" and error.line == 8
    assert error.hint is not None and "`again`" in error.hint and "`2:`" in error.hint and "inlined" in error.hint
    assert "Why not a named label" in error.hint


@pytest.mark.parametrize(("template", "words"), [
    ('"str {x}, [sp, #-16]!"', ["stack pointer moved by 16 bytes"]),
    ('"mov x19, {x}"', ["changes x19", "callee-saved"]),
])
def test_aarch64_the_cause_is_found_in_the_block(tmp_path: Path, template: str, words: list[str]) -> None:
    from asm_tutor.grader import asm_blocks, contract

    source = times_nine(template).replace('"lea {r}, [{x} + {x}*8]"', '"add {r}, {x}, {x}, lsl #3"')
    view = aarch64_code_view(tmp_path, PACK.exercises["times_nine"].function, source)
    reports = contract.check("aarch64", view.functions, asm_blocks.find_blocks(source))
    cause = crash_cause(view, reports, "aarch64")
    assert all(word in cause for word in words), cause
