"""The grading engine's one entry point: `grade()`.

    build (O0 ∥ O3)  →  run both test binaries ∥ objdump  →  checks  →  GradeResult

Nothing about the learner's code makes it raise: an empty file, a file that
defines nothing, a huge one or one that crashes all come back as a result
with a plain message. Only a missing or too old rustc raises ToolchainError.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.grader import cache
from asm_tutor.grader.result import CheckResult, Diagnostic, GradeResult, Status, TestResult, TestStatus
from asm_tutor.pack.model import Exercise
from asm_tutor.toolchain import ASM_STABLE_SINCE, Toolchain, ToolchainError, require_grading_toolchain

if TYPE_CHECKING:
    from asm_tutor.grader.build import Build
    from asm_tutor.grader.driver import Driver
    from asm_tutor.grader.sandbox import Outcome

# Building, running and checking are imported when a check misses the cache
# (see _build_and_run), so an unchanged re-check does not pay for them.

MAX_SOURCE_BYTES = 1024 * 1024
CANCELLED = "Check cancelled."
OBJDUMP_WALL_TIME = 60.0
OBJDUMP_OUTPUT_CAP = 256 * 1024 * 1024


def host_arch(toolchain: Toolchain | None = None) -> str:
    """The architecture grading runs on (what rustc builds for by default), e.g. `x86_64`."""
    return (toolchain or require_grading_toolchain()).arch


def default_seed(exercise: Exercise, source: str) -> int:
    """The spec's fixed seed, else one derived from the source: same code, same cases, valid cache."""
    if exercise.tests.seed is not None:
        return exercise.tests.seed
    return int.from_bytes(hashlib.sha256(source.encode("utf-8", errors="replace")).digest()[:4], "big")


def grade(
    exercise: Exercise,
    source: str,
    *,
    edition: str = "2021",
    toolchain: Toolchain | None = None,
    seed: int | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
) -> GradeResult:
    """Grade the learner's `source` for `exercise`. Raises ToolchainError only for a missing/too old rustc."""
    started = time.monotonic()
    toolchain = toolchain or require_grading_toolchain()
    if not toolchain.supports_asm:
        major, minor = ASM_STABLE_SINCE
        raise ToolchainError(f"{toolchain.describe()} is too old: asm! is stable since Rust {major}.{minor}; "
                             "update Rust (e.g. `rustup update`) and try again.")
    seed = default_seed(exercise, source) if seed is None else seed
    result = _grade(exercise, source, edition, toolchain, seed, cancel, use_cache)
    result.seed = seed
    result.duration_ms = round((time.monotonic() - started) * 1000)
    return result


def _grade(exercise: Exercise, source: str, edition: str, toolchain: Toolchain, seed: int,
           cancel: threading.Event | None, use_cache: bool) -> GradeResult:
    arch = toolchain.arch
    if not exercise.supports(arch):
        return _error(exercise, f"This exercise is written for {' and '.join(exercise.arch)}, but this "
                                f"computer is {arch}; pick another exercise.")
    if not source.strip():
        return _error(exercise, f"Your file is empty: write `{exercise.function.render()}` "
                                "(the starter code is a good beginning).")
    size = len(source.encode("utf-8", errors="replace"))
    if size > MAX_SOURCE_BYTES:
        return _error(exercise, f"Your file is too large to check ({size // 1024} KiB; "
                                f"the limit is {MAX_SOURCE_BYTES // 1024} KiB).")
    entry = cache.key(exercise, source, edition, seed, toolchain)
    if use_cache and (hit := cache.load(entry)) is not None:
        return hit
    with tempfile.TemporaryDirectory(prefix="asm-tutor-") as temp:
        result = _build_and_run(exercise, source, edition, toolchain, seed, cancel, Path(temp))
    if use_cache and result.message != CANCELLED:
        cache.store(entry, result)
    return result


def _error(exercise: Exercise, message: str, diags: list[Diagnostic] | None = None) -> GradeResult:
    return GradeResult(exercise=exercise.id, status=Status.ERROR, message=message, diagnostics=diags or [])


def _build_and_run(exercise: Exercise, source: str, edition: str, toolchain: Toolchain, seed: int,
                   cancel: threading.Event | None, work: Path) -> GradeResult:
    from asm_tutor.grader import checks, diagnostics, runtime
    from asm_tutor.grader.build import OPT_LEVELS, finished_build, rustc_job
    from asm_tutor.grader.diagnostics import LEARNER_FILE, SourceMap
    from asm_tutor.grader.driver import MAIN_RS, generate
    from asm_tutor.grader.runner import CaseRun
    from asm_tutor.grader.sandbox import Job, Limits, Runner

    arch = toolchain.arch
    driver = generate(exercise, arch)
    learner_text = source if source.endswith("\n") else source + "\n"
    learner_lines = learner_text.count("\n")
    (work / "main.rs").write_text(MAIN_RS, encoding="utf-8")
    (work / LEARNER_FILE).write_text(learner_text + driver.source, encoding="utf-8", errors="replace")
    source_map = SourceMap(
        learner_lines=learner_lines, display_name=f"{exercise.id}.rs", temp_dir=str(work),
        signature=exercise.function, signature_line=learner_lines + driver.signature_offset,
    )

    test_runtime = runtime.prepare(toolchain, work, cancel)  # built once per rustc, then cached
    if test_runtime is None:
        return _error(exercise, CANCELLED)
    with Runner() as runner:
        compiles = {runner.start(rustc_job(toolchain, work, level, edition, test_runtime)): level
                    for level in OPT_LEVELS}
        builds: dict[int, Build] = {}
        runs: dict[object, CaseRun] = {}  # running test binaries
        case_runs: list[CaseRun] = []
        objdump: object | None = None
        checked: tuple[list[CheckResult], str] = ([], "")
        # Each step starts as soon as what it needs is ready: the -O0 binary and objdump
        # run (and the checks are computed) while -O3 is still compiling.
        while runner.busy:
            for handle, outcome in runner.wait(cancel):
                if cancel is not None and cancel.is_set():
                    return _error(exercise, CANCELLED)
                broken = any(not b.ok for b in builds.values())
                if handle in compiles:
                    build = finished_build(work, compiles.pop(handle), outcome)
                    builds[build.opt_level] = build
                    if not build.ok:
                        for other in [*runs, objdump]:  # the check ends with the compiler's errors
                            if other is not None:
                                runner.kill(other)
                    elif not broken:
                        case_run = CaseRun(build.binary, build.opt_level, driver.cases, seed,
                                           exercise.time_limit, learner_lines, env=test_runtime.env())
                        case_runs.append(case_run)
                        runs[runner.start(case_run.job())] = case_run
                        if build.object is not None:
                            argv = checks.objdump_argv(arch, build.object)
                            if argv is None:
                                checked = (checks.unavailable(exercise, arch, checks.OBJDUMP_MISSING), "")
                            else:
                                limits = Limits(wall_time=OBJDUMP_WALL_TIME, output_cap=OBJDUMP_OUTPUT_CAP)
                                objdump = runner.start(Job(argv, limits, separate_stderr=True))
                elif handle is objdump:
                    if not broken:
                        checked = _checks(exercise, arch, source, builds[0], outcome)
                elif handle in runs:
                    case_run = runs.pop(handle)
                    if not broken:
                        # A run that crashed mid-way restarts from the next case.
                        case_run.absorb(outcome)
                        if not case_run.finished:
                            runs[runner.start(case_run.job())] = case_run
    if cancel is not None and cancel.is_set():
        return _error(exercise, CANCELLED)

    ordered = [builds[level] for level in sorted(builds)]
    diags = diagnostics.merge(*(diagnostics.parse(b.stderr, source_map, exercise.error_hints) for b in ordered))
    failed = [b for b in ordered if not b.ok]
    if failed:
        return _error(exercise, _compile_failure(failed[0], diags), diags)
    case_runs.sort(key=lambda run: run.opt_level)
    tests = [t for run in case_runs for t in run.test_results()]
    check_results, assembly = checked
    learner_diags = [d for d in diags if d.line is not None]
    problem = next((run.problem for run in case_runs if run.problem), "")
    result = GradeResult(exercise=exercise.id, status=Status.PASS, message="", tests=tests,
                         checks=check_results, diagnostics=learner_diags, assembly=assembly)
    result.status, result.message = _verdict(driver, tests, check_results, problem)
    return result


def _compile_failure(build: Build, diags: list[Diagnostic]) -> str:
    from asm_tutor.grader.build import COMPILE_TIME_LIMIT

    if build.outcome.timed_out:
        return f"The compiler took longer than {COMPILE_TIME_LIMIT:g} s on your file and was stopped."
    if build.outcome.start_error:
        return f"rustc could not be started: {build.outcome.start_error}."
    errors = [d for d in diags if d.level == "error"]
    if len(errors) == 1 and errors[0].line is None:
        return errors[0].message  # about the required function as a whole: already a sentence
    if errors:
        count = f"{len(errors)} errors" if len(errors) > 1 else "1 error"
        return f"Your code did not compile ({count}); the first: {errors[0].message}"
    tail = build.stderr.strip().splitlines()[-1:] or ["no message"]
    return f"The build failed at -O{build.opt_level}: {tail[0][:300]}"


def _checks(exercise: Exercise, arch: str, source: str, build0: Build,
            objdump: Outcome) -> tuple[list[CheckResult], str]:
    """The checks and the assembly listing, from objdump's answer on the -O0 object."""
    from asm_tutor.grader import checks

    if objdump.returncode != 0 or objdump.truncated:
        reason = objdump.start_error or objdump.stderr.decode("utf-8", errors="replace").strip()[:200]
        return checks.unavailable(exercise, arch, f"objdump could not read the compiled code ({reason})."), ""
    asm_text = build0.asm.read_text(encoding="utf-8", errors="replace") if build0.asm else ""
    view = checks.analyse(objdump.output.decode("utf-8", errors="replace"), asm_text, exercise.function.name)
    if view is None:
        return checks.unavailable(exercise, arch, f"`{exercise.function.name}` was not found in the compiled code."), ""
    return checks.evaluate(exercise, arch, source, view), checks.listing(view)


def _verdict(driver: Driver, tests: list[TestResult], check_results: list[CheckResult],
             problem: str) -> tuple[Status, str]:
    total = len(driver.cases)
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
    if failed_checks:
        names = ", ".join(f"“{c.name}”" for c in failed_checks)
        parts.append(f"{'a check' if len(failed_checks) == 1 else 'checks'} on the compiled code failed: {names}")
    if parts:
        text = "; ".join(parts) + "."
        return Status.FAIL, text[0].upper() + text[1:]
    if broken_checks:
        return Status.ERROR, broken_checks[0].message
    checked = f", and the compiled code passed {_count(len(check_results), 'check')}" if check_results else ""
    passed = "The test passed" if total == 1 else f"All {total} tests passed"
    return Status.PASS, f"{passed} at -O0 and -O3{checked}."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
