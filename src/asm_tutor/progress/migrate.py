"""Schema versions of the progress file, and the code that upgrades older ones.

Schema 1 (the first tutor, one built-in course and no pack ids):

    schema = 1
    last = "times_nine"              # an exercise id
    lessons_read = ["why_asm", "templates"]

    [exercises.times_nine]
    solved = true
    attempts = 3
    hints = [1, 2]                   # the hint levels revealed, as a list
    solution_viewed = false
    draft = "..."
    last_attempt = "2026-01-05T10:00:00+00:00"   # ISO strings, not TOML datetimes
    solved_at = "2026-01-05T10:02:00+00:00"

Schema 2 is the current layout, described in `asm_tutor.progress.file_format`. A file
without a `schema` key is recognised by its shape. A file from a newer tutor is
never rewritten: `NewerSchemaError` tells the store to leave it alone.

Each step is a pure function of the parsed table, so it can be tested on its own.
Values are passed through as found; type checking is the file format's job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from asm_tutor.progress.file_format import SCHEMA, parse_time

# Schema 1 files predate pack ids: all of their records belong to the built-in course.
V1_PACK_ID = "asm_basics"


class NewerSchemaError(Exception):
    def __init__(self, found: int) -> None:
        super().__init__(f"schema {found} is newer than this asm-tutor understands (up to {SCHEMA})")
        self.found = found


def detect_schema(data: dict[str, Any]) -> int:
    """The schema a parsed file claims, or the one its shape implies when the claim is missing or bad."""
    claimed = data.get("schema")
    if isinstance(claimed, int) and not isinstance(claimed, bool) and claimed >= 1:
        return claimed
    if "exercises" in data or "lessons_read" in data:
        return 1
    return SCHEMA


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    exercises: dict[str, Any] = {}
    raw_exercises = data.get("exercises", {})
    if not isinstance(raw_exercises, dict):
        raw_exercises = {}
    latest = None
    for exercise_id, old in raw_exercises.items():
        if not isinstance(old, dict):
            exercises[exercise_id] = old  # progress_from_toml reports it
            continue
        new: dict[str, Any] = {}
        attempts = old.get("attempts", 0)
        solved = old.get("solved") is True
        new["status"] = "passed" if solved else "attempted" if attempts else "not_started"
        new["checks"] = attempts
        hints = old.get("hints", [])
        if isinstance(hints, list):
            levels = [h for h in hints if isinstance(h, int) and not isinstance(h, bool) and h > 0]
            new["hints"] = max(levels, default=0)
        else:
            new["hints"] = hints
        for old_key, new_key in (
            ("solution_viewed", "solution_viewed"),
            ("draft", "draft"),
            ("last_attempt", "last_attempt"),
            ("solved_at", "passed_at"),
        ):
            if old_key in old:
                value = old[old_key]
                new[new_key] = (parse_time(value) or value) if new_key in ("last_attempt", "passed_at") else value
        # Schema 1 kept one attempt time; it is the best guess for the first and the draft's too.
        if isinstance(new.get("last_attempt"), datetime):
            new.setdefault("first_attempt", new["last_attempt"])
            if "draft" in new:
                new["draft_at"] = new["last_attempt"]
            latest = max(latest, new["last_attempt"]) if latest else new["last_attempt"]
        for key, value in old.items():
            if key not in {"attempts", "solved", "hints", "solution_viewed", "draft", "last_attempt", "solved_at"}:
                new[key] = value  # unknown: progress_from_toml reports it
        exercises[exercise_id] = new
    lessons: dict[str, Any] = {}
    read = data.get("lessons_read", [])
    if isinstance(read, list):
        for lesson_id in read:
            if isinstance(lesson_id, str):
                lessons[lesson_id] = {"read": True}
    pack: dict[str, Any] = {}
    if exercises:
        pack["exercises"] = exercises
    if lessons:
        pack["lessons"] = lessons
    last = data.get("last")
    if isinstance(last, str) and last:
        pack["last"] = {"kind": "exercise", "id": last}
    if latest is not None:
        pack["updated"] = latest
    out: dict[str, Any] = {"schema": 2, "packs": {V1_PACK_ID: pack} if pack else {}}
    for key, value in data.items():
        if key not in {"schema", "exercises", "lessons_read", "last"}:
            out[key] = value
    return out


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The table upgraded to the current schema, and the schema it started at."""
    found = detect_schema(data)
    if found > SCHEMA:
        raise NewerSchemaError(found)
    version = found
    while version < SCHEMA:
        data = MIGRATIONS[version](data)
        version += 1
    data["schema"] = SCHEMA
    return data, found
