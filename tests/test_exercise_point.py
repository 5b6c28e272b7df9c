"""The exercise's point, in the pack format: checks on the compiled block's structure.

A `const` operand used as the instruction's operand (not typed in, not named in a comment),
the loop inside asm! (its back-edge in the block, none in Rust around it), the block computing
the answer (the returned value followed back to the block), a memory operand in a given
instruction, no forward branch; and the "asm! does the work" run for properties-only exercises.
Each mistake fails with a reason, each correct answer passes: x86_64 graded by the real rustc,
aarch64 on objects built with the cross toolchain (grader/checks.py on its objdump)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from cross_helpers import toolchain_for
from grader_helpers import aarch64_code_view

from asm_tutor.grader import checks, hollow
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import CheckResult, GradeResult, Status, TestStatus
from asm_tutor.pack.loader import PackError, load_pack
from asm_tutor.pack.model import CheckKind, InstructionCheck
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "exercise_point"
EXERCISES = Path(builtin_pack_dir()) / "exercises"
PACK = load_pack(builtin_pack_dir())
on_x86_64 = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")

def run(exercise: str, source: str) -> GradeResult:
    return grade(PACK.exercises[exercise], source, seed=7)


def check_named(results: list[CheckResult], name: str) -> CheckResult:
    return next(c for c in results if c.name == name)


# -- x86_64, graded whole -------------------------------------------------------------------------

@on_x86_64
@pytest.mark.usefixtures("builds")
@pytest.mark.parametrize(("exercise", "fixture", "check", "words"), [
    ("rotate_by_const", "rotate_typed_in.rs", "the count is the const operand", ["`ror {x}, 13`", "const and sym"]),
    ("rotate_by_const", "rotate_decoy_mov.rs", "the count is the const operand", ["`ror {x}, 13`"]),
    ("count_bits_loop", "count_loop_in_rust.rs", "a loop in asm!", ["go forward", "Loops"]),
    ("count_bits_loop", "count_loop_in_rust.rs", "no loop in Rust", ["jmp", "Loops"]),
    ("times_five", "times_five_rust_adds.rs", "the block computes the answer", ["`add rax", "lea: address"]),
])
def test_each_mistake_fails_with_what_is_wrong_and_the_section(exercise: str, fixture: str, check: str,
                                                              words: list[str]) -> None:
    result = run(exercise, (FIXTURES / fixture).read_text(encoding="utf-8"))
    assert result.status is Status.FAIL
    assert all(t.status is TestStatus.PASS for t in result.tests)  # every value right: only the point is missed
    found = check_named(result.checks, check)
    assert found.status is TestStatus.FAIL
    assert all(word in found.message for word in words), found.message


@on_x86_64
@pytest.mark.usefixtures("builds")
@pytest.mark.parametrize(("exercise", "source"), [
    # The count named in a comment too, and used: fine.
    ("rotate_by_const", "use std::arch::asm;\nconst SHIFT: u32 = 13;\nfn rotr13(mut x: u64) -> u64 {\n"
     "    // SAFETY: a register rotation only.\n"
     "    unsafe { asm!(\"ror {x}, {n} # by {n}\", x = inout(reg) x, n = const SHIFT, options(pure, nomem, nostack)) };\n"
     "    x\n}\n"),
    # The count through cl, set from the const operand: still the const operand's count.
    ("rotate_by_const", "use std::arch::asm;\nconst SHIFT: u32 = 13;\nfn rotr13(mut x: u64) -> u64 {\n"
     "    // SAFETY: registers only, rcx declared.\n"
     "    unsafe { asm!(\"mov ecx, {n}\", \"ror {x}, cl\", x = inout(reg) x, n = const SHIFT, out(\"rcx\") _,\n"
     "        options(pure, nomem, nostack)) };\n    x\n}\n"),
    # The test at the top, an unconditional jump back: still a loop inside the block.
    ("count_bits_loop", "use std::arch::asm;\nfn count_bits_loop(x: u64) -> u32 {\n    let n: u64;\n"
     "    // SAFETY: registers only.\n    unsafe { asm!(\"2:\", \"test {v}, {v}\", \"jz 3f\", \"inc {n}\", \"lea {t}, [{v} - 1]\",\n"
     "        \"and {v}, {t}\", \"jmp 2b\", \"3:\", v = inout(reg) x => _, t = out(reg) _, n = inout(reg) 0u64 => n,\n"
     "        options(pure, nomem, nostack)) };\n    n as u32\n}\n"),
    # The result through the input's own register.
    ("times_five", "use std::arch::asm;\nfn times_five(mut x: u64) -> u64 {\n    // SAFETY: lea reads no memory.\n"
     "    unsafe { asm!(\"lea {x}, [{x} + {x}*4]\", x = inout(reg) x, options(pure, nomem, nostack)) };\n    x\n}\n"),
])
def test_correct_alternatives_still_pass(exercise: str, source: str) -> None:
    result = run(exercise, source)
    assert result.status is Status.PASS, [c for c in result.checks if c.status is not TestStatus.PASS]


@on_x86_64
@pytest.mark.usefixtures("builds")
def test_a_properties_only_exercise_is_judged_by_where_its_value_comes_from() -> None:
    counter = ("use std::arch::asm;\nuse std::sync::atomic::{AtomicU64, Ordering};\nstatic TICKS: AtomicU64 = AtomicU64::new(1);\n"
               "fn read_cycle_counter() -> u64 {\n    let (lo, hi): (u32, u32);\n    // SAFETY: rdtsc writes eax and edx.\n"
               "    unsafe { asm!(\"rdtsc\", out(\"eax\") lo, out(\"edx\") hi, options(nomem, nostack, preserves_flags)) };\n"
               "    let _ = (lo, hi);\n    std::thread::sleep(std::time::Duration::from_micros(1));\n"
               "    TICKS.fetch_add(1, Ordering::Relaxed)\n}\n")
    thrown_away = run("read_cycle_counter", counter)
    assert check_named(thrown_away.checks, "asm! does the work").status is TestStatus.FAIL
    solution = (EXERCISES / "read_cycle_counter" / "x86_64" / "solution.rs").read_text(encoding="utf-8")
    assert check_named(run("read_cycle_counter", solution).checks, "asm! does the work").status is TestStatus.PASS


# -- aarch64, on objects built with the cross toolchain -------------------------------------------

def aarch64_view(tmp_path: Path, exercise_id: str, source: str) -> checks.CodeView:
    return aarch64_code_view(tmp_path, PACK.exercises[exercise_id].function, source)


def aarch64_checks(tmp_path: Path, exercise_id: str, source: str) -> list[CheckResult]:
    view = aarch64_view(tmp_path, exercise_id, source)
    return checks.evaluate(PACK.exercises[exercise_id], "aarch64", source, view, [], {})


@pytest.mark.parametrize(("exercise", "fixture", "check", "words"), [
    ("rotate_by_const", "rotate_typed_in.rs", "the count is the const operand", ["`ror {x}, {x}, #13`"]),
    ("count_bits_loop", "count_loop_in_rust.rs", "a loop in asm!", ["go forward"]),
    ("count_bits_loop", "count_loop_in_rust.rs", "no loop in Rust", ["`b "]),
    ("times_five", "times_five_rust_adds.rs", "the block computes the answer", ["`add x0"]),
])
def test_aarch64_mistakes_fail(tmp_path: Path, exercise: str, fixture: str, check: str, words: list[str]) -> None:
    results = aarch64_checks(tmp_path, exercise, (FIXTURES / "aarch64" / fixture).read_text(encoding="utf-8"))
    found = check_named(results, check)
    assert found.status is TestStatus.FAIL
    assert all(word in found.message for word in words), found.message


@pytest.mark.parametrize("exercise", ["rotate_by_const", "count_bits_loop", "times_five"])
def test_aarch64_solutions_pass_every_check(tmp_path: Path, exercise: str) -> None:
    solution = (EXERCISES / exercise / "aarch64" / "solution.rs").read_text(encoding="utf-8")
    results = aarch64_checks(tmp_path, exercise, solution)
    assert [c for c in results if c.status is not TestStatus.PASS] == []


def test_aarch64_a_counter_read_and_thrown_away_does_not_do_the_work(tmp_path: Path) -> None:
    solution = (EXERCISES / "read_cycle_counter" / "aarch64" / "solution.rs").read_text(encoding="utf-8")
    assert hollow.dependence(aarch64_view(tmp_path / "right", "read_cycle_counter", solution), "aarch64").status \
        is TestStatus.PASS
    counter = ("use std::arch::asm;\nstatic mut TICKS: u64 = 1;\nfn read_cycle_counter() -> u64 {\n    let t: u64;\n"
               "    // SAFETY: reads a system register.\n"
               "    unsafe { asm!(\"mrs {t}, cntvct_el0\", t = out(reg) t, options(nomem, nostack)) };\n"
               "    let _ = t;\n    unsafe { TICKS += 1; TICKS }\n}\n")
    found = hollow.dependence(aarch64_view(tmp_path / "wrong", "read_cycle_counter", counter), "aarch64")
    assert found.status is TestStatus.FAIL and "thrown away" in found.message


# -- issue 25's structure checks, on an exercise of the built-in pack with checks of its own ------

NO_FORWARD_JUMP = InstructionCheck(name="branch-free but the loop", kind=CheckKind.ASM_FORBIDS, patterns=("j*",),
                                   message="Count without jumping over the `inc`.", arch="x86_64", branch="forward")
COUNT_BY_SKIPPING = """use std::arch::asm;
fn count_bits_loop(x: u64) -> u32 {
    let n: u64;
    // SAFETY: registers only.
    unsafe { asm!("2:", "test {v}, 1", "setz {t:l}", "jz 4f", "inc {n}", "4:", "shr {v}, 1", "jnz 2b",
                  v = inout(reg) x => _, t = out(reg) _, n = inout(reg) 0u64 => n, options(pure, nomem, nostack)) };
    n as u32
}
"""
COUNT_BY_ADDING = """use std::arch::asm;
fn count_bits_loop(x: u64) -> u32 {
    let n: u64;
    // SAFETY: registers only.
    unsafe { asm!("2:", "mov {t}, {v}", "and {t}, 1", "add {n}, {t}", "shr {v}, 1", "jnz 2b",
                  v = inout(reg) x => _, t = out(reg) _, n = inout(reg) 0u64 => n, options(pure, nomem, nostack)) };
    n as u32
}
"""
LOAD_THEN_ADD = """use std::arch::asm;
fn sum_u64(xs: &[u64]) -> u64 {
    let acc: u64;
    // SAFETY: reads xs[0..len] only.
    unsafe { asm!("test {n}, {n}", "jz 3f", "2:", "add {acc}, qword ptr [{p}]", "add {p}, 8", "dec {n}", "jnz 2b", "3:",
                  p = inout(reg) xs.as_ptr() => _, n = inout(reg) xs.len() => _, acc = inout(reg) 0u64 => acc,
                  options(pure, readonly, nostack)) };
    acc
}
"""


@on_x86_64
@pytest.mark.usefixtures("builds")
def test_a_jump_over_the_inc_fails_and_a_branch_free_count_passes() -> None:
    exercise = dataclasses.replace(PACK.exercises["count_bits_loop"], checks=(NO_FORWARD_JUMP,))
    skipping = grade(exercise, COUNT_BY_SKIPPING, seed=7)
    assert all(t.status is TestStatus.PASS for t in skipping.tests)
    found = check_named(skipping.checks, "branch-free but the loop")
    assert found.status is TestStatus.FAIL and "`je" in found.message
    adding = grade(exercise, COUNT_BY_ADDING, seed=7)
    assert check_named(adding.checks, "branch-free but the loop").status is TestStatus.PASS


@on_x86_64
@pytest.mark.usefixtures("builds")
def test_a_memory_operand_in_the_add_passes_and_a_register_add_is_named() -> None:
    result = run("sum_u64", LOAD_THEN_ADD)
    assert result.status is Status.PASS, [c for c in result.checks if c.status is not TestStatus.PASS]
    wants_memory_add = InstructionCheck(name="adds from memory", kind=CheckKind.ASM_USES, patterns=("add",),
                                        message="Add straight from memory.", operand="memory")
    exercise = dataclasses.replace(PACK.exercises["sum_u64"], checks=(wants_memory_add,))
    solution = (EXERCISES / "sum_u64" / "x86_64" / "solution.rs").read_text(encoding="utf-8")  # loads with mov
    found = check_named(grade(exercise, solution, seed=7).checks, "adds from memory")
    assert found.status is TestStatus.FAIL and "take no memory operand" in found.message


def test_aarch64_forward_branch_and_memory_operand(tmp_path: Path) -> None:
    solution = (EXERCISES / "sum_u64" / "aarch64" / "solution.rs").read_text(encoding="utf-8")
    view = aarch64_view(tmp_path, "sum_u64", solution)
    forward = InstructionCheck(name="f", kind=CheckKind.ASM_FORBIDS, patterns=("b.*", "cbz", "cbnz"), message="m",
                               branch="forward")
    memory = InstructionCheck(name="m", kind=CheckKind.ASM_USES, patterns=("ldr",), message="m", operand="memory")
    exercise = dataclasses.replace(PACK.exercises["sum_u64"], checks=(forward, memory))
    results = checks.evaluate(exercise, "aarch64", solution, view, [], {})
    assert check_named(results, "f").status is TestStatus.FAIL  # the `cbz` past the loop for an empty slice
    assert check_named(results, "m").status is TestStatus.PASS


@pytest.mark.parametrize(("line", "problem"), [
    ('branch = "sideways"', "not a branch direction"),
    ('operand = "register"', "not an operand kind"),
])
def test_a_qualifier_the_format_does_not_know_is_a_load_error(tmp_path: Path, line: str, problem: str) -> None:
    folder = tmp_path / "pack"
    for part in ("exercises", "lessons"):
        shutil.copytree(builtin_pack_dir() / part, folder / part)
    shutil.copy2(builtin_pack_dir() / "pack.toml", folder / "pack.toml")
    spec = folder / "exercises" / "count_bits_loop" / "exercise.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('branch = "back"', line, 1), encoding="utf-8")
    with pytest.raises(PackError) as error:
        load_pack(folder)
    (found,) = error.value.problems
    assert problem in str(found) and "count_bits_loop" in str(found)


@pytest.mark.usefixtures("builds")
def test_aarch64_graded_whole_under_qemu() -> None:
    """The whole check for aarch64 (built with the cross toolchain, run under qemu): the mistake
    fails on its row, and the solution handed in without `fn main` passes, graded as a library."""
    toolchain = toolchain_for("aarch64")
    exercise = PACK.exercises["times_five"]
    wrong = grade(exercise, (FIXTURES / "aarch64" / "times_five_rust_adds.rs").read_text(encoding="utf-8"),
                  toolchain=toolchain, seed=7)
    assert all(t.status is TestStatus.PASS for t in wrong.tests)
    found = check_named(wrong.checks, "the block computes the answer")
    assert found.status is TestStatus.FAIL and "`add x0" in found.message
    solution = (EXERCISES / "times_five" / "aarch64" / "solution.rs").read_text(encoding="utf-8")
    alone = grade(exercise, solution[:solution.index("\nfn main(")], toolchain=toolchain, seed=7)
    assert alone.status is Status.PASS, alone.to_json()
    assert any(d.level == "note" and "no `fn main`" in d.message for d in alone.diagnostics)
