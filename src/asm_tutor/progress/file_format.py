"""The progress file format: `Progress` to and from the TOML of one profile's file.

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
    draft = '''...'''                  # the last code checked (or saved)
    draft_at = ...
    passed_code = '''...'''            # the code of the latest check that passed
    passed_code_at = ...
    imported_pass = true               # only when the pass came in by `progress import`

    [packs.asm_basics.lessons.why_asm]
    read = true
    read_at = ...

Timestamps are TOML offset datetimes in UTC, whole seconds. A missing
optional value is an absent key (TOML has no null). Reading is forgiving:
`progress_from_toml` keeps every well-typed value and lists what it dropped.
Older schemas are upgraded to this one by `asm_tutor.progress.migrate` first.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import tomli_w

from asm_tutor import toml_text
from asm_tutor.pack.model import ItemKind
from asm_tutor.progress.model import ExerciseRecord, ExerciseStatus, LessonRecord, PackProgress, Place, Progress

SCHEMA = 2


def dump_progress(progress: Progress) -> bytes:
    """The TOML bytes for `progress`; drafts as readable multi-line strings when that round-trips."""
    data = progress_to_toml(progress)
    text = tomli_w.dumps(data, multiline_strings=True)
    try:
        exact = toml_text.loads(text) == data
    except tomllib.TOMLDecodeError:
        exact = False
    if not exact:  # e.g. a "\r\n" inside a draft: the escaped single-line form keeps every byte
        text = tomli_w.dumps(data)
    return text.encode("utf-8")


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
    _put(out, "cursor", list(record.cursor) if record.cursor else None)
    _put(out, "passed_code", record.passed_code)
    _put(out, "passed_code_at", record.passed_code_at)
    if record.imported_pass:
        out["imported_pass"] = True
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
                | ({"position": v.position} if v.position is not None else {})
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

    def _get(self, data: dict[str, Any], key: str, where: str, default: Any, ok: Callable[[Any], bool], wanted: str) -> Any:
        """`data[key]` if present and `ok`; otherwise `default`, and a wrong value is noted."""
        if key not in data:
            return default
        value = data[key]
        if not ok(value):
            self.problem(f"{where}{key}", f"must be {wanted}, not {_kind(value)}")
            return default
        return value

    def get_str(self, data: dict[str, Any], key: str, where: str) -> str | None:
        return self._get(data, key, where, None, lambda v: isinstance(v, str), "a string")

    def get_int(self, data: dict[str, Any], key: str, where: str) -> int:
        def ok(v: Any) -> bool:
            return not isinstance(v, bool) and isinstance(v, int) and v >= 0

        return self._get(data, key, where, 0, ok, "a whole number ≥ 0")

    def get_bool(self, data: dict[str, Any], key: str, where: str) -> bool:
        return self._get(data, key, where, False, lambda v: isinstance(v, bool), "true or false")

    def get_place(self, data: dict[str, Any], key: str, where: str) -> tuple[int, int] | None:
        def ok(v: Any) -> bool:
            return (isinstance(v, list) and len(v) == 2
                    and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in v))

        value = self._get(data, key, where, None, ok, "[line, column]")
        return (value[0], value[1]) if value is not None else None

    def get_fraction(self, data: dict[str, Any], key: str, where: str) -> float | None:
        def ok(v: Any) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1

        value = self._get(data, key, where, None, ok, "a number from 0 to 1")
        return float(value) if value is not None else None

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
    "hints", "solution_viewed", "draft", "draft_at", "cursor", "passed_code", "passed_code_at", "imported_pass",
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
        cursor=reader.get_place(data, "cursor", where),
        passed_code=reader.get_str(data, "passed_code", where),
        passed_code_at=reader.get_time(data, "passed_code_at", where),
        imported_pass=reader.get_bool(data, "imported_pass", where),
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
            read=reader.get_bool(record, "read", at), read_at=reader.get_time(record, "read_at", at),
            position=reader.get_fraction(record, "position", at),
        )
        reader.unknown(record, {"read", "read_at", "position"}, at)
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
