"""Helpers shared by the TUI tests."""

from __future__ import annotations

import time

from textual.pilot import Pilot

from asm_tutor.tui.components.exercise_view import ExerciseView


async def wait_for_check(pilot: Pilot[None], view: ExerciseView, limit: float = 120.0) -> None:
    """Until the running check (real rustc) has finished and its result is on screen."""
    deadline = time.monotonic() + limit
    while view.checking:
        assert time.monotonic() < deadline, "the check never finished"
        await pilot.pause(0.1)
    await pilot.pause()
