"""Progress as plain data: what a learner did, per pack, per exercise and per lesson.

The data knows nothing of files: its TOML form is `asm_tutor.progress.file_format`.
Two copies of one profile's progress (another machine's, an export) are combined
by `merge_progress`, which never loses a record.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from asm_tutor.pack.model import ItemKind


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class ExerciseStatus(StrEnum):
    NOT_STARTED = "not_started"
    ATTEMPTED = "attempted"
    PASSED = "passed"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]


_STATUS_RANK = {ExerciseStatus.NOT_STARTED: 0, ExerciseStatus.ATTEMPTED: 1, ExerciseStatus.PASSED: 2}


@dataclass
class ExerciseRecord:
    status: ExerciseStatus = ExerciseStatus.NOT_STARTED
    checks: int = 0
    started: datetime | None = None
    first_attempt: datetime | None = None
    last_attempt: datetime | None = None
    passed_at: datetime | None = None
    hints: int = 0
    solution_viewed: bool = False
    draft: str | None = None
    draft_at: datetime | None = None
    cursor: tuple[int, int] | None = None  # (line, column), 0-based, in the draft: where editing resumes
    # The code of the latest check that passed, kept when a later draft breaks it: an
    # instructor's `asm-tutor grade` regrades it, so a pass in an export is never taken on trust.
    passed_code: str | None = None
    passed_code_at: datetime | None = None
    # The pass came in with `progress import` (another machine's word), not from a check here.
    imported_pass: bool = False

    @property
    def passed(self) -> bool:
        return self.status is ExerciseStatus.PASSED

    @property
    def time_to_pass(self) -> timedelta | None:
        """From first touching the exercise (or the first check) to the first pass."""
        start = _earliest(self.started, self.first_attempt)
        if self.passed_at is None or start is None:
            return None
        return max(self.passed_at - start, timedelta(0))

    def touch(self, when: datetime) -> None:
        if self.started is None or when < self.started:
            self.started = when


@dataclass
class LessonRecord:
    read: bool = False
    read_at: datetime | None = None
    position: float | None = None  # how far down the lesson the learner was (0 top, 1 end)


@dataclass(frozen=True)
class Place:
    """Where the learner was: a lesson or an exercise of the pack."""

    kind: ItemKind
    id: str
    at: datetime | None = None


@dataclass
class PackProgress:
    id: str
    version: str | None = None
    updated: datetime | None = None
    last: Place | None = None
    exercises: dict[str, ExerciseRecord] = field(default_factory=dict)
    lessons: dict[str, LessonRecord] = field(default_factory=dict)

    def exercise(self, exercise_id: str) -> ExerciseRecord:
        """The record for an exercise; a fresh not-started one if there is none (not stored)."""
        return self.exercises.get(exercise_id) or ExerciseRecord()

    def lesson_read(self, lesson_id: str) -> bool:
        record = self.lessons.get(lesson_id)
        return bool(record and record.read)

    def lesson_position(self, lesson_id: str) -> float | None:
        record = self.lessons.get(lesson_id)
        return record.position if record else None

    @property
    def is_empty(self) -> bool:
        return not self.exercises and not self.lessons and self.last is None


@dataclass
class Progress:
    """Everything in one profile's file."""

    profile: str | None = None
    updated: datetime | None = None
    packs: dict[str, PackProgress] = field(default_factory=dict)

    def pack(self, pack_id: str) -> PackProgress:
        """The pack's progress, created (in memory) if missing."""
        if pack_id not in self.packs:
            self.packs[pack_id] = PackProgress(id=pack_id)
        return self.packs[pack_id]

    def copy(self) -> Progress:
        return copy.deepcopy(self)


# --------------------------------------------------------------------------- merging


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


def merge_exercise(a: ExerciseRecord, b: ExerciseRecord) -> ExerciseRecord:
    """Both records combined: the better status, the larger counts, the newer draft."""
    a_draft_time = a.draft_at or a.last_attempt
    b_draft_time = b.draft_at or b.last_attempt
    take_b_draft = b.draft is not None and (
        a.draft is None or (b_draft_time is not None and (a_draft_time is None or b_draft_time > a_draft_time))
    )
    take_b_code = b.passed_code is not None and (
        a.passed_code is None or (b.passed_code_at is not None and (a.passed_code_at is None or b.passed_code_at > a.passed_code_at))
    )
    status = a.status if a.status.rank >= b.status.rank else b.status
    return ExerciseRecord(
        status=status,
        checks=max(a.checks, b.checks),
        started=_earliest(a.started, b.started),
        first_attempt=_earliest(a.first_attempt, b.first_attempt),
        last_attempt=_latest(a.last_attempt, b.last_attempt),
        passed_at=_earliest(a.passed_at, b.passed_at),
        hints=max(a.hints, b.hints),
        solution_viewed=a.solution_viewed or b.solution_viewed,
        draft=b.draft if take_b_draft else a.draft,
        draft_at=b.draft_at if take_b_draft else a.draft_at,
        cursor=b.cursor if take_b_draft else a.cursor,
        passed_code=b.passed_code if take_b_code else a.passed_code,
        passed_code_at=b.passed_code_at if take_b_code else a.passed_code_at,
        # A pass either side checked itself is a checked pass; one only claimed stays imported.
        imported_pass=status is ExerciseStatus.PASSED and not any(r.passed and not r.imported_pass for r in (a, b)),
    )


def merge_pack(a: PackProgress, b: PackProgress) -> PackProgress:
    b_newer = b.updated is not None and (a.updated is None or b.updated > a.updated)
    out = PackProgress(
        id=a.id,
        version=(b.version or a.version) if b_newer else (a.version or b.version),
        updated=_latest(a.updated, b.updated),
        exercises=dict(a.exercises),
        lessons=dict(a.lessons),
    )
    if a.last and b.last:
        out.last = b.last if (b.last.at and (a.last.at is None or b.last.at > a.last.at)) else a.last
    else:
        out.last = a.last or b.last
    for exercise_id, record in b.exercises.items():
        mine = out.exercises.get(exercise_id)
        out.exercises[exercise_id] = merge_exercise(mine, record) if mine else copy.deepcopy(record)
    for lesson_id, lesson in b.lessons.items():
        mine_lesson = out.lessons.get(lesson_id)
        if mine_lesson is None:
            out.lessons[lesson_id] = copy.deepcopy(lesson)
        else:
            out.lessons[lesson_id] = LessonRecord(
                read=mine_lesson.read or lesson.read, read_at=_earliest(mine_lesson.read_at, lesson.read_at),
                position=mine_lesson.position if mine_lesson.position is not None else lesson.position,
            )
    return out


def merge_progress(a: Progress, b: Progress) -> Progress:
    """`b` merged into `a` (a's profile name kept). Neither argument is changed."""
    out = Progress(profile=a.profile, updated=_latest(a.updated, b.updated), packs=copy.deepcopy(a.packs))
    for pack_id, pack in b.packs.items():
        out.packs[pack_id] = merge_pack(out.packs[pack_id], pack) if pack_id in out.packs else copy.deepcopy(pack)
    return out
