"""Recovery: a damaged or old progress file is read as far as it can be, and never silently wiped.

`parse_progress` reads a file of any schema and says what was wrong with it
(`damage`, `problems`) instead of failing. Before such a file is rewritten,
`recover` keeps it aside: a damaged one (bad TOML, wrong types) as
`<profile>.corrupt-<time>.toml`, an old schema's as `<profile>.schema<N>-<time>.toml`.
What can be recovered is kept, and a sentence saying so lands in `notices`.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asm_tutor import toml_text
from asm_tutor.progress.file_format import SCHEMA, progress_from_toml
from asm_tutor.progress.migrate import migrate
from asm_tutor.progress.model import Progress
from asm_tutor.progress.salvage import salvage_toml


@dataclass
class LoadedFile:
    progress: Progress
    damage: str | None = None  # why the file could not be read as it is
    problems: list[str] = field(default_factory=list)
    from_schema: int = SCHEMA

    @property
    def needs_fix(self) -> bool:
        return bool(self.damage or self.problems or self.from_schema < SCHEMA)


def parse_progress(raw: bytes) -> LoadedFile:
    """Bytes of a progress file (any schema) → what could be read. Raises NewerSchemaError."""
    damage = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        damage = "it is not UTF-8 text"
    try:
        data = toml_text.loads(text)
    except tomllib.TOMLDecodeError as err:
        damage = damage or f"it is not valid TOML: {err}"
        data = salvage_toml(text)
    data, found = migrate(data)
    progress, problems = progress_from_toml(data)
    return LoadedFile(progress, damage, problems, found)


def read_progress_file(path: Path) -> LoadedFile:
    """Read and parse `path`; a missing file is empty progress. OSError if it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedFile(Progress())
    return parse_progress(raw)


def recover(path: Path, notices: list[str]) -> tuple[Progress, bool]:
    """The state on disk with damage kept aside and old schemas upgraded, and whether it needs rewriting.

    Call it under the profile's lock, just before the file is rewritten: the copy
    kept aside is then of the very bytes about to be replaced.
    """
    loaded = read_progress_file(path)
    if loaded.damage or loaded.problems:
        aside = _keep_aside(path, "corrupt")
        reason = loaded.damage or _problem_summary(loaded.problems)
        notices.append(
            f"Your progress file {path} was damaged ({reason}); it was kept as {aside} "
            f"and {_recovered(loaded.progress)}."
        )
    elif loaded.from_schema < SCHEMA:
        backup = _keep_aside(path, f"schema{loaded.from_schema}")
        notices.append(
            f"Your progress file was upgraded from schema {loaded.from_schema} to {SCHEMA}; "
            f"the old file was kept as {backup}."
        )
    return loaded.progress, loaded.needs_fix


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


def _problem_summary(problems: list[str]) -> str:
    shown = "; ".join(problems[:3])
    more = len(problems) - 3
    return shown + (f"; and {more} more" if more > 0 else "")
