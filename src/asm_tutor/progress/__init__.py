"""Learner progress, saved per profile: see `asm_tutor.progress.store.ProgressStore`.

Headless: nothing here imports Textual. The UI and the CLI use the same API.

One module per job, lowest layer first:

- `model`: progress as plain data, and merging two copies of it;
- `file_format`: that data as the TOML of a progress file; `migrate` upgrades older schemas;
- `salvage`: what still parses of a broken file;
- `recovery`: reading a file whatever its state, keeping a damaged or old one aside;
- `transaction`: the locked read-modify-write, written atomically;
- `transfer`: export files, and merging one in;
- `profile`: whose file it is (a checked profile name);
- `store`: `ProgressStore`, the operations the tutor does (check, draft, hint, ...).
"""

from __future__ import annotations

from asm_tutor.progress.model import (
    ExerciseRecord,
    ExerciseStatus,
    LessonRecord,
    PackProgress,
    Place,
    Progress,
)
from asm_tutor.progress.profile import resolve_profile
from asm_tutor.progress.store import ProgressStore
from asm_tutor.progress.transfer import ImportSummary, ProgressError, read_import

__all__ = [
    "ExerciseRecord",
    "ExerciseStatus",
    "ImportSummary",
    "LessonRecord",
    "PackProgress",
    "Place",
    "Progress",
    "ProgressError",
    "ProgressStore",
    "read_import",
    "resolve_profile",
]
