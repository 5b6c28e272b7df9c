"""Progress as plain data: what a learner did, per pack, per exercise and per lesson.

The TOML form (schema 2) of one profile's file:

    schema = 2
    profile = "alice"
    updated = 2026-11-25T13:20:00Z

    [packs.asm_basics]                 # keyed by pack id
    version = "1.0.0"                  # the pack version last seen
    updated = 2026-11-25T13:20:00Z
    last = { kind = "exercise", id = "times_nine", at = 2026-11-25T13:20:00Z }

    [packs.asm_basics.exercises.times_nine]
    status = "passed"                  # not_started | attempted | passed
    checks = 3
    started = ...                      # first touched (opened, draft, hint or check)
    first_attempt = ...
    last_attempt = ...
    passed_at = ...                    # the first pass
    hints = 2                          # hint levels revealed
    solution_viewed = false
    draft = '''...'''
    draft_at = ...

    [packs.asm_basics.lessons.why_asm]
    read = true
    read_at = ...

Timestamps are TOML offset datetimes in UTC, whole seconds. A missing
optional value is an absent key (TOML has no null). Reading is forgiving:
`progress_from_toml` keeps every well-typed value and lists what it dropped.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from asm_tutor.pack.model import ItemKind

SCHEMA = 2


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


# --------------------------------------------------------------------------- to TOML


def _put(table: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        table[key] = value


def exercise_to_toml(record: ExerciseRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"status": record.status.value, "checks": record.checks}
    _put(out, "started", record.started)
    _put(out, "first_attempt", record.first_attempt)
    _put(out, "last_attempt", record.last_attempt)
    _put(out, "passed_at", record.passed_at)
    out["hints"] = record.hints
    out["solution_viewed"] = record.solution_viewed
    _put(out, "draft", record.draft)
    _put(out, "draft_at", record.draft_at)
    return out


def progress_to_toml(progress: Progress) -> dict[str, Any]:
    out: dict[str, Any] = {"schema": SCHEMA}
    _put(out, "profile", progress.profile)
    _put(out, "updated", progress.updated)
    packs: dict[str, Any] = {}
    for pack_id, pack in sorted(progress.packs.items()):
        table: dict[str, Any] = {}
        _put(table, "version", pack.version)
        _put(table, "updated", pack.updated)
        if pack.last is not None:
            last: dict[str, Any] = {"kind": pack.last.kind.value, "id": pack.last.id}
            _put(last, "at", pack.last.at)
            table["last"] = last
        if pack.exercises:
            table["exercises"] = {k: exercise_to_toml(v) for k, v in sorted(pack.exercises.items())}
        if pack.lessons:
            table["lessons"] = {
                k: {"read": v.read} | ({"read_at": v.read_at} if v.read_at else {})
                for k, v in sorted(pack.lessons.items())
            }
        packs[pack_id] = table
    out["packs"] = packs
    return out


# --------------------------------------------------------------------------- from TOML


class _Reader:
    """Pulls typed values out of untrusted tables, noting each one it has to drop."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def table(self, data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem(f"{where}{key}", f"must be a table, not {_kind(value)}")
            return {}
        return value

    def get_str(self, data: dict[str, Any], key: str, where: str) -> str | None:
        if key not in data:
            return None
        value = data[key]
        if not isinstance(value, str):
            self.problem(f"{where}{key}", f"must be a string, not {_kind(value)}")
            return None
        return value

    def get_int(self, data: dict[str, Any], key: str, where: str) -> int:
        if key not in data:
            return 0
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(f"{where}{key}", f"must be a whole number ≥ 0, not {_kind(value)}")
            return 0
        return value

    def get_bool(self, data: dict[str, Any], key: str, where: str) -> bool:
        if key not in data:
            return False
        value = data[key]
        if not isinstance(value, bool):
            self.problem(f"{where}{key}", f"must be true or false, not {_kind(value)}")
            return False
        return value

    def get_time(self, data: dict[str, Any], key: str, where: str) -> datetime | None:
        if key not in data:
            return None
        value = data[key]
        parsed = parse_time(value)
        if parsed is None:
            self.problem(f"{where}{key}", f"must be a date and time, not {_kind(value)}")
        return parsed

    def unknown(self, data: dict[str, Any], known: set[str], where: str) -> None:
        # Unknown keys are kept out (a later tutor may know them; this one cannot round-trip them).
        for key in data:
            if key not in known:
                self.problem(f"{where}{key}", "is not a known field")


def parse_time(value: Any) -> datetime | None:
    """A TOML datetime or an ISO 8601 string, as an aware UTC datetime; None if neither."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}
    for kind, name in names.items():
        if type(value) is kind:
            return name
    return type(value).__name__


_EXERCISE_KEYS = {
    "status", "checks", "started", "first_attempt", "last_attempt", "passed_at",
    "hints", "solution_viewed", "draft", "draft_at",
}  # fmt: skip


def exercise_from_toml(data: dict[str, Any], where: str, reader: _Reader) -> ExerciseRecord:
    record = ExerciseRecord(
        checks=reader.get_int(data, "checks", where),
        started=reader.get_time(data, "started", where),
        first_attempt=reader.get_time(data, "first_attempt", where),
        last_attempt=reader.get_time(data, "last_attempt", where),
        passed_at=reader.get_time(data, "passed_at", where),
        hints=reader.get_int(data, "hints", where),
        solution_viewed=reader.get_bool(data, "solution_viewed", where),
        draft=reader.get_str(data, "draft", where),
        draft_at=reader.get_time(data, "draft_at", where),
    )
    raw_status = reader.get_str(data, "status", where)
    try:
        status = ExerciseStatus(raw_status) if raw_status is not None else None
    except ValueError:
        reader.problem(f"{where}status", f"must be one of {', '.join(s.value for s in ExerciseStatus)}")
        status = None
    # A missing or bad status is rebuilt from what survives, so a pass is never forgotten.
    inferred = (
        ExerciseStatus.PASSED
        if record.passed_at
        else ExerciseStatus.ATTEMPTED
        if record.checks or record.last_attempt
        else ExerciseStatus.NOT_STARTED
    )
    record.status = inferred if status is None or inferred.rank > status.rank else status
    reader.unknown(data, _EXERCISE_KEYS, where)
    return record


def pack_from_toml(pack_id: str, data: dict[str, Any], reader: _Reader) -> PackProgress:
    where = f"packs.{pack_id}."
    pack = PackProgress(
        id=pack_id,
        version=reader.get_str(data, "version", where),
        updated=reader.get_time(data, "updated", where),
    )
    if "last" in data:
        last = data["last"]
        kind = last.get("kind") if isinstance(last, dict) else None
        item = last.get("id") if isinstance(last, dict) else None
        if kind in (ItemKind.LESSON.value, ItemKind.EXERCISE.value) and isinstance(item, str) and item:
            pack.last = Place(ItemKind(kind), item, parse_time(last.get("at")))
        else:
            reader.problem(f"{where}last", 'must be a table like { kind = "exercise", id = "..." }')
    for exercise_id, record in reader.table(data, "exercises", where).items():
        at = f"{where}exercises.{exercise_id}."
        if not isinstance(record, dict):
            reader.problem(at.rstrip("."), f"must be a table, not {_kind(record)}")
            continue
        pack.exercises[exercise_id] = exercise_from_toml(record, at, reader)
    for lesson_id, record in reader.table(data, "lessons", where).items():
        at = f"{where}lessons.{lesson_id}."
        if not isinstance(record, dict):
            reader.problem(at.rstrip("."), f"must be a table, not {_kind(record)}")
            continue
        pack.lessons[lesson_id] = LessonRecord(
            read=reader.get_bool(record, "read", at), read_at=reader.get_time(record, "read_at", at)
        )
        reader.unknown(record, {"read", "read_at"}, at)
    reader.unknown(data, {"version", "updated", "last", "exercises", "lessons"}, where)
    return pack


def progress_from_toml(data: dict[str, Any]) -> tuple[Progress, list[str]]:
    """The progress in a schema-2 table, and the problems found (each value dropped, with where)."""
    reader = _Reader()
    progress = Progress(profile=reader.get_str(data, "profile", ""), updated=reader.get_time(data, "updated", ""))
    for pack_id, table in reader.table(data, "packs", "").items():
        if not isinstance(table, dict):
            reader.problem(f"packs.{pack_id}", f"must be a table, not {_kind(table)}")
            continue
        progress.packs[pack_id] = pack_from_toml(pack_id, table, reader)
    reader.unknown(data, {"schema", "profile", "updated", "packs", "exported"}, "")
    return progress, reader.problems


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
    return ExerciseRecord(
        status=a.status if a.status.rank >= b.status.rank else b.status,
        checks=max(a.checks, b.checks),
        started=_earliest(a.started, b.started),
        first_attempt=_earliest(a.first_attempt, b.first_attempt),
        last_attempt=_latest(a.last_attempt, b.last_attempt),
        passed_at=_earliest(a.passed_at, b.passed_at),
        hints=max(a.hints, b.hints),
        solution_viewed=a.solution_viewed or b.solution_viewed,
        draft=b.draft if take_b_draft else a.draft,
        draft_at=b.draft_at if take_b_draft else a.draft_at,
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
                read=mine_lesson.read or lesson.read, read_at=_earliest(mine_lesson.read_at, lesson.read_at)
            )
    return out


def merge_progress(a: Progress, b: Progress) -> Progress:
    """`b` merged into `a` (a's profile name kept). Neither argument is changed."""
    out = Progress(profile=a.profile, updated=_latest(a.updated, b.updated), packs=copy.deepcopy(a.packs))
    for pack_id, pack in b.packs.items():
        out.packs[pack_id] = merge_pack(out.packs[pack_id], pack) if pack_id in out.packs else copy.deepcopy(pack)
    return out
