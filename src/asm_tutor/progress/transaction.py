"""The one write path to a progress file: a locked read-modify-write, written atomically.

A change takes the profile's lock (`fcntl.flock` on `<profile>.lock`), re-reads
the file, applies the change to what is on disk now, writes the result
atomically, and releases the lock. Two tutors open at once therefore never lose
each other's updates: each applies its change to the other's latest state.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from asm_tutor.atomic import atomic_write, file_lock, remove_stale_temps
from asm_tutor.progress.file_format import dump_progress, progress_to_toml
from asm_tutor.progress.model import Progress, now
from asm_tutor.progress.recovery import recover

T = TypeVar("T")


class Transaction(Generic[T]):
    """One change to a profile's file, and how far it got.

    `applied` is set as soon as the change has been made to the state read from
    disk, so that when the write then fails the caller can still keep it for the session.
    """

    def __init__(self, fn: Callable[[Progress], T]) -> None:
        self.fn = fn
        self.applied: tuple[Progress, T] | None = None  # the changed state and what `fn` returned

    def run(self, path: Path, lock_path: Path, profile: str, notices: list[str]) -> None:
        """Lock, re-read (recovering damage), apply, atomic write if anything changed, unlock.

        Raises OSError when the file cannot be read or written, NewerSchemaError
        when a newer tutor wrote it (then nothing is applied or written).
        """
        with file_lock(lock_path):
            remove_stale_temps(path)
            state, needs_fix = recover(path, notices)
            before = progress_to_toml(state)
            result = self.fn(state)
            self.applied = (state, result)
            if needs_fix or progress_to_toml(state) != before:
                state.profile = profile
                state.updated = now()
                atomic_write(path, dump_progress(state))
