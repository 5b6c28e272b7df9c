"""A class's hand-ins on disk: who handed in what, read safely. Nothing here grades.

    SUBMISSIONS/<student>/<exercise>.rs     a file per exercise
    SUBMISSIONS/<student>.toml              a progress export (`asm-tutor progress export`)
    SUBMISSIONS/<student>/<anything>.toml   the same, inside the student's folder

From an export, an exercise it says was passed is handed in as the passing code it
carries (the draft, for exports older than that field), and the claim is remembered so
the gradebook can mark a pass that does not regrade; an exercise only attempted is
handed in as its last draft. A file beside an export wins over the export's copy.
With `one_student`, the folder itself is one student's hand-in (as Gradescope lays
out a submission).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from asm_tutor.errors import UserError
from asm_tutor.learner_file import LearnerFileError, read_learner_file
from asm_tutor.pack.model import Pack
from asm_tutor.progress import ExerciseRecord, ProgressError, read_import

EXPORT_SUFFIX = ".toml"
SOURCE_SUFFIX = ".rs"
# An export holds a few drafts of at most MAX_SOURCE_BYTES each; a larger file is no export.
MAX_EXPORT_BYTES = 16 * 2**20


class SourceKind(StrEnum):
    FILE = "file"  # <student>/<exercise>.rs
    EXPORT = "export"  # an exercise's code inside a progress export


@dataclass(frozen=True)
class Submission:
    exercise: str
    kind: SourceKind
    path: Path
    code: str | None  # None: nothing gradable (`problem` says why)
    problem: str = ""
    claimed_pass: bool = False  # the export says this exercise was passed
    passed_at: datetime | None = None  # when, by the export's word


@dataclass
class Student:
    name: str
    submissions: dict[str, Submission] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # files left out, export problems


def find_students(folder: Path, pack: Pack, *, one_student: bool = False) -> list[Student]:
    """Every student in `folder`, by name; UserError (exit 2) when it is no folder."""
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder of submissions (SUBMISSIONS/<student>/<exercise>.rs).",
                        exit_code=2)
    if one_student:
        student = Student(folder.resolve().name or "submission")
        _read_folder(student, _unwrapped(folder), pack)
        return [student]
    students: dict[str, Student] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            _read_folder(students.setdefault(entry.name, Student(entry.name)), entry, pack)
        elif entry.suffix == EXPORT_SUFFIX and entry.is_file() and not entry.is_symlink():
            _read_export(students.setdefault(entry.stem, Student(entry.stem)), entry, pack)
    return sorted(students.values(), key=lambda s: s.name)


def _unwrapped(folder: Path) -> Path:
    """The folder a zip upload put everything in (`submission/work/*.rs`), when that is all there is."""
    entries = [e for e in folder.iterdir() if not e.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return folder


def _read_folder(student: Student, folder: Path, pack: Pack) -> None:
    exports = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_symlink():
            # A hand-in is the student's own bytes: a link could show them the grader's files in the feedback.
            student.notes.append(f"{path.name} left out: it is a symbolic link, not a file handed in")
            continue
        if path.is_dir():
            continue
        if path.suffix == EXPORT_SUFFIX:
            exports.append(path)
        elif path.suffix == SOURCE_SUFFIX:
            if path.stem not in pack.exercises:
                student.notes.append(f"{path.name} left out: {pack.id} has no exercise `{path.stem}`")
                continue
            student.submissions[path.stem] = _read_file(path)
    for path in exports:
        _read_export(student, path, pack)


def _read_file(path: Path) -> Submission:
    try:
        return Submission(path.stem, SourceKind.FILE, path, read_learner_file(path))
    except LearnerFileError as err:
        return Submission(path.stem, SourceKind.FILE, path, None, problem=str(err))


def _read_export(student: Student, path: Path, pack: Pack) -> None:
    """The export's exercises of this pack, where the student has no file for them."""
    try:
        if path.stat().st_size > MAX_EXPORT_BYTES:
            student.notes.append(f"{path.name} left out: over {MAX_EXPORT_BYTES // 2**20} MiB, no progress export")
            return
        loaded = read_import(path)
    except (ProgressError, OSError) as err:
        student.notes.append(f"{path.name} left out: {err}")
        return
    records = loaded.progress.packs.get(pack.id)
    if records is None:
        held = ", ".join(sorted(loaded.progress.packs)) or "none"
        student.notes.append(f"{path.name} holds no progress in pack {pack.id} (it has: {held})")
        return
    for problem in loaded.problems:
        student.notes.append(f"{path.name}: skipped {problem}")
    for exercise_id, record in sorted(records.exercises.items()):
        if exercise_id in student.submissions:
            continue  # a file handed in beside the export wins
        if exercise_id not in pack.exercises:
            student.notes.append(f"{path.name}: left out `{exercise_id}`, not an exercise of {pack.id}")
            continue
        if (submission := _from_record(exercise_id, record, path)) is not None:
            student.submissions[exercise_id] = submission


def _from_record(exercise_id: str, record: ExerciseRecord, path: Path) -> Submission | None:
    if record.passed:
        code = record.passed_code if record.passed_code is not None else record.draft
        problem = "" if code is not None else "the export claims a pass but carries no code to regrade"
        return Submission(exercise_id, SourceKind.EXPORT, path, code, problem, claimed_pass=True,
                          passed_at=record.passed_at)
    if record.draft is not None:
        return Submission(exercise_id, SourceKind.EXPORT, path, record.draft)
    return None  # opened, never written: not handed in
