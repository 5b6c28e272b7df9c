"""Grading a class: every student's hand-ins through the one grading engine, side by side.

Each exercise's judge (its hidden tests, from the pack alone) is built first, once, so
the students' checks only run it; an exercise whose judge does not build is the pack's
fault, and every cell of it says so. The grader's own progress is never read or
written: this is the instructor's machine grading other people's code.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum

from asm_tutor.classroom.submissions import Student, Submission
from asm_tutor.grader.engine import grade, hidden_tests_problem
from asm_tutor.grader.result import GradeResult, Status, TestStatus
from asm_tutor.pack.model import ItemKind, Pack
from asm_tutor.toolchain import Toolchain, require_grading_toolchain

REASON_CHARS = 200  # a cell's reason is one line of a gradebook


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # it ran, and a case or a check failed
    ERROR = "error"  # it did not compile, could not be read, or the pack's tests did not build
    MISSING = "missing"  # nothing handed in


class Failure(StrEnum):
    """What a failing cell failed, for the summary's most common failures (checks go by their name)."""

    CASES = "hidden test cases"
    COMPILE = "did not compile"
    UNREADABLE = "file could not be read"
    NO_CODE = "claimed pass without code"


@dataclass
class Cell:
    exercise: str
    outcome: Outcome
    points: int
    max_points: int
    reason: str = ""  # one line: why it is not a pass ("" for a pass)
    submission: Submission | None = None
    result: GradeResult | None = None

    @property
    def claim_broken(self) -> bool:
        """The student's export says passed, and its code does not pass here."""
        return self.submission is not None and self.submission.claimed_pass and self.outcome is not Outcome.PASS

    def failures(self) -> list[str]:
        """What failed, by name: each failed check, the cases, or the build."""
        if self.outcome in (Outcome.PASS, Outcome.MISSING):
            return [Failure.NO_CODE.value] if self.claim_broken else []
        if self.result is None:
            return [Failure.UNREADABLE.value if self.submission and self.submission.code is None else self.reason]
        if self.result.status is Status.ERROR:
            return [Failure.COMPILE.value] if self.result.diagnostics else [self.reason]
        names = [c.name for c in self.result.checks if c.status is not TestStatus.PASS]
        if any(t.status is not TestStatus.PASS for t in self.result.tests):
            names.insert(0, Failure.CASES.value)
        return names


@dataclass
class Row:
    student: Student
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return sum(cell.points for cell in self.cells.values())

    @property
    def max_points(self) -> int:
        return sum(cell.max_points for cell in self.cells.values())


@dataclass
class Gradebook:
    pack: Pack
    exercises: list[str]  # in course order
    rows: list[Row]
    pack_problems: dict[str, str] = field(default_factory=dict)  # exercise → why its tests did not build
    other_arch: list[str] = field(default_factory=list)  # exercises this machine cannot grade (another arch)
    seconds: float = 0.0
    workers: int = 1

    def cells(self, exercise: str) -> list[Cell]:
        return [row.cells[exercise] for row in self.rows]

    def pass_rate(self, exercise: str) -> tuple[int, int]:
        """(passed, students)."""
        cells = self.cells(exercise)
        return sum(c.outcome is Outcome.PASS for c in cells), len(cells)

    def common_failures(self, limit: int = 8) -> list[tuple[str, str, int]]:
        """(exercise, what failed, how many students), most frequent first."""
        counts = collections.Counter((cell.exercise, what) for row in self.rows for cell in row.cells.values()
                                     for what in cell.failures())
        return [(exercise, what, n) for (exercise, what), n in counts.most_common(limit)]

    def broken_claims(self) -> list[tuple[str, str]]:
        """(student, exercise) for each claimed pass that does not regrade."""
        return [(row.student.name, cell.exercise) for row in self.rows for cell in row.cells.values()
                if cell.claim_broken]


def gradable_exercises(pack: Pack, arch: str) -> list[str]:
    """The pack's exercises for this architecture, in course order."""
    return [item.id for item in pack.course
            if item.kind is ItemKind.EXERCISE and pack.exercises[item.id].supports(arch)]


def grade_class(pack: Pack, students: list[Student], *, workers: int, toolchain: Toolchain | None = None,
                use_cache: bool = True, on_cell: Callable[[Row, Cell], None] | None = None,
                cancel: threading.Event | None = None) -> Gradebook:
    """Grade every hand-in; `on_cell` hears of each cell as it is decided (from a worker thread)."""
    started = time.monotonic()
    toolchain = toolchain or require_grading_toolchain()
    exercises = gradable_exercises(pack, toolchain.arch)
    book = Gradebook(pack, exercises, [Row(student) for student in students], workers=workers,
                     other_arch=[ex for ex in pack.exercises if ex not in exercises])
    cancel = cancel or threading.Event()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grade") as pool:
        try:
            judges = {ex: pool.submit(hidden_tests_problem, pack.exercises[ex], edition=pack.edition,
                                      toolchain=toolchain, cancel=cancel) for ex in exercises}
            for exercise, built in judges.items():
                if (problem := built.result()) is not None:
                    book.pack_problems[exercise] = problem.message()
            pending: dict[Future[GradeResult], tuple[Row, Submission]] = {}
            for row in book.rows:
                for exercise in exercises:
                    cell = _ungraded(pack, row.student, exercise, book.pack_problems.get(exercise))
                    if cell is not None:
                        _decided(row, cell, on_cell)
                        continue
                    submission = row.student.submissions[exercise]
                    check = pool.submit(grade, pack.exercises[exercise], submission.code or "",
                                        edition=pack.edition, toolchain=toolchain, use_cache=use_cache,
                                        lessons=pack.lessons, cancel=cancel)
                    pending[check] = (row, submission)
            for check in as_completed(pending):
                row, submission = pending[check]
                _decided(row, _graded(pack, submission, check.result()), on_cell)
        except BaseException:
            cancel.set()  # Ctrl-C: the running checks stop their compilers and programs
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    for row in book.rows:  # cells in course order, whatever order they finished in
        row.cells = {exercise: row.cells[exercise] for exercise in exercises}
    book.seconds = time.monotonic() - started
    return book


def _decided(row: Row, cell: Cell, on_cell: Callable[[Row, Cell], None] | None) -> None:
    row.cells[cell.exercise] = cell
    if on_cell is not None:
        on_cell(row, cell)


def _ungraded(pack: Pack, student: Student, exercise: str, pack_problem: str | None) -> Cell | None:
    """The cell decided without grading (nothing handed in, unreadable, the pack's fault), or None."""
    points = pack.exercises[exercise].points
    submission = student.submissions.get(exercise)
    if submission is None:
        return Cell(exercise, Outcome.MISSING, 0, points, "nothing handed in")
    if submission.code is None:
        outcome = Outcome.MISSING if submission.claimed_pass else Outcome.ERROR
        return Cell(exercise, outcome, 0, points, _line(submission.problem), submission)
    if pack_problem is not None:
        return Cell(exercise, Outcome.ERROR, 0, points, _line(pack_problem), submission)
    return None


def _graded(pack: Pack, submission: Submission, result: GradeResult) -> Cell:
    points = pack.exercises[submission.exercise].points
    outcome = {Status.PASS: Outcome.PASS, Status.FAIL: Outcome.FAIL, Status.ERROR: Outcome.ERROR}[result.status]
    reason = "" if outcome is Outcome.PASS else _line(result.message)
    if submission.claimed_pass and outcome is not Outcome.PASS:
        reason = f"claimed pass does not regrade: {reason}"
    return Cell(submission.exercise, outcome, points if outcome is Outcome.PASS else 0, points, reason,
                submission, result)


def _line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= REASON_CHARS else line[:REASON_CHARS - 1] + "…"
