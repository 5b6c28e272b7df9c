"""`asm-tutor pack check`: everything the loader validates, then the pack against the real rustc.

Headless: this module returns a `PackCheckReport` (check_report.py: plain data, enums
for outcomes, a JSON form) and renders nothing; `asm_tutor.cmd.pack` draws the table. What is checked:

- the pack loads (every loader problem, each with file, line and field);
- every exercise's hidden tests build (its judge, from the reference, expected values and
  properties alone): a mistake there is the pack's, named by its exercise.toml field;
- every reference solution passes its hidden tests and instruction checks, for each
  architecture it is written for that this machine has a toolchain for: the host's own, and
  another one built with a cross toolchain and run under emulation (targets.py);
- every starter compiles and fails as given, unless the exercise says `starter_passes = true`
  (or shows the compile error its `starter_error` names);
- every Rust code block of every lesson behaves as tagged (see `lesson_blocks`);
- every exercise has hints (no blank ones; fewer than three levels is a warning).

Exercises (and lesson blocks) for an architecture no toolchain was found for are reported
as NOT_CHECKABLE, with the commands that would install one; that is not a failure.
Grading runs on a small thread pool (2 workers by default), and reuses the grader's
cache: it is keyed by source, spec, rustc and target, so a hit is a result
this rustc already produced for exactly this code; lesson blocks that passed are
remembered the same way. A re-check of an unchanged pack is fast. Pass
`use_cache=False` to rebuild everything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from asm_tutor.authoring.arch_plan import ArchPlan, plan
from asm_tutor.authoring.check_report import Aspect, Finding, Outcome, PackCheckReport, failure, first_line, pass_detail
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import Exercise, ItemKind, Lesson, Pack
from asm_tutor.pack.problems import PackError, find_key_line
from asm_tutor.targets import for_arch
from asm_tutor.toolchain import Toolchain, ToolchainError, can_grade

DEFAULT_WORKERS = 2
HINT_LEVELS = 3


# -- the checks ------------------------------------------------------------------------------


class _Checker:
    def __init__(self, pack: Pack, toolchain: Toolchain, use_cache: bool, cancel: threading.Event | None,
                 arches: ArchPlan) -> None:
        self.pack = pack
        self.toolchain = toolchain  # the host's: lesson blocks for no architecture in particular
        # Each architecture's toolchain, where one was found; else why not and how to get one.
        self.arches = arches
        self.toolchains = arches.toolchains
        self.use_cache = use_cache
        self.cancel = cancel

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.pack.root).as_posix()
        except ValueError:
            return str(path)

    def spec_line(self, exercise: Exercise, key: str | None, table: str | None = None, index: int = 0) -> int | None:
        try:
            text = exercise.spec_path.read_text(encoding="utf-8")
        except OSError:
            return None
        return find_key_line(text, table, key, index)

    # -- hints --

    def hints(self, exercise: Exercise) -> Finding:
        item = f"exercise {exercise.id}"
        spec = self.rel(exercise.spec_path)
        line = self.spec_line(exercise, "hints")
        real = [h for h in exercise.hints if h.strip()]
        if not real:
            return Finding(item, Aspect.HINTS, "hints", Outcome.FAIL,
                           "the exercise has no hints (every hint is blank); write three levels: "
                           "a nudge, the concept, nearly the answer",
                           file=spec, line=line, field="hints")
        blank = [str(i + 1) for i, h in enumerate(exercise.hints) if not h.strip()]
        if blank:
            return Finding(item, Aspect.HINTS, "hints", Outcome.FAIL,
                           f"hint {', '.join(blank)} is blank; remove it or write it",
                           file=spec, line=line, field="hints")
        if len(real) < HINT_LEVELS:
            return Finding(item, Aspect.HINTS, "hints", Outcome.WARN,
                           f"{len(real)} hint level(s); learners get {HINT_LEVELS} by convention: "
                           "a nudge, the concept, nearly the answer",
                           file=spec, line=line, field="hints")
        return Finding(item, Aspect.HINTS, "hints", Outcome.PASS, f"{len(real)} levels",
                       file=spec, line=line, field="hints")

    # -- grading --

    def exercise_on_host(self, exercise: Exercise, arch: str) -> list[Finding]:
        """The hidden tests build, then the solution and the starter are graded against them."""
        tests = self.hidden_tests(exercise, arch)
        rows = [tests]
        for kind, aspect in (("solution", Aspect.SOLUTION), ("starter", Aspect.STARTER)):
            if kind == "solution" and not self.pack.solutions:
                why, file = "a hand-out: the reference solutions are left out (`solutions = false`)", None
            elif tests.outcome is Outcome.FAIL:
                why, file = "not graded: the hidden tests do not build (above)", self.rel(exercise.source_path(kind, arch))
            else:
                rows.append(self.grade(exercise, kind, arch))
                continue
            rows.append(Finding(f"exercise {exercise.id}", aspect, self.what(exercise, kind, arch), Outcome.SKIPPED,
                                why, file=file, arch=arch))
        return rows

    def hidden_tests(self, exercise: Exercise, arch: str) -> Finding:
        from asm_tutor.grader.engine import hidden_tests_problem

        item, spec = f"exercise {exercise.id}", self.rel(exercise.spec_path)
        what = f"hidden tests build ({arch})"
        started = time.monotonic()
        problem = hidden_tests_problem(exercise, edition=self.pack.edition, toolchain=self.toolchains[arch],
                                       cancel=self.cancel)
        ms = int((time.monotonic() - started) * 1000)
        if problem is None:
            return Finding(item, Aspect.TESTS, what, Outcome.PASS, "from the reference, cases and properties",
                           file=spec, field="tests", arch=arch, duration_ms=ms)
        field_ = problem.field or "tests"
        code = _field_code(exercise, field_, arch)
        detail = f"does not compile: {problem.error}" + (f", in `{code}`" if code else "")
        return Finding(item, Aspect.TESTS, what, Outcome.FAIL, detail, file=spec,
                       line=self.field_line(exercise, field_), field=field_, arch=arch, duration_ms=ms)

    def field_line(self, exercise: Exercise, field_: str) -> int | None:
        """The line of a `tests` field such as `tests.cases[2]` (the case's own line when it has one)."""
        name, index = _tests_field(field_)
        if name == "properties":
            return self.spec_line(exercise, "expr", "tests.properties", index)
        line = self.spec_line(exercise, name, "tests") or self.spec_line(exercise, None, f"tests.{name}")
        if name != "cases" or line is None:
            return line
        text = exercise.spec_path.read_text(encoding="utf-8").splitlines()
        starts = [n for n in range(line - 1, len(text)) if "args" in text[n]]
        return starts[index] + 1 if index < len(starts) else line

    def not_checkable(self, exercise: Exercise, kind: str, arch: str, why: str,
                      outcome: Outcome = Outcome.NOT_CHECKABLE) -> Finding:
        aspect = Aspect.SOLUTION if kind == "solution" else Aspect.STARTER
        return Finding(f"exercise {exercise.id}", aspect, self.what(exercise, kind, arch), outcome, why,
                       file=self.rel(exercise.source_path(kind, arch)), arch=arch)

    def what(self, exercise: Exercise, kind: str, arch: str) -> str:
        if kind == "solution":
            return f"solution passes ({arch})"
        if exercise.starter_passes:
            return f"starter passes ({arch})"
        if exercise.starter_error:
            return f"starter shows its compile error ({arch})"
        return f"starter compiles and fails ({arch})"

    def grade(self, exercise: Exercise, kind: str, arch: str) -> Finding:
        from asm_tutor.grader.engine import grade
        from asm_tutor.grader.result import Status

        item = f"exercise {exercise.id}"
        aspect = Aspect.SOLUTION if kind == "solution" else Aspect.STARTER
        path = exercise.source_path(kind, arch)
        rel = self.rel(path)
        what = self.what(exercise, kind, arch)
        started = time.monotonic()
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            return Finding(item, aspect, what, Outcome.FAIL, f"cannot be read ({err})", file=rel, arch=arch)
        try:
            result = grade(exercise, source, edition=self.pack.edition, toolchain=self.toolchains[arch],
                           cancel=self.cancel, use_cache=self.use_cache, lessons=self.pack.lessons)
        except ToolchainError:
            raise
        except Exception as err:  # a grader failure is reported, not allowed to hide the rest
            return Finding(item, aspect, what, Outcome.FAIL, f"could not be graded: {type(err).__name__}: {err}",
                           file=rel, arch=arch)
        ms = int((time.monotonic() - started) * 1000)
        cached = bool(getattr(result, "cached", False))
        passed = result.status is Status.PASS
        if kind == "solution":
            if passed:
                return Finding(item, aspect, what, Outcome.PASS, pass_detail(result), file=rel,
                               arch=arch, duration_ms=ms, cached=cached)
            line, field_, detail = failure(exercise, result, self.rel(exercise.spec_path), self.spec_line)
            return Finding(item, aspect, what, Outcome.FAIL, detail, file=rel, line=line, field=field_,
                           arch=arch, duration_ms=ms, cached=cached)
        # The starter.
        if exercise.starter_passes:
            if passed:
                return Finding(item, aspect, what, Outcome.PASS, "passes, as intended", file=rel,
                               arch=arch, duration_ms=ms, cached=cached)
            _line, _field, detail = failure(exercise, result, self.rel(exercise.spec_path), self.spec_line)
            return Finding(item, aspect, what, Outcome.FAIL,
                           f"`starter_passes = true`, but the starter does not pass: {detail}",
                           file=self.rel(exercise.spec_path), line=self.spec_line(exercise, "starter_passes"),
                           field="starter_passes", arch=arch, duration_ms=ms, cached=cached)
        if passed:
            return Finding(item, aspect, what, Outcome.FAIL,
                           "the starter passes as given, so a learner passes without writing anything; "
                           "make it compile but give a wrong answer, or set `starter_passes = true` in "
                           f"{self.rel(exercise.spec_path)} if that is meant",
                           file=rel, field="starter_passes", arch=arch, duration_ms=ms, cached=cached)
        errors = [d for d in result.diagnostics if d.level == "error"]
        compiled = not errors and result.status is not Status.ERROR
        spec = self.rel(exercise.spec_path)
        if exercise.starter_error is None:
            if compiled:
                return Finding(item, aspect, what, Outcome.PASS, f"fails: {first_line(result.message)}", file=rel,
                               arch=arch, duration_ms=ms, cached=cached)
            first = errors[0].message if errors else first_line(result.message)
            at = f" (line {errors[0].line})" if errors and errors[0].line else ""
            return Finding(item, aspect, what, Outcome.FAIL,
                           f"the starter does not compile: {first}{at}. A starter should compile and give a wrong "
                           f"answer; if the compile error is the lesson (a repair), say which with "
                           f'`starter_error = "E0133"` (its code, or words of it) in {spec}',
                           file=rel, line=errors[0].line if errors else None, field="starter_error", arch=arch,
                           duration_ms=ms, cached=cached)
        wanted = exercise.starter_error
        if not compiled and any(wanted == d.code or wanted in d.message for d in errors):
            # A hint written for the starter's error that matches none of them would never be shown.
            unmatched = [i for i, h in enumerate(exercise.error_hints)
                         if not any(h.match == d.code or h.match in d.message for d in errors)]
            if unmatched:
                named = ", ".join(f'error_hints[{i}].match = "{exercise.error_hints[i].match}"' for i in unmatched)
                return Finding(item, aspect, what, Outcome.WARN,
                               f"does not compile, as intended ({wanted}), but {named} match(es) none of its errors "
                               "(fine for a hint meant for the learner's later mistakes; a typo otherwise)",
                               file=spec, field=f"error_hints[{unmatched[0]}].match",
                               line=self.spec_line(exercise, "match", "error_hints", unmatched[0]), arch=arch,
                               duration_ms=ms, cached=cached)
            return Finding(item, aspect, what, Outcome.PASS, f"does not compile, as intended ({wanted})", file=rel,
                           arch=arch, duration_ms=ms, cached=cached)
        got = (f"it fails with another error: {errors[0].message}" if errors else
               "it compiles" if compiled else first_line(result.message))
        return Finding(item, aspect, what, Outcome.FAIL, f'`starter_error = "{wanted}"`, but {got}',
                       file=spec, line=self.spec_line(exercise, "starter_error"), field="starter_error", arch=arch,
                       duration_ms=ms, cached=cached)

    # -- lessons --

    def lesson_blocks(self, lesson: Lesson) -> list[tuple[str, Any]]:
        """[(info, block)] for the lesson's Rust blocks."""
        from asm_tutor.pack.lesson_text import parse_blocks

        return [(b.info, b) for b in parse_blocks(lesson.text(), self.rel(lesson.path))]

    def block(self, lesson: Lesson, block: Any) -> Finding:
        from asm_tutor.authoring.lesson_blocks import BlockStatus, verify_block

        item = f"lesson {lesson.id}"
        rel = self.rel(lesson.path)
        what = f"block line {block.line}: {block.info or 'rust'}"
        started = time.monotonic()
        toolchain = self.toolchains.get(block.arch or self.toolchain.arch)
        if toolchain is None and not block.ignored:
            unchecked, why = self.arches.unchecked(block.arch or "")
            return Finding(item, Aspect.CODE_BLOCK, what, unchecked, why, file=rel, line=block.line, arch=block.arch)
        try:
            outcome = verify_block(block, toolchain or self.toolchain, self.pack.edition, use_cache=self.use_cache)
        except Exception as err:
            return Finding(item, Aspect.CODE_BLOCK, what, Outcome.FAIL,
                           f"could not be checked: {type(err).__name__}: {err}", file=rel, line=block.line)
        ms = int((time.monotonic() - started) * 1000)
        detail = outcome.message
        prefix = f"{block.where}: "
        if detail.startswith(prefix):
            detail = detail[len(prefix):]
        if outcome.status is BlockStatus.PASS:
            result = Outcome.PASS
        elif outcome.status is BlockStatus.FAIL:
            result = Outcome.FAIL
        else:
            result = Outcome.SKIPPED
        return Finding(item, Aspect.CODE_BLOCK, what, result, detail, file=rel, line=block.line,
                       arch=block.arch, duration_ms=ms, cached=outcome.cached)


def _identity(pack: Pack) -> list[Finding]:
    """A pack other than the built-in course must not take its id: progress is kept per id."""
    from asm_tutor.pack.registry import manifest_id
    from asm_tutor.paths import builtin_pack_dir

    builtin_root = builtin_pack_dir()
    if pack.root.resolve() == builtin_root.resolve() or _tutor_checkout(pack.root):
        return []  # the course itself, or its source checked by another install of the tutor
    if pack.id != manifest_id(builtin_root):
        return []
    try:
        line = find_key_line(pack.manifest_path.read_text(encoding="utf-8"), None, "id")
    except OSError:
        line = None
    return [Finding("pack", Aspect.PACK, "id", Outcome.FAIL,
                    f"`{pack.id}` is the built-in course's id; learners' progress is kept per pack id, so it "
                    "would mix with the built-in course's (and `pack install` refuses it): choose your own id",
                    file="pack.toml", line=line, field="id")]


def _tutor_checkout(root: Path) -> bool:
    """A checkout of asm-tutor, whose top level is the built-in course's source. Opening it
    to learn is still refused by registry.require_own_id: this only keeps `pack check` clean."""
    return (root / "src" / "asm_tutor" / "__init__.py").is_file() and (root / "pyproject.toml").is_file()


def _then(done: Callable[[list[Finding]], list[Finding]], work: Callable[..., Finding | list[Finding]],
          *args: Any) -> list[Finding]:
    """Run one check in the pool, then report it (done() tells the caller as soon as it is known)."""
    found = work(*args)
    return done(found if isinstance(found, list) else [found])


def _tests_field(field_: str) -> tuple[str, int]:
    """`tests.cases[2]` as ("cases", 2); `tests.reference` as ("reference", 0)."""
    name, _, rest = field_.removeprefix("tests.").partition("[")
    return name, int(rest.rstrip("]")) if rest else 0


def _field_code(exercise: Exercise, field_: str, arch: str) -> str:
    """The pack's own code at a `tests` field, to quote beside its compile error."""
    spec = exercise.tests
    name, index = _tests_field(field_)
    if name == "reference":
        return spec.reference_for(arch) or ""
    if name == "properties" and index < len(spec.properties):
        return spec.properties[index].expr
    if name == "cases" and index < len(spec.cases):
        case = spec.cases[index]
        return f"args = {list(case.args)}" + (f", expected = {case.expected}" if case.expected is not None else "")
    return ""


def check_pack(
    root: Path,
    *,
    toolchain: Toolchain | None = None,
    workers: int = DEFAULT_WORKERS,
    use_cache: bool = True,
    on_finding: Callable[[Finding], None] | None = None,
    cancel: threading.Event | None = None,
    only: str | None = None,
    only_exercise: str | None = None,
) -> PackCheckReport:
    """Check the pack at `root`, for every architecture this machine has a toolchain for (`only`:
    for that one alone, the others skipped). Never raises for a problem in the pack: a pack that
    does not load gives a report with `load_problems`. Raises ToolchainError when rustc is missing
    or too old, or `only`'s toolchain is not there (nothing can be checked then). `only_exercise`:
    that exercise alone (and its lesson)."""
    started = time.monotonic()
    report = PackCheckReport(root=Path(root), use_cache=use_cache)
    try:
        pack = load_pack(Path(root), only=only_exercise)
    except PackError as err:
        report.load_problems = list(err.problems)
        report.duration_s = time.monotonic() - started
        return report
    report.root = pack.root
    report.pack_id, report.title, report.version = pack.id, pack.title, pack.version
    toolchain = toolchain or can_grade(for_arch(only))
    report.host_arch = toolchain.arch
    report.rustc = toolchain.describe()
    arches = plan(pack, toolchain, only)
    checker = _Checker(pack, toolchain, use_cache, cancel, arches)
    report.unavailable, report.cross = dict(arches.missing), arches.cross()

    # Every row in course order; slow rows are futures, filled in by the pool.
    rows: list[list[Finding] | Future[list[Finding]]] = [
        [Finding("pack", Aspect.PACK, "loads", Outcome.PASS,
                 f"{len(pack.lessons)} lesson(s), {len(pack.exercises)} exercise(s)",
                 file="pack.toml")],
        _identity(pack),
    ]
    lock = threading.Lock()

    def report_done(findings: list[Finding]) -> list[Finding]:
        if on_finding is not None:
            with lock:
                for finding in findings:
                    on_finding(finding)
        return findings

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="pack-check")
    try:
        for item in pack.course:
            if item.kind is ItemKind.LESSON:
                lesson = pack.lessons[item.id]
                blocks = checker.lesson_blocks(lesson)
                if not blocks:
                    rows.append(report_done([Finding(f"lesson {lesson.id}", Aspect.LESSON, "code blocks",
                                                     Outcome.PASS, "no Rust code blocks to check",
                                                     file=checker.rel(lesson.path))]))
                for _info, block in blocks:
                    rows.append(pool.submit(_then, report_done, checker.block, lesson, block))
                continue
            exercise = pack.exercises[item.id]
            rows.append(report_done([checker.hints(exercise)]))
            for arch in exercise.arch:
                if arch in checker.toolchains:
                    rows.append(pool.submit(_then, report_done, checker.exercise_on_host, exercise, arch))
            for kind in ("solution", "starter") if pack.solutions else ("starter",):
                for arch in exercise.arch:
                    if arch not in checker.toolchains:
                        outcome, why = arches.unchecked(arch)
                        rows.append(report_done([checker.not_checkable(exercise, kind, arch, why, outcome)]))
        findings = [finding for row in rows for finding in (row.result() if isinstance(row, Future) else row)]
    except BaseException:
        if cancel is not None:
            cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    report.findings = findings
    report.duration_s = time.monotonic() - started
    return report
