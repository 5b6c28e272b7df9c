"""`asm-tutor pack export`: a copy of a pack to hand to learners, without the reference solutions.

Grading needs no solution: the hidden tests are built from each exercise.toml (its
reference expressions, cases and properties, written in plain Rust) and the checks
from the spec, so a hand-out grades exactly as the instructor's copy does. Only the
`solution.rs` files (shared and per architecture) are left out, and the manifest
says `solutions = false`, so the loader does not ask for them, `pack check` does not
grade them and the tutor says there is no solution to show.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from asm_tutor import toml_text
from asm_tutor.errors import UserError
from asm_tutor.pack.loader import MANIFEST, load_pack
from asm_tutor.pack.model import Pack
from asm_tutor.pack.registry import copy_pack_tree

SOLUTION = "solution.rs"
HEADER = ("# A hand-out made by `asm-tutor pack export`: the reference solutions are left out\n"
          "# (`solutions = false`). Grading works the same; keep the full pack for yourself.\n")


@dataclass(frozen=True)
class ExportResult:
    dest: Path
    files: int  # files in the hand-out
    left_out: tuple[str, ...]  # the solutions, relative to the pack
    skipped: tuple[str, ...]  # files not copied, "path: reason" (symlinks pointing out, ...)


def export_handout(src: Path, dest: Path) -> ExportResult:
    """Copy the pack at `src` to the new folder `dest`, without its solutions. Raises PackError when
    `src` does not load, UserError when `dest` is in the way or the copy would not load."""
    pack = load_pack(Path(src).expanduser())
    dest = Path(dest).expanduser()
    if dest.is_symlink():
        raise UserError(f"{dest} is a symbolic link; export into a new folder.", 2)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UserError(f"{dest} exists and is not an empty folder; export into a new folder.", 2)
    if dest.resolve().is_relative_to(pack.root.resolve()):
        raise UserError(f"{dest} is inside the pack itself; export somewhere else.", 2)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=dest.parent))
    try:
        copy = staging / "pack"
        files, skipped = _copy_used_files(pack, copy)
        left_out: list[str] = []
        for exercise in pack.exercises.values():
            folder = exercise.dir.relative_to(pack.root)
            for candidate in (folder / SOLUTION, *(folder / arch / SOLUTION for arch in exercise.arch)):
                if (copy / candidate).is_file():
                    (copy / candidate).unlink()
                    left_out.append(candidate.as_posix())
                    with contextlib.suppress(OSError):
                        (copy / candidate).parent.rmdir()  # an arch folder that held only the solution
        manifest = copy / MANIFEST
        manifest.write_text(_without_solutions(manifest.read_text(encoding="utf-8")), encoding="utf-8")
        load_pack(copy)  # the hand-out must load on its own
        if dest.exists():
            dest.rmdir()
        copy.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(dest, files - len(left_out), tuple(left_out), tuple(skipped))


def _copy_used_files(pack: Pack, copy: Path) -> tuple[int, list[str]]:
    """The manifest, the lessons, the exercise folders and the helpers the pack names; nothing
    else in its folder (a pack kept in a project's checkout sits beside the project's files)."""
    copy.mkdir(parents=True)
    used_files = [pack.manifest_path, *(lesson.path for lesson in pack.lessons.values()),
                  *(e.tests.helpers_path for e in pack.exercises.values() if e.tests.helpers_path)]
    files, skipped = 0, []
    for path in dict.fromkeys(used_files):
        target = copy / path.relative_to(pack.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        files += 1
    for exercise in pack.exercises.values():
        target = copy / exercise.dir.relative_to(pack.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        count, missed = copy_pack_tree(exercise.dir, target)
        files += count
        skipped += [f"{exercise.dir.relative_to(pack.root).as_posix()}/{m}" for m in missed]
    return files, skipped


def _without_solutions(manifest: str) -> str:
    """The manifest with `solutions = false`, its comments and layout kept: the line goes after
    `format = ...` (a top-level key, so before any table); tomli-w rewrites it only when that
    would not read back as meant (e.g. a `solutions` key is there already)."""
    data = toml_text.loads(manifest)
    wanted = {**data, "solutions": False}
    lines = manifest.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("format")), None)
    if at is not None and "solutions" not in data:
        edited = "".join([HEADER, *lines[:at + 1], "solutions = false\n", *lines[at + 1:]])
        if toml_text.loads(edited) == wanted:
            return edited
    return HEADER + tomli_w.dumps(wanted)
