"""The progress store: one TOML file per profile, safe against crashes, races and damage.

Every change goes through `ProgressStore.update(fn)`: take the profile's lock
(`fcntl.flock` on `<profile>.lock`), re-read the file, apply `fn` to what is on
disk now, write the result atomically, release. Two tutors open at once
therefore never lose each other's updates: each applies its change to the
other's latest state.

A damaged file (bad TOML, wrong types) is kept aside as
`<profile>.corrupt-<time>.toml`, what can be recovered is kept, and a sentence
saying so lands in `notices`. A folder that cannot be written gives a disabled
store: it still answers questions and applies changes in memory for the
session, but writes nothing, and `disabled_reason` says why.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import tomli_w

from asm_tutor.atomic import atomic_write, file_lock, remove_stale_temps
from asm_tutor.errors import UserError
from asm_tutor.pack.model import ItemKind
from asm_tutor.progress.migrate import NewerSchemaError, migrate
from asm_tutor.progress.model import (
    SCHEMA,
    ExerciseRecord,
    ExerciseStatus,
    LessonRecord,
    PackProgress,
    Place,
    Progress,
    merge_progress,
    now,
    progress_from_toml,
    progress_to_toml,
)
from asm_tutor.progress.profile import resolve_profile

T = TypeVar("T")
SALVAGE_LOOKAHEAD = 8
_HEADER = re.compile(r"^\s*\[")


class PackLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...


PackRef = PackLike | str  # a loaded Pack (id and version are recorded) or just a pack id


class ProgressError(UserError):
    """A progress operation the user asked for cannot be done; the message says why."""


def default_folder() -> Path:
    from asm_tutor import paths

    return paths.data_dir() / "progress"


def _pack_ref(pack: PackRef) -> tuple[str, str | None]:
    if isinstance(pack, str):
        return pack, None
    return pack.id, pack.version


def _clean_text(text: str) -> str:
    """Text that can always be encoded (a lone surrogate from a paste becomes U+FFFD)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def dump_progress(progress: Progress) -> bytes:
    """The TOML bytes for `progress`; drafts as readable multi-line strings when that round-trips."""
    data = progress_to_toml(progress)
    text = tomli_w.dumps(data, multiline_strings=True)
    try:
        exact = tomllib.loads(text) == data
    except tomllib.TOMLDecodeError:
        exact = False
    if not exact:  # e.g. a "\r\n" inside a draft: the escaped single-line form keeps every byte
        text = tomli_w.dumps(data)
    return text.encode("utf-8")


# --------------------------------------------------------------------------- reading


def _deep_merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def salvage_toml(text: str) -> dict[str, Any]:
    """The parts of broken TOML that still parse, table by table.

    The text is cut at each line that looks like a table header; each piece (joined
    with the next few when a header-looking line sits inside a multi-line string)
    that parses on its own is kept.
    """
    lines = text.splitlines(keepends=True)
    starts = [0] + [i for i, line in enumerate(lines) if i and _HEADER.match(line)]
    chunks = ["".join(lines[a:b]) for a, b in zip(starts, starts[1:] + [len(lines)], strict=True)]
    out: dict[str, Any] = {}
    i = 0
    while i < len(chunks):
        for j in range(i + 1, min(i + SALVAGE_LOOKAHEAD, len(chunks)) + 1):
            try:
                part = tomllib.loads("".join(chunks[i:j]))
            except tomllib.TOMLDecodeError:
                continue
            _deep_merge(out, part)
            i = j
            break
        else:
            i += 1
    return out


@dataclass
class _Loaded:
    progress: Progress
    damage: str | None = None  # why the file could not be read as it is
    problems: list[str] = field(default_factory=list)
    from_schema: int = SCHEMA
    exists: bool = False

    @property
    def needs_fix(self) -> bool:
        return bool(self.damage or self.problems or self.from_schema < SCHEMA)


def parse_progress(raw: bytes) -> _Loaded:
    """Bytes of a progress file (any schema) → what could be read. Raises NewerSchemaError."""
    damage = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        damage = "it is not UTF-8 text"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        damage = damage or f"it is not valid TOML: {err}"
        data = salvage_toml(text)
    data, found = migrate(data)
    progress, problems = progress_from_toml(data)
    return _Loaded(progress, damage, problems, found, exists=True)


def read_progress_file(path: Path) -> _Loaded:
    """Read and parse `path`; a missing file is empty progress. OSError if it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _Loaded(Progress())
    return parse_progress(raw)


def _recovered(progress: Progress) -> str:
    exercises = sum(len(p.exercises) for p in progress.packs.values())
    lessons = sum(len(p.lessons) for p in progress.packs.values())
    if not exercises and not lessons:
        return "nothing in it could be recovered"
    return (
        f"{exercises} exercise record{'s' * (exercises != 1)} and {lessons} lesson mark{'s' * (lessons != 1)} "
        "were recovered from it"
    )


def _aside_name(path: Path, label: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = path.name.removesuffix(".toml")
    candidate = path.with_name(f"{stem}.{label}-{stamp}.toml")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{stem}.{label}-{stamp}-{n}.toml")
    return candidate


def _keep_aside(path: Path, label: str) -> Path:
    """A copy of `path` under a new name. A hard link when possible: instant and atomic."""
    target = _aside_name(path, label)
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return target


# --------------------------------------------------------------------------- results


@dataclass
class ImportSummary:
    source: Path
    added: int = 0  # exercise and lesson records new to this profile
    updated: int = 0  # records that changed when merged
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # values in the file that were skipped
    from_schema: int = SCHEMA


# --------------------------------------------------------------------------- the store


class ProgressStore:
    """One profile's progress. Create with `ProgressStore.open(profile)`."""

    def __init__(self, profile: str, path: Path, state: Progress | None = None) -> None:
        self.profile = profile
        self.path = path
        self.lock_path = path.with_suffix(".lock")
        self.disabled_reason: str | None = None
        self.notices: list[str] = []
        self._state = state or Progress(profile=profile)

    # ---- opening

    @staticmethod
    def file_for(profile: str | None = None, *, folder: Path | None = None) -> Path:
        """Where a profile's progress file is (whether or not it exists yet). Creates nothing."""
        profile = resolve_profile(profile)
        return (folder if folder is not None else default_folder()) / f"{profile}.toml"

    @classmethod
    def open(cls, profile: str | None = None, *, folder: Path | None = None) -> ProgressStore:
        """The store for `profile` (resolved from --profile / env / OS user when None).

        Never raises for file-system trouble: a folder that cannot be written gives a
        disabled store; a damaged or old file is recovered or upgraded (see `notices`).
        A bad profile name raises UserError.
        """
        profile = resolve_profile(profile)
        folder = folder if folder is not None else default_folder()
        store = cls(profile, folder / f"{profile}.toml")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(store.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as err:
            store._disable(
                f"Progress is off: the folder {folder} cannot be written ({_why(err)}); "
                "point XDG_DATA_HOME at a writable folder to save progress."
            )
            with contextlib.suppress(OSError, NewerSchemaError):  # still show what is there, read-only
                store._state = read_progress_file(store.path).progress
            return store
        store.reload()
        return store

    def reload(self) -> None:
        """Read the file again (another tutor may have written it). Fixes damage if found."""
        if not self.enabled:
            return
        try:
            loaded = read_progress_file(self.path)
        except NewerSchemaError as err:
            self._disable_newer(err)
            return
        except OSError as err:
            self._disable(f"Progress is off: {self.path} cannot be read ({_why(err)}).")
            return
        if loaded.needs_fix:
            self.update(lambda state: None)  # re-read under the lock, keep aside, rewrite
        else:
            self._state = loaded.progress

    def _disable(self, reason: str) -> None:
        if self.disabled_reason is None:
            self.disabled_reason = reason
            self.notices.append(reason)

    def _disable_newer(self, err: NewerSchemaError) -> None:
        self._disable(
            f"Progress is off: {self.path} was written by a newer asm-tutor (schema {err.found}); "
            "it is left untouched — update asm-tutor to use it."
        )

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    def take_notices(self) -> list[str]:
        """The notices not yet shown, cleared."""
        notices, self.notices = self.notices, []
        return notices

    # ---- the one write path

    def _load_locked(self) -> tuple[Progress, bool]:
        """Under the lock: the state on disk with damage kept aside and old schemas upgraded."""
        loaded = read_progress_file(self.path)
        if loaded.damage or loaded.problems:
            aside = _keep_aside(self.path, "corrupt")
            reason = loaded.damage or _problem_summary(loaded.problems)
            self.notices.append(
                f"Your progress file {self.path} was damaged ({reason}); it was kept as {aside} "
                f"and {_recovered(loaded.progress)}."
            )
        elif loaded.from_schema < SCHEMA:
            backup = _keep_aside(self.path, f"schema{loaded.from_schema}")
            self.notices.append(
                f"Your progress file was upgraded from schema {loaded.from_schema} to {SCHEMA}; "
                f"the old file was kept as {backup}."
            )
        return loaded.progress, loaded.needs_fix

    def update(self, fn: Callable[[Progress], T]) -> T:
        """Apply `fn` to the latest state and save it: lock, re-read, apply, atomic write, unlock.

        `fn` mutates the Progress it is given and may return a value, which is returned.
        On a disabled store, or when the write fails, the change is kept in memory only
        and the store becomes disabled with the reason said.
        """
        if not self.enabled:
            return fn(self._state)
        applied = False
        state = self._state
        try:
            with file_lock(self.lock_path):
                remove_stale_temps(self.path)
                state, needs_fix = self._load_locked()
                before = progress_to_toml(state)
                result = fn(state)
                applied = True
                if needs_fix or progress_to_toml(state) != before:
                    state.profile = self.profile
                    state.updated = now()
                    atomic_write(self.path, dump_progress(state))
        except NewerSchemaError as err:
            self._disable_newer(err)
        except OSError as err:
            self._disable(f"Progress is off: saving to {self.path} failed ({_why(err)}); this session's progress is not saved.")
        else:
            self._state = state
            return result
        # The write did not happen: keep the change for this session only.
        if applied:
            self._state = state
            return result
        return fn(self._state)

    # ---- reading

    def snapshot(self) -> Progress:
        """A copy of everything (all packs), as last read or written."""
        return self._state.copy()

    def pack_progress(self, pack_id: str) -> PackProgress:
        """A copy of one pack's progress (empty if none); records of dropped exercises included."""
        found = self._state.packs.get(pack_id)
        return copy.deepcopy(found) if found else PackProgress(id=pack_id)

    def has_progress(self, pack_id: str) -> bool:
        found = self._state.packs.get(pack_id)
        return bool(found and not found.is_empty)

    def exercise(self, pack: PackRef, exercise_id: str) -> ExerciseRecord:
        return self.pack_progress(_pack_ref(pack)[0]).exercise(exercise_id)

    def draft(self, pack: PackRef, exercise_id: str) -> str | None:
        return self.exercise(pack, exercise_id).draft

    def lesson_read(self, pack: PackRef, lesson_id: str) -> bool:
        return self.pack_progress(_pack_ref(pack)[0]).lesson_read(lesson_id)

    def last_place(self, pack: PackRef) -> Place | None:
        return self.pack_progress(_pack_ref(pack)[0]).last

    # ---- changes

    def _pack(self, state: Progress, pack: PackRef, when: datetime) -> PackProgress:
        pack_id, version = _pack_ref(pack)
        progress = state.pack(pack_id)
        if version:
            progress.version = version
        progress.updated = when
        return progress

    def _exercise(self, state: Progress, pack: PackRef, exercise_id: str, when: datetime) -> ExerciseRecord:
        record = self._pack(state, pack, when).exercises.setdefault(exercise_id, ExerciseRecord())
        record.touch(when)
        return record

    def record_check(self, pack: PackRef, exercise_id: str, passed: bool, draft: str | None = None) -> ExerciseRecord:
        """One `check` of an exercise: counts it, marks attempted/passed, keeps the draft checked."""
        when = now()

        def apply(state: Progress) -> ExerciseRecord:
            progress = self._pack(state, pack, when)
            record = self._exercise(state, pack, exercise_id, when)
            record.checks += 1
            record.first_attempt = record.first_attempt or when
            record.last_attempt = when
            if passed:
                record.status = ExerciseStatus.PASSED
                record.passed_at = record.passed_at or when
            elif record.status is ExerciseStatus.NOT_STARTED:
                record.status = ExerciseStatus.ATTEMPTED
            if draft is not None:
                record.draft = _clean_text(draft)
                record.draft_at = when
            progress.last = Place(ItemKind.EXERCISE, exercise_id, when)
            return ExerciseRecord(**vars(record))

        return self.update(apply)

    def save_draft(self, pack: PackRef, exercise_id: str, draft: str) -> None:
        when = now()
        text = _clean_text(draft)

        def apply(state: Progress) -> None:
            record = self._exercise(state, pack, exercise_id, when)
            if record.draft != text:
                record.draft = text
                record.draft_at = when

        self.update(apply)

    def reveal_hint(self, pack: PackRef, exercise_id: str, level: int) -> int:
        """Hint `level` (1 = the first) was shown; returns the number of levels revealed so far."""
        when = now()

        def apply(state: Progress) -> int:
            record = self._exercise(state, pack, exercise_id, when)
            record.hints = max(record.hints, level)
            return record.hints

        return self.update(apply)

    def view_solution(self, pack: PackRef, exercise_id: str) -> None:
        when = now()

        def apply(state: Progress) -> None:
            self._exercise(state, pack, exercise_id, when).solution_viewed = True

        self.update(apply)

    def mark_read(self, pack: PackRef, lesson_id: str, read: bool = True) -> None:
        when = now()

        def apply(state: Progress) -> None:
            lessons = self._pack(state, pack, when).lessons
            record = lessons.setdefault(lesson_id, LessonRecord())
            record.read = read
            record.read_at = (record.read_at or when) if read else None

        self.update(apply)

    def set_last(self, pack: PackRef, kind: ItemKind | str, item_id: str) -> None:
        """Where the learner is now, so the next start resumes there. Opening an exercise starts it."""
        when = now()
        place = Place(ItemKind(kind), item_id, when)

        def apply(state: Progress) -> None:
            self._pack(state, pack, when).last = place
            if place.kind is ItemKind.EXERCISE:
                self._exercise(state, pack, item_id, when)

        self.update(apply)

    def reset(self, pack: PackRef, exercise_id: str | None = None) -> int:
        """Forget one exercise's record, or (None) all of a pack's progress. Returns records removed."""
        pack_id, _ = _pack_ref(pack)

        def apply(state: Progress) -> int:
            progress = state.packs.get(pack_id)
            if progress is None:
                return 0
            if exercise_id is None:
                del state.packs[pack_id]
                return len(progress.exercises) + len(progress.lessons)
            removed = progress.exercises.pop(exercise_id, None)
            if progress.last and progress.last.kind is ItemKind.EXERCISE and progress.last.id == exercise_id:
                progress.last = None
            return int(removed is not None)

        return self.update(apply)

    # ---- moving between machines

    def export(self, path: Path) -> Path:
        """Write all of this profile's progress (every pack) to `path` as a progress file."""
        self.reload()
        path = Path(path)
        state = self._state.copy()
        state.profile = self.profile
        try:
            atomic_write(path, dump_progress(state), mode=0o644)
        except OSError as err:
            raise ProgressError(f"Cannot write {path} ({_why(err)}); choose a file in a folder you can write to.") from err
        return path

    def import_(self, path: Path) -> ImportSummary:
        """Merge a progress file (an export, or another profile's file) into this profile.

        Better records win: passed beats attempted, counts take the larger, the newer
        draft is kept, read marks are kept. Nothing already here is lost.
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise ProgressError(f"Cannot read {path} ({_why(err)}); check the file name.") from err
        try:
            loaded = parse_progress(raw)
        except NewerSchemaError as err:
            raise ProgressError(
                f"{path} was written by a newer asm-tutor (schema {err.found}); update asm-tutor to import it."
            ) from err
        if loaded.damage:
            raise ProgressError(f"{path} is not a usable progress file ({loaded.damage}); nothing was imported.")
        if not self.enabled:
            raise ProgressError(f"{self.disabled_reason} Nothing was imported.")
        summary = ImportSummary(source=path, problems=loaded.problems, from_schema=loaded.from_schema)
        incoming = loaded.progress

        def apply(state: Progress) -> None:
            merged = merge_progress(state, incoming)
            for pack_id, pack in incoming.packs.items():
                old = state.packs.get(pack_id) or PackProgress(id=pack_id)
                new = merged.packs[pack_id]
                for kind in ("exercises", "lessons"):
                    old_records, new_records = getattr(old, kind), getattr(new, kind)
                    for item_id in getattr(pack, kind):
                        if item_id not in old_records:
                            summary.added += 1
                        elif old_records[item_id] != new_records[item_id]:
                            summary.updated += 1
                        else:
                            summary.unchanged += 1
            state.packs = merged.packs

        self.update(apply)
        if not self.enabled:
            raise ProgressError(f"{self.disabled_reason}")
        return summary


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def _problem_summary(problems: list[str]) -> str:
    shown = "; ".join(problems[:3])
    more = len(problems) - 3
    return shown + (f"; and {more} more" if more > 0 else "")
