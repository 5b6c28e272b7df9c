"""Hints built from the learner's own code (issue 24): an AT&T line shown back in Intel syntax with
the learner's placeholders, `inout(reg) x => _` for an immutable argument, and an `unsafe fn` the
learner made. Translation rules without rustc; the hints themselves with the real rustc."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.own_hints import intel_from_att
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "grader" / "diag"
PACK = load_pack(builtin_pack_dir())
x86_only = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")


@pytest.mark.parametrize(("att", "intel"), [
    ("addq $5, {0}", "add {0}, 5"),
    ("movq {x}, {out}", "mov {out}, {x}"),
    ("leaq ({1},{1},8), {0}", "lea {0}, [{1} + {1}*8]"),
    ("movq 8(%rdi), %rax", "mov rax, [rdi + 8]"),
    ("movq -8(%rsp), %rax", "mov rax, [rsp - 8]"),
    ("xorl %eax, %eax", "xor eax, eax"),
])
def test_att_lines_read_back_in_intel_syntax(att: str, intel: str) -> None:
    assert intel_from_att(att) == intel


@pytest.mark.parametrize("intel", ["add {0}, 5", "shl {x}, 3", "setb al", "sbb rax, rax", "/* a comment */"])
def test_intel_lines_are_not_translated(intel: str) -> None:
    assert intel_from_att(intel) is None


def _diagnostics(exercise_id: str, fixture: str, *, own_hints: bool = False) -> dict[str, str | None]:
    exercise = PACK.exercises[exercise_id]
    if not own_hints:
        exercise = dataclasses.replace(exercise, error_hints=())
    result = grade(exercise, (FIXTURES / fixture).read_text(encoding="utf-8"), use_cache=False)
    return {d.message: d.hint for d in result.diagnostics}


@x86_only
def test_the_att_hint_shows_the_learners_placeholder_not_a_register() -> None:
    hints = _diagnostics("times_nine", "att_placeholder.rs")
    hint = hints["invalid instruction mnemonic 'addq'"] or ""
    assert "`add {0}, 5`" in hint and "add rax" not in hint


@x86_only
def test_an_authors_att_hint_gets_the_learners_line_in_intel_syntax() -> None:
    exercise = PACK.exercises["repair_att_syntax"]
    result = grade(exercise, exercise.starter("x86_64"), use_cache=False)
    hints = [d.hint or "" for d in result.diagnostics]
    assert any(h.endswith("In Intel syntax your line reads `sub {out}, 1`.") for h in hints), hints


@x86_only
def test_an_immutable_argument_written_by_inout_gets_the_discard_form() -> None:
    hints = _diagnostics("times_nine", "immutable_inout.rs")
    hint = hints["cannot assign to immutable argument `x`"] or ""
    assert "`x = inout(reg) x => _`" in hint and "let mut x = x;" in hint


@x86_only
def test_calling_the_function_the_learner_made_unsafe_gets_its_own_hint() -> None:
    hints = _diagnostics("add_five", "unsafe_fn.rs", own_hints=True)  # add_five's own E0133 hint is about asm!
    hint = next(h for m, h in hints.items() if m.startswith("call to unsafe function")) or ""
    assert "`add_five` is now an `unsafe fn`" in hint and "hidden tests call it as a plain `fn`" in hint
