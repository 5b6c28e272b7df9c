"""Compiler diagnostics with the real rustc: the learner's line and column, rustc's own wording,
and the tutor's hint for each classic asm! mistake."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from asm_tutor.grader import diagnostics
from asm_tutor.grader.diagnostics import SourceMap
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import Diagnostic, GradeResult, Status
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import ErrorHint, Param, Signature
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "grader"
PACK = load_pack(builtin_pack_dir())
pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")


def compile_error(fixture: str, error_hints: tuple[ErrorHint, ...] = ()) -> tuple[GradeResult, Diagnostic]:
    """Grade a broken times_nine; without the pack's own error hints unless given, to see the built-in ones."""
    exercise = dataclasses.replace(PACK.exercises["times_nine"], error_hints=error_hints)
    result = grade(exercise, (FIXTURES / fixture).read_text(encoding="utf-8"), use_cache=False)
    assert result.status is Status.ERROR, result.to_json()
    assert "did not compile" in result.message
    return result, next(d for d in result.diagnostics if d.level == "error")


def test_missing_unsafe_e0133() -> None:
    result, diag = compile_error("diag/no_unsafe.rs")
    assert diag.code == "E0133"
    assert diag.message == "use of inline assembly is unsafe and requires unsafe function or block"
    assert (diag.line, diag.column) == (5, 5)
    assert diag.hint == diagnostics.HINT_UNSAFE
    assert "times_nine.rs:5:5" in diag.rendered and "/tmp" not in diag.rendered


def test_the_exercises_own_hint_wins() -> None:
    exercise = PACK.exercises["times_nine"]  # has an error_hints entry for E0133
    result = grade(exercise, (FIXTURES / "diag/no_unsafe.rs").read_text(), use_cache=False)
    (diag,) = result.diagnostics
    assert diag.hint == exercise.error_hints[0].hint


def test_exercise_hint_matching_by_message_substring() -> None:
    _, diag = compile_error("diag/pure_alone.rs", error_hints=(ErrorHint("must be combined", "Pack author says so."),))
    assert diag.hint == "Pack author says so."


def test_placeholder_without_operand() -> None:
    result, diag = compile_error("diag/no_operand.rs")
    assert diag.message == "invalid reference to argument at index 1"
    assert diag.line == 5 and diag.hint == diagnostics.HINT_NO_OPERAND


def test_named_placeholder_without_operand_and_the_unused_operand() -> None:
    result, diag = compile_error("diag/no_named_operand.rs")
    assert diag.message == "there is no argument named `y`" and diag.hint == diagnostics.HINT_NO_OPERAND
    unused = next(d for d in result.diagnostics if d.message == "named argument never used")
    assert unused.hint == diagnostics.HINT_UNUSED and unused.line == 5


def test_unused_operand() -> None:
    _, diag = compile_error("diag/unused_operand.rs")
    assert diag.message == "named argument never used"
    assert (diag.line, diag.column) == (5, 35) and diag.hint == diagnostics.HINT_UNUSED


def test_att_syntax_pasted_without_the_option() -> None:
    result, _ = compile_error("diag/att.rs")
    messages = {d.message: d for d in result.diagnostics}
    assert "invalid instruction mnemonic 'leaq'" in messages
    assert "unknown token in expression" in messages
    hints = {d.message: d.hint for d in result.diagnostics}
    assert hints["invalid instruction mnemonic 'leaq'"] == diagnostics.HINT_ATT.format(example="`lea {0}, [{1} + {1}*8]`")
    assert hints["unknown token in expression"] == diagnostics.HINT_ATT.format(example="`add rax, 0`")
    assert all(d.line == 5 for d in result.diagnostics)


def test_rbx_as_an_operand() -> None:
    exercise = dataclasses.replace(PACK.exercises["cpu_vendor"], error_hints=())
    result = grade(exercise, (FIXTURES / "cv_rbx.rs").read_text(), use_cache=False)
    (diag,) = result.diagnostics
    assert "rbx is used internally by LLVM" in diag.message and diag.message.startswith("cannot use register `bx`")
    assert diag.line == 6 and diag.hint == diagnostics.HINT_RBX
    with_pack_hint = grade(PACK.exercises["cpu_vendor"], (FIXTURES / "cv_rbx.rs").read_text(), use_cache=False)
    assert with_pack_hint.diagnostics[0].hint == PACK.exercises["cpu_vendor"].error_hints[0].hint


def test_pure_without_nomem_or_readonly() -> None:
    _, diag = compile_error("diag/pure_alone.rs")
    assert diag.message == "the `pure` option must be combined with either `nomem` or `readonly`"
    assert diag.hint == diagnostics.HINT_PURE


@pytest.mark.parametrize("fixture", ["diag/out_twice.rs", "diag/in_out_same.rs"])
def test_register_conflicts_out_vs_lateout(fixture: str) -> None:
    _, diag = compile_error(fixture)
    assert diag.message == "register `rax` conflicts with register `rax`"
    assert diag.hint == diagnostics.HINT_CONFLICT and "lateout" in diag.hint


# -- the mapping itself, on recorded rustc JSON ------------------------------------------------

SIG = Signature("times_nine", (Param("x", "u64"),), "u64")
MAP = SourceMap(learner_lines=10, display_name="times_nine.rs", temp_dir="/tmp/asm-tutor-xyz",
                signature=SIG, signature_line=17, main_line=18)


def _span(file: str, line: int, col: int, primary: bool = True, expansion: dict | None = None) -> dict:
    return {"file_name": file, "line_start": line, "line_end": line, "column_start": col, "column_end": col + 1,
            "is_primary": primary, "text": [], "label": None, "expansion": expansion}


def _diag(message: str, spans: list[dict], code: str | None = None, level: str = "error") -> str:
    return json.dumps({"$message_type": "diagnostic", "message": message, "level": level,
                       "code": {"code": code} if code else None, "spans": spans, "children": [],
                       "rendered": f"{level}: {message}\n --> /tmp/asm-tutor-xyz/solution.rs:3:1\n"})


def test_a_span_inside_a_std_macro_follows_the_expansion_back_to_the_learner() -> None:
    inner = _span("/rustc/abc/library/core/src/macros/mod.rs", 40, 9,
                  expansion={"span": _span("solution.rs", 7, 5, primary=False), "macro_decl_name": "assert_eq!"})
    (diag,) = diagnostics.parse(_diag("mismatched types", [inner], "E0308"), MAP, ())
    assert (diag.line, diag.column) == (7, 5)
    assert "times_nine.rs:3:1" in diag.rendered and "/tmp/" not in diag.rendered


def test_driver_spans_never_become_learner_lines_and_are_said_once() -> None:
    lines = "\n".join([
        _diag("cannot find function `times_nine` in module `super`", [_span("solution.rs", 17, 30)], "E0425"),
        _diag("cannot find function `times_nine` in module `super`", [_span("solution.rs", 90, 12)], "E0425"),
        _diag("aborting due to 2 previous errors", []),
    ])
    (diag,) = diagnostics.parse(lines, MAP, ())
    assert diag.line is None and diag.column is None
    assert diag.message.startswith("Define `fn times_nine(x: u64) -> u64`")


def test_noise_and_non_json_lines_are_skipped() -> None:
    note = _diag("For more information about this error, try `rustc --explain E0133`.", [], level="failure-note")
    text = "\n".join(["not json at all", "{broken", note])
    assert diagnostics.parse(text, MAP, ()) == []


def test_an_unclosed_brace_points_at_the_learners_brace_not_the_driver() -> None:
    _, diag = compile_error("diag/unclosed_brace.rs")
    assert diag.message == "this file contains an unclosed delimiter"
    assert (diag.line, diag.column) == (1, 30)
