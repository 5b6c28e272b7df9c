"""The verdict, decided here and only here: the learner's values against the judge's.

The learner's test program reported what its function returned (runner.py); the judge,
a process built from the pack's reference alone, reported what it should have returned
and whether each property held on the recorded values (judge.py). A case passes only
when both agree; a case with no value, for whatever reason, does not pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asm_tutor.grader.driver import CaseInfo, CaseKind
from asm_tutor.grader.result import CheckResult, Status, TestResult, TestStatus
from asm_tutor.grader.runner import CaseRun

# Why a value is wrong, by the call that returned it (runner.CaseRun.values).
WRONG_BY_CALL = (
    "Wrong answer.",
    "Wrong answer when called through a function pointer, though right when inlined: "
    "check which registers your block reads and writes (in/out/lateout).",
    "Wrong answer when inlined with its inputs unused after the call (and other values live across it), "
    "though right otherwise: the compiler may then give an output an input's register. Is a `lateout` "
    "written before the block reads its last input, or a register written that the block does not declare?",
)
NO_VALUE = "No value was reported for this case: the test program skipped it."


@dataclass
class Judgement:
    """What the judge said about one check: per case, the call and the expected value."""

    calls: dict[int, str] = field(default_factory=dict)  # e.g. "times_nine(6)"
    expected: dict[int, str] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)  # the reference itself failed on the case
    problem: str = ""  # the judge could not run at all
    holds: dict[int, dict[int, bool]] = field(default_factory=dict)  # opt level → property case → held


def test_results(run: CaseRun, judgement: Judgement) -> list[TestResult]:
    return [_result(run, judgement, info) for info in run.cases]


def _result(run: CaseRun, judgement: Judgement, info: CaseInfo) -> TestResult:
    i = info.index
    call = info.input or judgement.calls.get(i, "")
    expected = "true" if info.kind is CaseKind.PROPERTY else judgement.expected.get(i, "")

    def result(status: TestStatus, message: str = "", actual: str = "") -> TestResult:
        return TestResult(info.name, status, message, call, expected, actual, run.opt_level)

    if i in run.errors:
        return result(TestStatus.ERROR, run.errors[i])
    if i in run.not_run:
        return result(TestStatus.NOT_RUN, run.not_run[i])
    if info.kind is CaseKind.PROPERTY:
        held = judgement.holds.get(run.opt_level, {}).get(i)
        if i not in run.ended:
            return result(TestStatus.ERROR, NO_VALUE)
        if held is None:
            return result(TestStatus.ERROR, judgement.failures.get(i) or judgement.problem or
                          "The property could not be decided from what your function returned.")
        return result(TestStatus.PASS if held else TestStatus.FAIL, "" if held else "The property does not hold.",
                      "true" if held else "false")
    if i in judgement.failures or i not in judgement.expected:
        return result(TestStatus.ERROR, judgement.failures.get(i) or judgement.problem or
                      "The exercise's reference gave no value for this case.")
    if i not in run.values:
        return result(TestStatus.ERROR, NO_VALUE)
    values = run.values[i]
    for value, why in zip(values, WRONG_BY_CALL, strict=False):
        if value != expected:
            return result(TestStatus.FAIL, f"{why} Values are shown as {info.shape}." if info.shape else why, value)
    return result(TestStatus.PASS, "", values[0])


def decide(tests: list[TestResult], total: int, check_results: list[CheckResult], problem: str) -> tuple[Status, str]:
    """The overall status and message: a pass needs every case passed at both levels and every check."""
    bad_cases = {t.name for t in tests if t.status in (TestStatus.FAIL, TestStatus.ERROR)}
    not_run = {t.name for t in tests if t.status is TestStatus.NOT_RUN} - bad_cases
    failed_checks = [c for c in check_results if c.status is TestStatus.FAIL]
    broken_checks = [c for c in check_results if c.status is TestStatus.ERROR]
    parts: list[str] = []
    if problem:
        parts.append(problem.rstrip("."))
    if bad_cases:
        parts.append(f"{len(bad_cases)} of {_count(total, 'test')} did not pass"
                     + (f", and {len(not_run)} could not run after that" if not_run else ""))
    elif not_run:
        parts.append(f"{len(not_run)} of {_count(total, 'test')} did not run")
    if failed_checks:
        names = ", ".join(f"“{c.name}”" for c in failed_checks)
        parts.append(f"{'a check' if len(failed_checks) == 1 else 'checks'} on the compiled code failed: {names}")
    if parts:
        text = "; ".join(parts) + "."
        return Status.FAIL, text[0].upper() + text[1:]
    if broken_checks:
        return Status.ERROR, broken_checks[0].message
    if not tests or any(t.status is not TestStatus.PASS for t in tests):
        return Status.FAIL, "Not every test ran and passed."
    checked = f", and the compiled code passed {_count(len(check_results), 'check')}" if check_results else ""
    passed = "The test passed" if total == 1 else f"All {total} tests passed"
    return Status.PASS, f"{passed} at -O0 and -O3{checked}."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
