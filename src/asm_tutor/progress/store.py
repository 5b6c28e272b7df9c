"""The progress store: one profile's progress and the operations the tutor does on it.

A check, a draft, a hint, a lesson read, where the learner is, a reset, an
import or export: each is a method of `ProgressStore`. Every change goes
through `ProgressStore.update(fn)`, one `Transaction` on what is on disk now,
so it is safe against crashes and races; a damaged file met on the way is
recovered (`asm_tutor.progress.recovery`) and a sentence saying so lands in
`notices`. A folder that cannot be written gives a disabled store: it still
answers questions and applies changes in memory for the session, but writes
nothing, and `disabled_reason` says why.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from asm_tutor.pack.model import ItemKind
from asm_tutor.progress.migrate import NewerSchemaError
from asm_tutor.progress.model import ExerciseRecord, ExerciseStatus, LessonRecord, PackProgress, Place, Progress, now
from asm_tutor.progress.profile import resolve_profile
from asm_tutor.progress.recovery import read_progress_file
from asm_tutor.progress.transaction import Transaction
from asm_tutor.progress.transfer import ImportSummary, ProgressError, merge_in, read_import, write_export

T = TypeVar("T")


class PackLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...


PackRef = PackLike | str  # a loaded Pack (id and version are recorded) or just a pack id


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

    def update(self, fn: Callable[[Progress], T]) -> T:
        """Apply `fn` to the latest state and save it: lock, re-read, apply, atomic write, unlock.

        `fn` mutates the Progress it is given and may return a value, which is returned.
        On a disabled store, or when the write fails, the change is kept in memory only
        and the store becomes disabled with the reason said.
        """
        if not self.enabled:
            return fn(self._state)
        change = Transaction(fn)
        try:
            change.run(self.path, self.lock_path, self.profile, self.notices)
        except NewerSchemaError as err:
            self._disable_newer(err)
        except OSError as err:
            self._disable(f"Progress is off: saving to {self.path} failed ({_why(err)}); this session's progress is not saved.")
        if change.applied is None:  # the file could not be read: change this session's state only
            return fn(self._state)
        self._state, result = change.applied  # saved, or (when the write failed) kept for this session
        return result

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
                record.imported_pass = False  # checked here now
                if draft is not None:
                    record.passed_code, record.passed_code_at = _clean_text(draft), when
            elif record.status is ExerciseStatus.NOT_STARTED:
                record.status = ExerciseStatus.ATTEMPTED
            if draft is not None:
                record.draft = _clean_text(draft)
                record.draft_at = when
            progress.last = Place(ItemKind.EXERCISE, exercise_id, when)
            return ExerciseRecord(**vars(record))

        return self.update(apply)

    def save_draft(self, pack: PackRef, exercise_id: str, draft: str, cursor: tuple[int, int] | None = None) -> None:
        """The draft in progress, and where its cursor is (kept as it was when None)."""
        when = now()
        text = _clean_text(draft)

        def apply(state: Progress) -> None:
            record = self._exercise(state, pack, exercise_id, when)
            if record.draft != text:
                record.draft = text
                record.draft_at = when
            if cursor is not None:
                record.cursor = cursor

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

    def set_lesson_position(self, pack: PackRef, lesson_id: str, position: float) -> None:
        """How far down a lesson the learner was when they left it (0 top, 1 end)."""
        when = now()

        def apply(state: Progress) -> None:
            lessons = self._pack(state, pack, when).lessons
            lessons.setdefault(lesson_id, LessonRecord()).position = round(min(max(position, 0.0), 1.0), 4)

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
        write_export(path, state)
        return path

    def import_(self, path: Path, *, other_profile: bool = False) -> ImportSummary:
        """Merge a progress file (an export, or another profile's file) into this profile.

        Better records win: passed beats attempted, counts take the larger, the newer
        draft is kept, read marks are kept. Nothing already here is lost. A file that
        names another profile is refused unless `other_profile`: merging someone else's
        progress into yours is never done by accident.
        """
        path = Path(path)
        loaded = read_import(path)
        owner = loaded.progress.profile
        if owner is not None and owner != self.profile and not other_profile:
            raise ProgressError(
                f"{path} is the progress of profile {owner!r}, not of {self.profile!r}: import it into that "
                f"profile (`asm-tutor --profile {owner} progress import ...`), or add --from-other-profile to "
                f"merge it into {self.profile!r}. Nothing was imported.")
        if not self.enabled:
            raise ProgressError(f"{self.disabled_reason} Nothing was imported.")
        summary = ImportSummary(source=path, problems=loaded.problems, from_schema=loaded.from_schema)
        self.update(lambda state: merge_in(state, loaded.progress, summary))
        if not self.enabled:
            raise ProgressError(f"{self.disabled_reason}")
        return summary


def _why(err: OSError) -> str:
    return err.strerror or str(err)
