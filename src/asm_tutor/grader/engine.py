"""The grading engine's one entry point: `grade()`.

    build (O0 ∥ O3) ∥ judge  →  run both test programs ∥ read the object  →  verdict, checks  →  GradeResult

Every program runs in the sandbox (sandbox.py); the learner's test programs report
values and the verdict is decided here, against the judge's (verdict.py).

Nothing about the learner's code makes it raise: an empty file, a file that
defines nothing, a huge one or one that crashes all come back as a result
with a plain message. Only a missing or too old rustc raises ToolchainError.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.grader import cache
from asm_tutor.grader.request import Request
from asm_tutor.grader.result import Diagnostic, GradeResult, Status
from asm_tutor.learner_file import MAX_SOURCE_BYTES
from asm_tutor.pack.model import Exercise, Lesson
from asm_tutor.toolchain import Toolchain, can_grade, require_grading_toolchain

if TYPE_CHECKING:
    from asm_tutor.grader.build import Build
    from asm_tutor.grader.judge import BuildProblem

# Building, running and checking are imported when a check misses the cache
# (see _build_and_run), so an unchanged re-check does not pay for them.

CANCELLED = "Check cancelled."


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
    lessons: Mapping[str, Lesson] | None = None,
    prefetch: Sequence[str] = (),
) -> GradeResult:
    """Grade the learner's `source` for `exercise`. Raises ToolchainError only for a missing/too old rustc.

    `lessons` are the course's (the pack's): feedback then names the lesson section that teaches
    what a failed check is about. `prefetch` names modules the caller will need for the result
    (e.g. its renderer): they are imported while the compilers run."""
    started = time.monotonic()
    toolchain = can_grade(toolchain) if toolchain is not None else require_grading_toolchain()
    seed = default_seed(exercise, source) if seed is None else seed
    request = Request(exercise, source, edition, toolchain, seed, dict(lessons or {}), tuple(prefetch))
    result = _grade(request, cancel, use_cache)
    result.seed = seed
    result.duration_ms = round((time.monotonic() - started) * 1000)
    return result


def hidden_tests_problem(exercise: Exercise, *, edition: str = "2021", toolchain: Toolchain | None = None,
                         cancel: threading.Event | None = None) -> BuildProblem | None:
    """Build the exercise's judge (its hidden tests, from the pack's reference alone) before any
    check of it: a mistake in the pack's expressions is then reported once, against the
    exercise.toml field it is in, not as every check's failure. None: they build (or cancelled)."""
    from asm_tutor.grader import judge, runtime
    from asm_tutor.grader.driver import generate

    toolchain = toolchain or require_grading_toolchain()
    with tempfile.TemporaryDirectory(prefix="asm-tutor-judge-") as temp:
        test_runtime = runtime.prepare(toolchain, Path(temp), cancel)
        if test_runtime is None:
            return None
        return judge.build_now(generate(exercise, toolchain.arch).judge, toolchain, edition, test_runtime,
                               Path(temp), cancel)


def _grade(request: Request, cancel: threading.Event | None, use_cache: bool) -> GradeResult:
    exercise, source, arch = request.exercise, request.source, request.toolchain.arch
    if not exercise.supports(arch):
        where = (f"checks here build for {arch} (`--arch`, or your profile's choice)" if request.toolchain.cross
                 else f"this computer is {arch}")
        return _error(exercise, f"This exercise is written for {' and '.join(exercise.arch)}, but {where}; "
                                "pick another exercise.")
    if not source.strip():
        return _error(exercise, f"Your file is empty: write `{exercise.function.render()}` "
                                "(the starter code is a good beginning).")
    size = len(source.encode("utf-8", errors="replace"))
    if size > MAX_SOURCE_BYTES:
        return _error(exercise, f"Your file is too large to check ({size // 1024} KiB; "
                                f"the limit is {MAX_SOURCE_BYTES // 1024} KiB).")
    entry = cache.key(request)
    if use_cache and (hit := cache.load(entry)) is not None:
        return hit
    with tempfile.TemporaryDirectory(prefix="asm-tutor-") as temp:
        result = _build_and_run(request, cancel, Path(temp))
    if use_cache and result.message != CANCELLED:
        cache.store(entry, result)
    return result


def _error(exercise: Exercise, message: str, diags: list[Diagnostic] | None = None) -> GradeResult:
    return GradeResult(exercise=exercise.id, status=Status.ERROR, message=message, diagnostics=diags or [])


def _build_and_run(request: Request, cancel: threading.Event | None, work: Path) -> GradeResult:
    from asm_tutor.grader import advice, crate, diagnostics, file_shape, runtime, sandbox, verdict
    from asm_tutor.grader.diagnostics import SourceMap
    from asm_tutor.grader.driver import generate
    from asm_tutor.grader.pipeline import Pipeline, evaluate_checks

    exercise, source, edition, toolchain, seed = (request.exercise, request.source, request.edition,
                                                  request.toolchain, request.seed)
    arch = toolchain.arch
    shape = file_shape.read(source)
    if (refused := shape.refusal()) is not None:
        text = file_shape.refusal_message(refused)
        return _error(exercise, text, [Diagnostic(level="error", message=text, line=refused.line, column=1,
                                                  rendered=text)])
    # How the file was built (a library, without `fn main`): said, never an error.
    notes = [Diagnostic(level="note", message=text, rendered=text) for text in shape.notes()]
    driver = generate(exercise, arch, shape)
    learner_lines = crate.learner_lines(source)
    sandbox.prepare_work_folder(work)
    root_lines = crate.write(work, source, driver.source, shape)
    source_map = SourceMap(
        learner_lines=learner_lines, display_name=f"{exercise.id}.rs", temp_dir=str(work),
        signature=exercise.function, signature_line=learner_lines + driver.signature_offset,
        main_line=learner_lines + driver.main_offset, root_lines=root_lines,
    )

    test_runtime = runtime.prepare(toolchain, work, cancel)  # built once per rustc, then cached
    if test_runtime is None:
        return _error(exercise, CANCELLED)
    got = Pipeline(exercise, source, driver, toolchain, test_runtime, work, seed, edition).run(cancel, request.prefetch)
    if got.cancelled:
        return _error(exercise, CANCELLED)

    ordered = [got.builds[level] for level in sorted(got.builds)]
    diags = diagnostics.merge(*(diagnostics.parse(b.stderr, source_map, exercise.error_hints) for b in ordered))
    failed = [b for b in ordered if not b.ok]
    if failed:
        result = _error(exercise, _compile_failure(failed[0], diags), diags + notes)
        result.sandbox = sandbox.status().tool
        return result
    check_results, assembly = evaluate_checks(exercise, arch, source, got, request.lessons)
    runs = sorted(got.runs, key=lambda run: run.opt_level)
    for run in runs:
        if got.refused.get(run.opt_level):
            run.refuse(got.refused[run.opt_level])
    tests = [t for run in runs for t in verdict.test_results(run, got.judgement)]
    cause = advice.crash_cause(got.view, got.promises, arch)
    advice.explain_crashes(tests, check_results, got.view is not None and got.view.undecodable_asm, cause)
    if got.judgement.problem:  # the pack's side failed: nothing could be judged
        status, message = Status.ERROR, got.judgement.problem
    else:
        problem = next((run.problem for run in runs if run.problem), "")
        status, message = verdict.decide(tests, len(driver.cases), check_results, problem)
        if problem and cause and "crashed" in problem:  # the program stopped before any case could say it
            message = f"{message} {cause}"
        if hint := advice.signed_compare(tests, exercise.function.params, arch):
            message = f"{message} {hint}"
    learner_diags = [d for d in diags if d.line is not None] + notes
    return GradeResult(exercise=exercise.id, status=status, message=message, tests=tests, checks=check_results,
                       diagnostics=learner_diags, assembly=assembly, assembly_o3=got.listing_o3,
                       sandbox=sandbox.status().tool)


def _compile_failure(build: Build, diags: list[Diagnostic]) -> str:
    from asm_tutor.grader.build import COMPILE_TIME_LIMIT, out_of_memory_message
    from asm_tutor.grader.processes import describe_signal
    from asm_tutor.safe_text import printable

    if build.outcome.timed_out:
        return f"The compiler took longer than {COMPILE_TIME_LIMIT:g} s on your file and was stopped."
    if build.outcome.start_error:
        return f"rustc could not be started: {build.outcome.start_error}."
    if build.out_of_memory:
        return out_of_memory_message()
    errors = [d for d in diags if d.level == "error"]
    if len(errors) == 1 and errors[0].line is None:
        return errors[0].message  # about the required function as a whole: already a sentence
    if errors:
        count = f"{len(errors)} errors" if len(errors) > 1 else "1 error"
        return f"Your code did not compile ({count}); the first: {errors[0].message}"
    if build.outcome.signal is not None:
        return f"The compiler stopped at -O{build.opt_level}: {describe_signal(build.outcome.signal)}."
    tail = build.stderr.strip().splitlines()[-1:] or ["no message"]
    return printable(f"The build failed at -O{build.opt_level}: {tail[0][:300]}")
