"""Learner progress, saved per profile: see `asm_tutor.progress.store.ProgressStore`.

Headless: nothing here imports Textual. The UI and the CLI use the same API.
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
from asm_tutor.progress.store import ImportSummary, ProgressError, ProgressStore

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
    "resolve_profile",
]
