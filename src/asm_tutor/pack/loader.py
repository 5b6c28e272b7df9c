"""Load a pack folder into the model, collecting every problem on the way.

The manifest and the lessons are read here, each exercise's spec in exercise_spec.py, and
the files themselves (TOML with located problems, paths kept inside the pack) in
reading.py. A pack loaded before is remembered while its files keep their stat.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from asm_tutor import memo
from asm_tutor.kept import Kept
from asm_tutor.pack.exercise_spec import ExerciseReader
from asm_tutor.pack.model import EDITIONS, FORMAT_VERSION, CourseItem, Exercise, ItemKind, Lesson, Pack
from asm_tutor.pack.problems import PackError, Problem
from asm_tutor.pack.reading import Source, Table, id_problem, not_utf8
from asm_tutor.stamp import Stamp, stamp

MANIFEST = "pack.toml"


class _PackReader(ExerciseReader):
    def __init__(self, root: Path, only: str | None = None) -> None:
        super().__init__(root)
        self.only = only  # load this exercise alone (and its lesson): `pack check --exercise ID`

    # -- the manifest -----------------------------------------------------

    def load(self) -> Pack:
        if not self.root.is_dir():
            raise PackError(str(self.root), [Problem(str(self.root), "", "is not a folder")])
        manifest = Source(self, self.root / MANIFEST)
        self.inputs.append(manifest.path)
        if not manifest.path.is_file():
            raise PackError(str(self.root), [Problem(MANIFEST, "", "is missing: a pack folder needs a pack.toml manifest")])
        if not self.inside(manifest.path):
            raise PackError(str(self.root), [Problem(MANIFEST, "", "is a symlink that points outside the pack folder")])
        data = manifest.parse()
        if data is None:
            raise PackError(str(self.root), self.problems)
        top = Table(manifest, data, "", None)
        fmt = top.get("format", int)
        if fmt is not None and fmt != FORMAT_VERSION:
            top.problem("format", f"format version {fmt} is not supported (this tutor reads format {FORMAT_VERSION})")
        pack_id = top.get("id", str, check=id_problem)
        title = top.get("title", str)
        version = top.get("version", str)
        description = top.get("description", str, default="")
        edition = top.get("edition", str, default="2021",
                          check=lambda v: None if v in EDITIONS else f"must be one of {', '.join(EDITIONS)}")
        # false in a hand-out (`pack export`): the reference solutions are left out.
        self.solutions = top.get("solutions", bool, default=True)
        course_raw = top.get("course", list)
        top.finish()

        course: list[CourseItem] = []
        lessons: dict[str, Lesson] = {}
        exercises: dict[str, Exercise] = {}
        seen: dict[str, str] = {}
        lesson_tables: dict[str, Table] = {}
        for index, entry in enumerate(course_raw or []):
            item = self.course_entry(manifest, entry, index)
            if item is None:
                continue
            kind, item_id, table = item
            if item_id in seen:
                table.problem(kind.value, f"id `{item_id}` is used twice in the course (first as a {seen[item_id]})")
                continue
            seen[item_id] = kind.value
            if self.only is not None and item_id != self.only:
                if kind is ItemKind.LESSON:
                    lesson_tables[item_id] = table  # read only if the exercise names it
                continue
            if kind is ItemKind.LESSON:
                lesson = self.lesson(table, item_id)
                if lesson is not None:
                    lessons[item_id] = lesson
                    course.append(CourseItem(kind, item_id))
            else:
                exercise = self.exercise(table, item_id)
                if exercise is not None:
                    exercises[item_id] = exercise
                    course.append(CourseItem(kind, item_id))
        if self.only is not None:
            self.only_exercise(manifest, seen, exercises, lessons, lesson_tables, course)
        if course_raw is not None and not course_raw:
            top.problem("course", "the course is empty: list at least one lesson or exercise")
        for table, lesson_id in self.lesson_refs:
            if seen.get(lesson_id) != ItemKind.LESSON.value:  # a lesson that failed to load is reported already
                table.problem("lesson", f"names lesson `{lesson_id}`, which is not a lesson in the course")
        if self.problems:
            raise PackError(str(self.root), self.problems)
        return Pack(
            root=self.root, manifest_path=manifest.path, id=pack_id, title=title, version=version,
            format=fmt, description=description, edition=edition, course=tuple(course),
            lessons=lessons, exercises=exercises, solutions=self.solutions,
        )

    def only_exercise(self, manifest: Source, seen: dict[str, str], exercises: dict[str, Exercise],
                      lessons: dict[str, Lesson], lesson_tables: dict[str, Table], course: list[CourseItem]) -> None:
        """With `only`: it must be an exercise of the course; its lesson is read too, for feedback."""
        if seen.get(self.only or "") != ItemKind.EXERCISE.value:
            known = ", ".join(item for item, kind in seen.items() if kind == ItemKind.EXERCISE.value) or "none"
            self.problem(MANIFEST, "course", f"there is no exercise `{self.only}` in the course (exercises: {known})")
            return
        exercise = exercises.get(self.only or "")
        if exercise is not None and exercise.lesson in lesson_tables:
            lesson = self.lesson(lesson_tables[exercise.lesson], exercise.lesson)
            if lesson is not None:
                lessons[lesson.id] = lesson
                course.insert(0, CourseItem(ItemKind.LESSON, lesson.id))

    def course_entry(self, manifest: Source, entry: Any, index: int) -> tuple[ItemKind, str, Table] | None:
        table = Table(manifest, entry if isinstance(entry, dict) else {}, f"course[{index}]", "course", index)
        if not isinstance(entry, dict):
            table.problem(None, "each course entry must be a table like `[[course]]` with `lesson = ...` or `exercise = ...`")
            return None
        kinds = [k for k in (ItemKind.LESSON, ItemKind.EXERCISE) if k.value in entry]
        if len(kinds) != 1:
            table.problem(None, "each course entry needs exactly one of `lesson = \"id\"` or `exercise = \"id\"`")
            for key in entry:
                table.used.add(key)
            return None
        kind = kinds[0]
        item_id = table.get(kind.value, str, check=id_problem)
        return (kind, item_id, table) if item_id is not None else None

    def lesson(self, table: Table, lesson_id: str) -> Lesson | None:
        rel = table.get("file", str, default=f"lessons/{lesson_id}.md")
        title = table.get("title", str, default=None)
        table.finish()
        if rel is None:
            return None
        path = self.confined(rel, table, "file")
        if path is None:
            return None
        self.inputs.append(path)
        if not path.is_file():
            table.problem("file" if "file" in table.data else "lesson", f"lesson file `{rel}` does not exist")
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            self.problem(rel, "", *not_utf8(path, err))
            return None
        if title is None:
            heading = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), None)
            if not heading:
                self.problem(rel, "title", "the lesson has no `# Title` heading and the course entry gives no `title`", 1)
                return None
            title = heading
        return Lesson(id=lesson_id, title=title, path=path)


# Packs loaded by this process, while the files they were read from keep their stat.
_loaded: Kept[Path, Pack] = Kept("pack folder → the pack read from it")
# A file stamped this close to the moment it was read may change again without a new
# stamp (file systems stamp coarsely): such a load is not kept (git's "racy" rule).
_RACY_NS = 2_000_000_000


def _stats(inputs: tuple[Path, ...]) -> tuple[tuple[str, Stamp | None], ...]:
    """The stamp of every file named, and of every file in the folders named."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files += sorted(Path(top, name) for top, _dirs, names in os.walk(item) for name in names)
        else:
            files.append(item)
    return tuple((str(path), stamp(path)) for path in files)


def load_pack(root: Path, *, only: str | None = None) -> Pack:
    """Load and validate the pack at `root`; raises PackError listing every problem.

    `only`: the manifest, that one exercise and its lesson, nothing else of the pack read
    (`pack check --exercise ID` on a pack with a broken exercise elsewhere).

    A process that lives on (the TUI, `asm-tutor watch`) asks again and again: while the
    files the pack was read from keep their stat (~0.3 ms for the built-in pack, against
    ~8 ms to parse and validate it), the pack loaded before is returned.
    """
    if only is not None:
        return _PackReader(root, only).load()  # a part of a pack is never remembered as the pack
    known = _loaded.get(root)
    if known is not None:
        return known
    # A one-shot command finds the pack the last process loaded (~1 ms instead of ~10).
    where, key = memo.folder("packs"), memo.key_of("pack", str(root.resolve()))
    kept = memo.load_object(where, key)
    if isinstance(kept, tuple) and len(kept) == 3 and isinstance(kept[2], Pack) and _stats(kept[0]) == kept[1]:
        inputs, _stamps, pack = kept
        return _loaded.put(root, pack, lambda: _stats(inputs))
    read_at = time.time_ns()
    reader = _PackReader(root)
    pack = reader.load()
    inputs = tuple(reader.inputs)
    stats = _stats(inputs)
    if all(found is not None and found[2] < read_at - _RACY_NS for _path, found in stats):
        _loaded.put(root, pack, lambda: _stats(inputs))
        memo.store_object(where, key, (inputs, stats, pack))
    return pack
