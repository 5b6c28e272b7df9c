"""Issue 25's pack-format additions, graded with the real rustc: properties on in-place `()`
functions, and a property valid against the declared signature compiles (the `&'static mut`
regression)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import GradeResult, Status, TestStatus
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import Property

BUFFERS = Path(__file__).parent / "packs" / "buffers"
pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the solutions are x86_64 asm")

FORMAT_DOC = Path(__file__).parent.parent / "docs" / "pack-format.md"
# The docs' example of a property on an in-place function is the spec graded here.
ZERO_SPEC = FORMAT_DOC.read_text().split("#### In-place functions and properties", 1)[1].split("```toml\n", 1)[1] \
    .split("```", 1)[0]
ZERO_SOLUTION = """use std::arch::asm;

fn zero_bytes(buf: &mut [u8]) {
    // SAFETY: rdi..rdi+rcx is `buf`, which we may write.
    unsafe {
        asm!("rep stosb", inout("rdi") buf.as_mut_ptr() => _, inout("rcx") buf.len() => _, in("al") 0u8,
             options(nostack));
    }
}

fn main() {}
"""


def zero_pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    (root / "exercises" / "zero_bytes").mkdir(parents=True)
    (root / "pack.toml").write_text('format = 1\nid = "z"\ntitle = "Z"\nversion = "1"\n\n[[course]]\n'
                                    'exercise = "zero_bytes"\n')
    folder = root / "exercises" / "zero_bytes"
    (folder / "exercise.toml").write_text(ZERO_SPEC)
    (folder / "solution.rs").write_text(ZERO_SOLUTION)
    (folder / "starter.rs").write_text("fn zero_bytes(buf: &mut [u8]) {}\nfn main() {}\n")
    return root


def property_results(result: GradeResult) -> list[TestStatus]:
    return [t.status for t in result.tests if t.name.startswith("property")]


def test_a_property_on_an_in_place_unit_function_sees_the_buffer_after_the_call(tmp_path: Path) -> None:
    exercise = load_pack(zero_pack(tmp_path)).exercises["zero_bytes"]
    result = grade(exercise, ZERO_SOLUTION, use_cache=False)
    assert result.status is Status.PASS, result.message
    assert property_results(result) == [TestStatus.PASS, TestStatus.PASS]
    # Filling with ones: the property sees the buffer the learner's function left.
    wrong = ZERO_SOLUTION.replace('in("al") 0u8', 'in("al") 1u8')
    result = grade(exercise, wrong, use_cache=False)
    assert result.status is Status.FAIL
    assert TestStatus.FAIL in property_results(result)
    assert "Replay" not in result.message and all("Replay" not in t.message for t in result.tests)


def test_a_property_mutating_a_static_mut_slice_between_calls_compiles() -> None:
    # Valid Rust against the declared `fn sum_u64(xs: &[u64]) -> u64`: it must compile and hold.
    exercise = load_pack(BUFFERS).exercises["sum_u64"]
    expr = ("{ let v: &'static mut [u64] = Box::leak(vec![1u64, 2, 3].into_boxed_slice()); "
            "let a = sum_u64(v); v[0] = 10; let b = sum_u64(v); b == a + 9 }")
    exercise = dataclasses.replace(exercise, tests=dataclasses.replace(
        exercise.tests, properties=(Property(name="changes between calls", expr=expr),)))
    result = grade(exercise, exercise.solution("x86_64"), use_cache=False)
    assert result.status is Status.PASS, result.message
    assert property_results(result) == [TestStatus.PASS, TestStatus.PASS]


STRLEN_SOLUTION = """use std::arch::asm;

fn strlen(s: *const u8) -> usize {
    let n: usize;
    // SAFETY: `s` points at a NUL-terminated string, read only up to its NUL.
    unsafe {
        asm!(
            "xor {n:e}, {n:e}",
            "2:",
            "cmp byte ptr [{s} + {n}], 0",
            "je 3f",
            "inc {n}",
            "jmp 2b",
            "3:",
            s = in(reg) s, n = out(reg) n, options(nostack, readonly),
        );
    }
    n
}

fn main() {}
"""


def strlen_pack(tmp_path: Path) -> Path:
    """The docs' strlen example as a one-exercise pack."""
    spec = FORMAT_DOC.read_text().split("#### Strings: `[tests.bytes]`", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    root = tmp_path / "strings"
    folder = root / "exercises" / "strlen"
    folder.mkdir(parents=True)
    (root / "pack.toml").write_text('format = 1\nid = "s"\ntitle = "S"\nversion = "1"\n\n[[course]]\nexercise = "strlen"\n')
    (folder / "exercise.toml").write_text(spec)
    (folder / "solution.rs").write_text(STRLEN_SOLUTION)
    (folder / "starter.rs").write_text("fn strlen(s: *const u8) -> usize { 0 }\nfn main() {}\n")
    return root


def test_generated_c_strings_grade_a_strlen_and_show_as_byte_strings(tmp_path: Path) -> None:
    from asm_tutor.pack.model import Display
    from asm_tutor.values import short

    exercise = load_pack(strlen_pack(tmp_path)).exercises["strlen"]
    assert exercise.tests.bytes is not None and exercise.tests.bytes.nul and exercise.tests.display is Display.BYTES
    result = grade(exercise, STRLEN_SOLUTION, use_cache=False)
    assert result.status is Status.PASS, result.message
    inputs = [short(t.input, Display.BYTES) for t in result.tests]
    assert 'strlen(b"\\0")' in inputs and 'strlen(b"Hello, \\0")' in inputs  # lengths 0 and 7
    assert sum(t.name.startswith("random") for t in result.tests) == 2 * 16
    # Counting the NUL too: every case says so, none crashes reading past its buffer.
    wrong = STRLEN_SOLUTION.replace('"3:",', '"3:", "inc {n}",')
    result = grade(exercise, wrong, use_cache=False)
    assert result.status is Status.FAIL
    assert all(t.status in (TestStatus.PASS, TestStatus.FAIL) for t in result.tests)


def test_byte_strings_need_a_u8_buffer_to_make(tmp_path: Path) -> None:
    from asm_tutor.pack.problems import PackError

    root = strlen_pack(tmp_path)
    spec = root / "exercises" / "strlen" / "exercise.toml"
    spec.write_text(spec.read_text().replace('params = ["s: *const u8"]', 'params = ["s: *const u16"]'))
    with pytest.raises(PackError) as caught:
        load_pack(root)
    assert any(p.field == "tests.bytes" and "takes none" in p.message for p in caught.value.problems)


def test_pack_check_says_a_generated_pointer_may_be_too_short_for_the_solution(tmp_path: Path) -> None:
    from asm_tutor.authoring.check_report import failure
    from asm_tutor.grader.result import TestResult

    exercise = load_pack(strlen_pack(tmp_path)).exercises["strlen"]
    result = GradeResult(exercise="strlen", status=Status.FAIL, message="1 of 40 tests did not pass.", tests=[
        TestResult("random 3", TestStatus.ERROR, "It crashed with SIGSEGV", "strlen([7])", "1", "", 0)])
    no_strings = dataclasses.replace(exercise, tests=dataclasses.replace(exercise.tests, bytes=None))
    _line, _field, detail = failure(no_strings, result, "exercise.toml", lambda *_: None)
    assert "a generated `s` points at one element" in detail and "[tests.bytes]" in detail
    _line, _field, detail = failure(exercise, result, "exercise.toml", lambda *_: None)
    assert "points at one element" not in detail  # its strings are whole, NUL and all
