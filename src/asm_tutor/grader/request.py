"""What one check grades: the engine answers it, the result cache files the answer under it."""

from __future__ import annotations

from dataclasses import dataclass

from asm_tutor.pack.model import Exercise, Lesson
from asm_tutor.toolchain import Toolchain


@dataclass(frozen=True)
class Request:
    """What one check grades, and everything its answer depends on."""

    exercise: Exercise
    source: str
    edition: str
    toolchain: Toolchain
    seed: int
    lessons: dict[str, Lesson]
    prefetch: tuple[str, ...] = ()  # not part of the answer: what to import while waiting
