"""The grading engine end to end, with the real rustc: what passes, what is turned away, and how
crashes, time-outs, floods, panics, odd files, cancelling and the cache behave."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest
from grader_helpers import processes_under

from asm_tutor.grader.engine import CANCELLED, grade, host_arch
from asm_tutor.grader.result import GradeResult, Status, TestStatus
from asm_tutor.kept import forget_all
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "grader"
PACK = load_pack(builtin_pack_dir())
ARCH = host_arch()
pytestmark = [pytest.mark.skipif(ARCH != "x86_64", reason="the fixtures are x86_64 asm"), pytest.mark.usefixtures("builds")]


# A seed whose random cases for times_nine never draw 1 or 2, the inputs the crash fixtures
# crash on, so each fixture's one bad input is met by its fixed and edge cases alone.
SEED = 64


def run(exercise_id: str, fixture: str, **kwargs: object) -> GradeResult:
    exercise = PACK.exercises[exercise_id]
    kwargs.setdefault("seed", SEED)
    return grade(exercise, source_of(fixture), use_cache=False, **kwargs)  # type: ignore[arg-type]


def source_of(fixture: str) -> str:
    """A fixture's text; `{HOST_VENDOR}` becomes this machine's cpuid vendor (Intel or AMD alike)."""
    return (FIXTURES / fixture).read_text(encoding="utf-8").replace("{HOST_VENDOR}", host_vendor())


def host_vendor() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("vendor_id"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no vendor_id in /proc/cpuinfo")


def check(result: GradeResult, name: str) -> TestStatus:
    return next(c.status for c in result.checks if c.name == name)


def failed_checks(result: GradeResult) -> set[str]:
    return {c.name for c in result.checks if c.status is TestStatus.FAIL}


# -- what must pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise_id", [e.id for e in PACK.exercises.values() if e.supports(ARCH)])
def test_builtin_reference_solutions_pass(exercise_id: str) -> None:
    exercise = PACK.exercises[exercise_id]
    result = grade(exercise, exercise.solution(ARCH), edition=PACK.edition, use_cache=False)
    assert result.status is Status.PASS, result.to_json()
    assert result.tests and all(t.status is TestStatus.PASS for t in result.tests)
    assert {t.opt_level for t in result.tests} == {0, 3}
    assert result.checks and all(c.status is TestStatus.PASS for c in result.checks)
    if "global_asm!" in exercise.solution(ARCH):
        # The function is written in global_asm!: the listing is the Rust wrapper calling it, no block to mark.
        assert exercise.function.name in result.assembly
    else:
        assert "asm! begin" in result.assembly and "▶" in result.assembly
        assert "asm! begin" in result.assembly_o3 and "▶" in result.assembly_o3, "the -O3 listing marks the blocks too"
    assert not result.cached and result.seed is not None


@pytest.mark.parametrize(("exercise_id", "fixture"), [
    ("times_nine", "seed_times_nine.rs"),  # the seed article's solutions, verbatim, each with its own main
    ("max_u64", "seed_max_u64.rs"),  # ... with `inout`
    ("cpu_vendor", "seed_cpu_vendor.rs"),  # ... with `mov {ebx_tmp:r}, rbx` / `xchg`
    ("times_nine", "tn_helper.rs"),  # asm in a helper the required function calls; `out(reg) _` scratch
    ("times_nine", "tn_positional.rs"),  # positional `{0}`, `lateout`
    ("times_nine", "tn_mov_shl_add.rs"),  # another correct sequence; pub, doc comments, inner #![allow]
])
def test_correct_solutions_pass(exercise_id: str, fixture: str) -> None:
    result = run(exercise_id, fixture)
    assert result.status is Status.PASS, result.to_json()
    assert result.message.startswith(("All", "The test passed"))


def test_cpu_vendor_matches_this_machine() -> None:
    result = run("cpu_vendor", "seed_cpu_vendor.rs")
    (o0, o3) = result.tests
    assert o0.expected == o0.actual and o0.expected.startswith('Some("') and o3.opt_level == 3


# -- what must be turned away --------------------------------------------------------------

@pytest.mark.parametrize(("fixture", "must_fail"), [
    ("tn_mul.rs", {"uses asm!", "no multiply instruction"}),
    ("tn_wrapping_mul.rs", {"uses asm!", "no multiply instruction"}),
    ("tn_shift_add.rs", {"uses asm!", "arithmetic done in asm!"}),
    ("tn_imul.rs", {"no multiply instruction"}),
    ("tn_mul_rdx.rs", {"no multiply instruction"}),
    ("tn_byte_imul.rs", {"no multiply instruction"}),  # `.byte` cannot hide it from the object code
])
def test_times_nine_shortcuts_are_rejected(fixture: str, must_fail: set[str]) -> None:
    result = run("times_nine", fixture)
    assert result.status is Status.FAIL
    assert must_fail <= failed_checks(result), result.to_json()
    assert "check" in result.message.lower()


def test_hidden_imul_is_named_in_the_message() -> None:
    result = run("times_nine", "tn_byte_imul.rs")
    failure = next(c for c in result.checks if c.name == "no multiply instruction")
    assert "imul" in failure.message and "times_nine" in failure.message
    assert all(t.status is TestStatus.PASS for t in result.tests)  # the values were right: only the check catches it


@pytest.mark.parametrize(("fixture", "must_fail"), [
    ("mx_ifelse.rs", {"uses asm!", "no branch", "conditional move in asm!"}),
    ("mx_max.rs", {"uses asm!", "no call to a library max", "conditional move in asm!"}),
    ("mx_branch_asm.rs", {"no branch", "conditional move in asm!"}),
    ("mx_decoy.rs", {"conditional move in asm!", "no call to a library max"}),
])
def test_max_u64_shortcuts_are_rejected(fixture: str, must_fail: set[str]) -> None:
    result = run("max_u64", fixture)
    assert result.status is Status.FAIL
    assert must_fail <= failed_checks(result), result.to_json()


def test_decoy_asm_still_counts_as_asm_but_not_as_the_work() -> None:
    result = run("max_u64", "mx_decoy.rs")
    assert check(result, "uses asm!") is TestStatus.PASS
    assert "nop" in result.assembly


@pytest.mark.parametrize(("fixture", "must_fail"), [
    ("cv_hardcoded.rs", {"cpuid in your asm!"}),
    ("cv_intrinsic.rs", {"no cpuid intrinsic", "cpuid in your asm!"}),
])
def test_cpu_vendor_shortcuts_are_rejected(fixture: str, must_fail: set[str]) -> None:
    result = run("cpu_vendor", fixture)
    assert result.status is Status.FAIL
    assert must_fail <= failed_checks(result), result.to_json()
    assert all(t.status is TestStatus.PASS for t in result.tests)  # right answer, wrong way


def test_mul_u128_token_asm_beside_a_rust_multiply_is_rejected() -> None:
    # The block does run a `mul`, but the answer comes from `(a as u128) * (b as u128)` beside it.
    result = run("mul_u128", "mu_token_asm.rs")
    assert result.status is Status.FAIL
    assert failed_checks(result) == {"no multiply outside asm!", "asm! does the work"}, result.to_json()
    assert "mul rsi" in next(c.message for c in result.checks if c.status is TestStatus.FAIL)


# -- running learner code ------------------------------------------------------------------

def test_a_crash_names_the_case_and_keeps_the_others() -> None:
    result = run("times_nine", "tn_crash.rs")
    assert result.status is Status.FAIL
    o0 = [t for t in result.tests if t.opt_level == 0]
    assert [t.status for t in o0[:4]] == [TestStatus.PASS, TestStatus.PASS, TestStatus.ERROR, TestStatus.PASS]
    crashed = o0[2]
    assert crashed.name == "example 3" and crashed.input == "times_nine(1)" and crashed.expected == "9"
    assert "SIGSEGV" in crashed.message and "memory" in crashed.message
    # Later cases ran after the restart (the crash only hits x == 1).
    assert sum(t.status is TestStatus.PASS for t in o0) >= len(o0) - 4


def test_an_endless_loop_times_out_and_leaves_nothing_running(builds: Path) -> None:
    exercise = dataclasses.replace(PACK.exercises["times_nine"], time_limit=1.0)
    result = grade(exercise, (FIXTURES / "tn_loop.rs").read_text(), use_cache=False)
    assert result.status is Status.FAIL
    o0 = [t for t in result.tests if t.opt_level == 0]
    assert o0[0].status is TestStatus.PASS
    assert o0[1].status is TestStatus.ERROR and o0[1].input == "times_nine(0)"
    assert "took longer than 1 s" in o0[1].message and "never exits" in o0[1].message
    assert all(t.status is TestStatus.NOT_RUN for t in o0[2:])
    assert "could not run after that" in result.message
    assert processes_under(builds) == []
    assert list(builds.iterdir()) == []  # the temp folder is gone too


def test_a_flood_of_output_is_capped_and_the_code_still_passes() -> None:
    result = run("times_nine", "tn_flood.rs")
    assert result.status is Status.PASS, result.message


def test_a_panic_shows_its_message_and_line() -> None:
    result = run("times_nine", "tn_panic.rs")
    assert result.status is Status.FAIL
    panicked = [t for t in result.tests if t.status is TestStatus.ERROR]
    assert {t.input for t in panicked} == {"times_nine(0)"}
    assert "zero is not welcome here" in panicked[0].message and "line 5" in panicked[0].message
    assert sum(t.status is TestStatus.PASS for t in result.tests) == len(result.tests) - len(panicked)


def test_plain_rust_overflow_panics_are_reported_per_case() -> None:
    result = run("times_nine", "tn_mul.rs")
    overflow = [t for t in result.tests if t.status is TestStatus.ERROR]
    assert overflow and all(t.opt_level == 0 for t in overflow)
    assert "attempt to multiply with overflow" in overflow[0].message


# -- files that are not solutions ----------------------------------------------------------

@pytest.mark.parametrize(("source", "words"), [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("// " + "x" * 100 + "\n" * 1 + ("// filler line\n" * 80_000), "too large"),
])
def test_odd_files_get_a_plain_error(source: str, words: str) -> None:
    result = grade(PACK.exercises["times_nine"], source, use_cache=False)
    assert result.status is Status.ERROR and words in result.message
    assert result.tests == [] and result.checks == []


def test_a_file_defining_nothing_says_which_function_to_write() -> None:
    result = run("times_nine", "nothing.rs")
    assert result.status is Status.ERROR
    (diag,) = result.diagnostics
    assert diag.line is None  # the driver's line is never shown as the learner's
    assert "Define `fn times_nine(x: u64) -> u64`" in diag.message and "top level" in diag.message


def test_a_wrong_signature_says_exactly_which_is_expected() -> None:
    result = run("times_nine", "tn_wrong_sig.rs")
    assert result.status is Status.ERROR
    (diag,) = result.diagnostics
    assert diag.line is None and diag.code == "E0308"
    assert "expected exactly `fn times_nine(x: u64) -> u64`" in diag.message
    assert "__asm_tutor_driver" not in diag.rendered and "__FN" not in diag.rendered


def test_garbage_and_nul_bytes_do_not_crash_the_tutor() -> None:
    result = grade(PACK.exercises["times_nine"], "fn times_nine(\0 \udcff }}}", use_cache=False)
    assert result.status is Status.ERROR and result.diagnostics


def test_an_exercise_for_another_architecture_is_one_sentence() -> None:
    other = "aarch64" if ARCH == "x86_64" else "x86_64"
    exercise = dataclasses.replace(PACK.exercises["times_nine"], arch=(other,))
    result = grade(exercise, exercise.solution(other), use_cache=False)
    assert result.status is Status.ERROR
    assert result.message.count(".") == 1 and other in result.message and ARCH in result.message


# -- cancel, seed, cache ---------------------------------------------------------------------

def test_cancel_before_start_returns_at_once() -> None:
    cancel = threading.Event()
    cancel.set()
    result = run("times_nine", "tn_helper.rs", cancel=cancel)
    assert result.status is Status.ERROR and result.message == CANCELLED


def test_cancel_kills_the_running_test_processes(builds: Path) -> None:
    exercise = dataclasses.replace(PACK.exercises["times_nine"], time_limit=30.0)
    cancel = threading.Event()
    box: list[GradeResult] = []
    worker = threading.Thread(target=lambda: box.append(
        grade(exercise, (FIXTURES / "tn_loop.rs").read_text(), cancel=cancel, use_cache=False)))
    worker.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any("test_o" in c for c in processes_under(builds)):
        time.sleep(0.01)
    assert any("test_o" in c for c in processes_under(builds)), "the test binary never started"
    cancel.set()
    worker.join(timeout=10)
    assert not worker.is_alive(), "grade() did not return after cancel"
    assert box[0].status is Status.ERROR and box[0].message == CANCELLED
    assert processes_under(builds) == []


def test_seed_is_reported_and_reproduces_the_same_cases() -> None:
    source = (FIXTURES / "tn_helper.rs").read_text()
    exercise = PACK.exercises["times_nine"]
    first = grade(exercise, source, use_cache=False)
    again = grade(exercise, source, use_cache=False, seed=first.seed)
    other = grade(exercise, source, use_cache=False, seed=(first.seed or 0) + 1)
    inputs = [t.input for t in first.tests]
    assert inputs == [t.input for t in again.tests]
    assert inputs != [t.input for t in other.tests]
    assert other.seed == (first.seed or 0) + 1


@pytest.mark.own_cache
def test_an_unchanged_recheck_comes_from_the_cache(tmp_path: Path) -> None:
    exercise = PACK.exercises["max_u64"]
    source = exercise.solution(ARCH)
    first = grade(exercise, source)
    second = grade(exercise, source)
    assert not first.cached and second.cached
    strip = lambda r: {k: v for k, v in r.to_json().items() if k != "duration_ms"}  # noqa: E731
    assert strip(first) == strip(second) and second.assembly == first.assembly
    assert second.assembly_o3 == first.assembly_o3 != ""
    entries = list((tmp_path / "cache" / "asm-tutor" / "results").glob("*.json"))
    assert len(entries) == 1
    changed = grade(exercise, source + "\n// edited\n")
    assert not changed.cached
    assert not grade(exercise, source, seed=12345).cached  # another seed is another result


@pytest.mark.own_cache
def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path) -> None:
    exercise = PACK.exercises["times_nine"]
    source = exercise.solution(ARCH)
    grade(exercise, source)
    (entry,) = (tmp_path / "cache" / "asm-tutor" / "results").glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    result = grade(exercise, source)
    assert not result.cached and result.status is Status.PASS


# -- the JSON form -----------------------------------------------------------------------------

ISSUE_FIELDS = {"version", "exercise", "status", "message", "tests", "checks", "diagnostics", "duration_ms"}


def test_json_has_exactly_the_issue_fields_plus_the_seed_and_the_sandbox() -> None:
    failing = run("times_nine", "tn_panic.rs").to_json()
    broken = run("times_nine", "diag/no_unsafe.rs").to_json()
    # `seed` so failures reproduce; `sandbox` says whether the learner's code ran confined.
    assert set(failing) == ISSUE_FIELDS | {"seed", "sandbox"} == set(broken)
    assert failing["version"] == 2
    assert failing["status"] == "fail" and broken["status"] == "error"
    assert {frozenset(t) for t in failing["tests"]} == {
        frozenset({"name", "status", "message", "input", "expected", "actual", "opt_level"})}
    assert {frozenset(c) for c in failing["checks"]} == {frozenset({"name", "status", "message"})}
    assert {frozenset(d) for d in broken["diagnostics"]} == {
        frozenset({"level", "code", "message", "line", "column", "hint"})}
    assert {t["status"] for t in failing["tests"]} <= {"pass", "fail", "error", "not_run"}


# -- spec features beyond fixed/edge/random cases -------------------------------------------------

def test_properties_run_at_both_levels_and_report_their_label_or_expression() -> None:
    from asm_tutor.pack.model import Property

    exercise = PACK.exercises["times_nine"]
    tests = dataclasses.replace(exercise.tests, random=2, properties=(
        Property("nine", "times_nine(1) == 9", label="one times nine is nine"), Property("ten", "times_nine(1) == 10")))
    result = grade(dataclasses.replace(exercise, tests=tests), exercise.solution(ARCH), use_cache=False)
    props = {(t.name, t.opt_level): t for t in result.tests if t.name.startswith("property")}
    assert {t.status for (name, _), t in props.items() if name == "property: nine"} == {TestStatus.PASS}
    assert props[("property: nine", 0)].input == "one times nine is nine"  # its label, not its expression
    ten = props[("property: ten", 3)]
    assert ten.status is TestStatus.FAIL and ten.input == "times_nine(1) == 10" and ten.actual == "false"
    assert result.status is Status.FAIL and result.message.startswith("1 of ")


def test_properties_are_decided_by_the_judge_on_the_values_the_function_returned() -> None:
    """The learner's program only records what its function returned; the judge replays those
    values into the property. A string survives the trip with its escapes and non-ASCII."""
    from asm_tutor.pack.model import Property

    exercise = PACK.exercises["cpu_vendor"]
    tests = dataclasses.replace(exercise.tests, reference={}, cases=(), properties=(
        Property("twelve bytes", "cpu_vendor().map_or(false, |v| v.len() == 12)"),
        Property("as written", 'cpu_vendor() == Some("tab\\t \\"é\\" \\u{7}!?".to_string())'),
        Property("stable", "cpu_vendor() == cpu_vendor()")))
    odd = dataclasses.replace(exercise, tests=tests, checks=(), require_asm=False)
    source = 'fn cpu_vendor() -> Option<String> { Some("tab\\t \\"é\\" \\u{7}!?".into()) }\nfn main() {}\n'
    result = grade(odd, source, use_cache=False)
    verdicts = {(t.name, t.opt_level): t.status for t in result.tests}
    assert verdicts == {(f"property: {name}", level): status for level in (0, 3) for name, status in (
        ("twelve bytes", TestStatus.FAIL), ("as written", TestStatus.PASS), ("stable", TestStatus.PASS))}, result.to_json()


def test_a_return_type_the_runtime_does_not_format_is_reported_as_debug_prints_it() -> None:
    from asm_tutor.pack.model import Signature, TestCase

    exercise = PACK.exercises["times_nine"]
    source = ("use std::arch::asm;\n"
              "fn split(x: u64) -> (u32, [u8; 2]) {\n"
              "    let hi: u64;\n"
              "    unsafe { asm!(\"mov {0}, {1}\", \"shr {0}, 32\", out(reg) hi, in(reg) x) };\n"
              "    (hi as u32, [x as u8, 7])\n"
              "}\n"
              "fn main() {}\n")
    function = Signature(name="split", params=exercise.function.params, returns="(u32, [u8; 2])")
    tests = dataclasses.replace(exercise.tests, edge=False, random=0, reference={"*": "((x >> 32) as u32, [x as u8, 9])"},
                                cases=(TestCase(args=("0x1_0000_0002",), expected=None),))
    result = grade(dataclasses.replace(exercise, function=function, tests=tests, checks=()), source, use_cache=False)
    failing = [t for t in result.tests if t.status is TestStatus.FAIL]
    assert failing and failing[0].expected == "(1, [2, 9])" and failing[0].actual == "(1, [2, 7])"
    assert failing[0].input == "split(4294967298)"


def test_a_broken_reference_is_not_blamed_on_a_learner_line() -> None:
    exercise = PACK.exercises["times_nine"]
    tests = dataclasses.replace(exercise.tests, reference={"*": "x.wrapping_mul(9u32)"})
    result = grade(dataclasses.replace(exercise, tests=tests), exercise.solution(ARCH), use_cache=False)
    assert result.status is Status.ERROR
    assert result.diagnostics == []  # the learner's file compiled: nothing to show at its lines
    assert "hidden tests could not be built" in result.message and "not in your code" in result.message


@pytest.mark.parametrize("edition", ["2015", "2018", "2024"])
def test_the_driver_builds_in_every_edition(edition: str) -> None:
    result = run("max_u64", "seed_max_u64.rs", edition=edition)
    assert result.status is Status.PASS, result.to_json()


def test_compiled_code_the_checks_cannot_read_makes_every_check_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import asm_tutor.grader.objfile as objfile

    monkeypatch.setattr(objfile, "MAX_FILE", 0)  # every object is "too large" to read
    result = run("times_nine", "tn_helper.rs")
    assert result.status is Status.ERROR and "The checks could not read your compiled code" in result.message
    assert result.checks and all(c.status is TestStatus.ERROR for c in result.checks)
    assert all(t.status is TestStatus.PASS for t in result.tests)  # the tests still ran


def test_a_cached_compile_error_keeps_rustcs_rendered_text() -> None:
    exercise = PACK.exercises["times_nine"]
    source = (FIXTURES / "diag" / "no_unsafe.rs").read_text()
    first, second = grade(exercise, source), grade(exercise, source)
    assert second.cached and second.diagnostics[0].rendered == first.diagnostics[0].rendered != ""


def test_a_changed_copy_of_the_exercise_is_not_answered_from_the_cache() -> None:
    exercise = PACK.exercises["times_nine"]
    source = exercise.solution(ARCH)
    grade(exercise, source)
    assert not grade(dataclasses.replace(exercise, time_limit=2.0), source).cached


def test_a_clobbered_input_register_only_shows_at_o3() -> None:
    result = run("times_nine", "tn_clobber_input.rs")
    assert result.status is Status.FAIL
    failing = [t for t in result.tests if t.status is not TestStatus.PASS]
    assert failing and {t.opt_level for t in failing} == {3}
    assert all(t.expected != t.actual and t.message.startswith("Wrong answer") for t in failing)


@pytest.mark.parametrize(("fixture", "words"), [
    ("tn_alloc.rs", "more memory than a test may use"),  # the test binary's own RLIMIT_AS
    ("tn_ud2.rs", "SIGILL: the CPU met an illegal instruction"),
    ("tn_div0.rs", "SIGFPE: an arithmetic fault such as division by zero"),
    ("tn_int3.rs", "breakpoint trap (SIGTRAP"),
    ("tn_recursion.rs", "overflowed the stack"),
    ("tn_exit.rs", "exited in the middle of the case"),
])
def test_each_way_of_dying_is_explained_on_its_case(fixture: str, words: str) -> None:
    result = run("times_nine", fixture)
    assert result.status is Status.FAIL
    died = [t for t in result.tests if t.status is TestStatus.ERROR]
    assert {t.input for t in died} == {"times_nine(2)"} and {t.opt_level for t in died} == {0, 3}
    assert all(words in t.message for t in died), died[0].message
    assert all(t.status is TestStatus.PASS for t in result.tests if t.input != "times_nine(2)")


# -- the prebuilt runtime and judges -------------------------------------------------------------

@pytest.mark.own_cache
def test_the_runtime_and_the_judge_are_built_once_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forget_all()
    exercise = PACK.exercises["times_nine"]
    assert run("times_nine", "tn_helper.rs").status is Status.PASS
    cache = tmp_path / "cache" / "asm-tutor"
    (rlib,) = (cache / "runtime").glob("*/libasm_tutor_rt.rlib")
    (judge,) = (cache / "judge").glob("*/judge")
    built_at = rlib.stat().st_mtime_ns, judge.stat().st_mtime_ns
    forget_all()  # as a new process would: found in the cache
    assert grade(exercise, exercise.solution(ARCH), use_cache=False).status is Status.PASS
    assert (rlib.stat().st_mtime_ns, judge.stat().st_mtime_ns) == built_at
    assert not list(cache.glob("*/*/.build-*"))  # no half-built leftovers


def test_without_a_writable_cache_the_runtime_and_judge_are_built_for_the_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forget_all()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert run("times_nine", "tn_helper.rs").status is Status.PASS


# -- linking against the toolchain's shared std ----------------------------------------------

def test_the_shared_std_is_found_and_handed_to_the_test_binaries(tmp_path: Path) -> None:
    from asm_tutor.grader import runtime
    from asm_tutor.toolchain import require_grading_toolchain

    prepared = runtime.prepare(require_grading_toolchain(), tmp_path, None)
    assert prepared is not None and prepared.rlib.is_file()
    if prepared.paths.std_dylib_dir is None:
        pytest.skip("this rustc ships no shared std: checks link statically")
    assert any(prepared.paths.std_dylib_dir.glob("libstd-*.so"))
    env = prepared.env()
    assert env is not None and env["LD_LIBRARY_PATH"].split(os.pathsep)[0] == str(prepared.paths.std_dylib_dir)


@pytest.mark.own_cache  # the result and the runtime of another link would be found
def test_checks_link_statically_when_the_toolchain_ships_no_shared_std(monkeypatch: pytest.MonkeyPatch) -> None:
    from asm_tutor.grader import runtime

    monkeypatch.setattr(runtime, "_std_dylib_dir", lambda sysroot, toolchain: None)
    forget_all()  # as a new process: the cache of this test only
    result = run("times_nine", "seed_times_nine.rs")
    assert result.status is Status.PASS, result.message
    assert [p.std_dylib_dir for p in runtime._paths.values()] == [None]  # it did link statically


@pytest.mark.own_cache  # the result and the runtime of another link would be found
def test_checks_link_through_cc_when_rust_lld_cannot_be_used_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    from asm_tutor.grader import linker, runtime

    monkeypatch.setattr(linker, "direct_flags", lambda *args: ())
    forget_all()  # as a new process: the cache of this test only
    result = run("max_u64", "seed_max_u64.rs")
    assert result.status is Status.PASS, result.message
    assert [p.link_flags for p in runtime._paths.values()] == [("-C", "prefer-dynamic")]


def test_rust_lld_is_used_directly_only_where_the_toolchain_has_it(tmp_path: Path) -> None:
    from asm_tutor.grader import linker, runtime
    from asm_tutor.toolchain import require_grading_toolchain

    toolchain = require_grading_toolchain()
    paths = runtime.toolchain_paths(toolchain)
    if paths.std_dylib_dir is None:
        pytest.skip("this rustc ships no shared std: checks link statically, through cc")
    assert linker.direct_flags(paths.compiler, tmp_path, toolchain.host, paths.std_dylib_dir) == ()  # no rust-lld there
    # Flags that do not link are turned down by the trial link, not used.
    assert not linker._links_and_runs(paths.compiler, ("-C", "link-arg=-lno_such_library_anywhere"), paths.std_dylib_dir)


def test_source_checks_read_what_the_asm_block_declares() -> None:
    """`asm_declares` / `asm_omits` look at the block as written: options, operand kinds, clobber_abi."""
    from asm_tutor.pack.model import CheckKind, InstructionCheck

    exercise = PACK.exercises["times_nine"]
    checks = (
        InstructionCheck("says nomem", CheckKind.ASM_DECLARES, ("nomem",), "say nomem"),
        InstructionCheck("uses a const", CheckKind.ASM_DECLARES, ("const",), "use a const operand"),
        InstructionCheck("Intel syntax", CheckKind.ASM_OMITS, ("att_syntax",), "write Intel syntax"),
        InstructionCheck("no pure", CheckKind.ASM_OMITS, ("pure", "clobber_abi"), "no pure here"),
    )
    result = grade(dataclasses.replace(exercise, checks=checks), exercise.solution(ARCH), use_cache=False)
    by_name = {c.name: c for c in result.checks}
    assert by_name["says nomem"].status is TestStatus.PASS and by_name["Intel syntax"].status is TestStatus.PASS
    assert (by_name["uses a const"].status, by_name["uses a const"].message) == (TestStatus.FAIL, "use a const operand")
    line = next(n for n, text in enumerate(exercise.solution(ARCH).splitlines(), 1) if "asm!(" in text)
    assert by_name["no pure"].message == f"no pure here (The block at line {line} has pure.)"
