"""Files as people hand them in: the function alone (a library), and crate-level attributes.

rustc builds a file without `fn main` as a library; so does the tutor, with a note. An inner
attribute only the crate root obeys (`#![no_std]`, `#![feature]`) acts as on the learner's own
crate; one that makes the file a library is honoured as such; one the check crate cannot honour
is refused with its line. Graded with the real rustc."""

from __future__ import annotations

from pathlib import Path

import pytest

from asm_tutor.grader import file_shape
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.file_shape import Placement
from asm_tutor.grader.result import GradeResult, Status
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "learner_files"
PACK = load_pack(builtin_pack_dir())
pytestmark = [pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm"),
              pytest.mark.usefixtures("builds")]


def run(fixture: str, exercise: str = "times_five") -> GradeResult:
    return grade(PACK.exercises[exercise], (FIXTURES / fixture).read_text(encoding="utf-8"), seed=7)


def notes(result: GradeResult) -> list[str]:
    return [d.message for d in result.diagnostics if d.level == "note"]


def errors(result: GradeResult) -> list[tuple[int | None, str]]:
    return [(d.line, d.message) for d in result.diagnostics if d.level == "error"]


def test_the_function_alone_is_graded_as_a_library_with_a_note() -> None:
    result = run("function_alone.rs")
    assert result.status is Status.PASS, result.to_json()
    (note,) = notes(result)
    assert "no `fn main`" in note and "library" in note


def test_a_no_std_library_is_graded_under_no_std() -> None:
    result = run("no_std_library.rs")
    assert result.status is Status.PASS, result.to_json()
    assert notes(result)


def test_no_std_acts_on_the_crate_root_as_rustc_would() -> None:
    # Under `#![no_std]` the prelude is core's: `println!` does not exist, on the learner's line.
    result = run("no_std_program.rs")
    assert result.status is Status.ERROR
    assert any(line == 12 and "println" in message for line, message in errors(result)), result.to_json()


def test_feature_is_reported_on_its_own_line_as_rustc_reports_it() -> None:
    result = run("feature.rs")
    assert result.status is Status.ERROR
    assert (1, "`#![feature]` may not be used on the stable release channel") in errors(result), result.to_json()


def test_a_file_that_says_it_is_a_library_is_graded_as_one() -> None:
    result = run("crate_type_lib.rs")
    assert result.status is Status.PASS, result.to_json()
    (note,) = notes(result)
    assert note.startswith("Line 1: `#![crate_type = \"lib\"]`")


def test_an_attribute_the_check_crate_cannot_honour_is_refused_with_its_line() -> None:
    result = run("no_core.rs")
    assert result.status is Status.ERROR
    assert "Line 1: `#![no_core]`" in result.message
    assert [line for line, _ in errors(result)] == [1]


def test_crate_lints_apply_to_the_learners_code() -> None:
    result = run("deny_warnings.rs")
    assert result.status is Status.ERROR
    assert any(line == 6 and "unused variable" in message for line, message in errors(result)), result.to_json()


def test_a_program_gets_no_note_and_its_main_is_still_compiled() -> None:
    source = (FIXTURES / "function_alone.rs").read_text(encoding="utf-8") + "fn main() { let x: u32 = \"no\"; }\n"
    result = grade(PACK.exercises["times_five"], source, seed=7)
    assert result.status is Status.ERROR and not notes(result)
    assert any(line == 10 for line, _ in errors(result)), result.to_json()


@pytest.mark.parametrize(("source", "has_main", "placements"), [
    ("fn f() {}\n", False, []),
    ("mod m { fn main() {} }\n", False, []),
    ("// fn main() {}\nfn main() {}\n", True, []),
    ("#![allow(unused)]\n#![no_std]\n#![no_main]\n#![no_core]\nfn f() {}\n", False,
     [Placement.KEPT, Placement.HOISTED, Placement.DROPPED, Placement.REFUSED]),
])
def test_the_shape_of_a_file(source: str, has_main: bool, placements: list[Placement]) -> None:
    shape = file_shape.read(source)
    assert shape.has_main is has_main
    assert [a.placement for a in shape.attributes] == placements
