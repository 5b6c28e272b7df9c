"""`asm-tutor lesson` and the command the CLI prints where feedback names a lesson section (issue 24)."""

from __future__ import annotations

import pytest

from asm_tutor.cli import main
from asm_tutor.cmd.lesson import lesson_commands, section_of
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

PACK = load_pack(builtin_pack_dir())


def test_a_section_runs_to_the_next_heading_of_its_level() -> None:
    text = "# T\n\n## A\n\na\n\n```rust\n## not a heading\n```\n\n### A.1\n\nsub\n\n## B\n\nb\n"
    part = section_of(text, "a")
    assert part is not None and part.startswith("## A") and "### A.1" in part and "## not a heading" in part
    assert "## B" not in part
    assert section_of(text, "B") == "## B\n\nb"
    assert section_of(text, "C") is None


def test_feedback_naming_a_section_gives_the_command_once() -> None:
    texts = ["… See the lesson “Operand specifiers”, section “in and out”.",
             "See the lesson *Operand specifiers*, section *in and out*: take x",
             "See the lesson “No such lesson”, section “x”."]
    assert lesson_commands(texts, PACK.lessons) == ["asm-tutor lesson operands --section 'in and out'"]


def test_the_lesson_command_prints_the_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lesson", "operands", "--section", "in and out"]) == 0
    out = capsys.readouterr().out
    assert "in and out" in out and "lateout and inlateout" not in out, "that section only"
    assert main(["lesson", "operand"]) == 2
    assert "Did you mean `operands`?" in capsys.readouterr().err
    assert main(["lesson", "operands", "--section", "nope"]) == 2
    assert "has no section “nope”" in capsys.readouterr().err
