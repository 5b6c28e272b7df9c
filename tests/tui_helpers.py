"""Helpers shared by the TUI tests: wait until something holds, never for a fixed time.

A fixed sleep is too long on a quiet machine and too short on a busy one (a full run on two
cores), so every wait here is for a condition, looked at in short steps, with a limit that only
a broken app reaches; the message then says what never happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.tui.components.exercise_view import ExerciseView

STEP = 0.02  # seconds between looks at the condition


async def wait_until(pilot: Pilot[None], condition: Callable[[], object], what: str | Callable[[], str],
                     limit: float = 10.0) -> None:
    """Until `condition()` holds: pending messages first, then short steps, failing after `limit` s
    with `what` (or what it returns then, to describe the state the wait ended in)."""
    await pilot.pause()
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {limit:g} s, and still not: {what() if callable(what) else what}")
        await pilot.pause(STEP)


async def wait_for_check(pilot: Pilot[None], view: ExerciseView, limit: float = 120.0) -> None:
    """Until the running check (real rustc) has finished and its result is on screen."""
    await wait_until(pilot, lambda: not view.checking, "the check finished", limit)
    await pilot.pause()  # the result's own messages (table, summary, sidebar mark)


def screen_is_idle(app: App[None]) -> bool:
    """Nothing left to do before the next picture: no message waiting in any node of the screen,
    no layout, scroll, repaint or recompose pending, no after-refresh callback, no animation.
    (Textual has no public "idle" flag; these are the fields its own idle handler looks at.)"""
    screen = app.screen
    if (screen._layout_required or screen._scroll_required or screen._repaint_required
            or screen._recompose_required or screen._dirty_widgets or screen._callbacks):
        return False
    if app.animator._animations or app.animator._scheduled:
        return False
    nodes = [app, *screen.walk_children(with_self=True)]
    return all(node.message_queue_size == 0 and not getattr(node, "_layout_required", False)
               and not getattr(node, "_repaint_required", False) for node in nodes)


async def wait_for_idle_screen(pilot: Pilot[None], limit: float = 10.0) -> None:
    """Until the screen is drawn as it will stay (for a snapshot, or to measure laid-out widgets)."""
    await pilot.wait_for_scheduled_animations()
    await wait_until(pilot, lambda: screen_is_idle(pilot.app), "the screen has nothing left to lay out or draw", limit)


async def wait_for_palette_matches(pilot: Pilot[None], limit: float = 10.0) -> None:
    """Until the command palette has finished searching for what was typed and lists its matches."""
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette), f"the command palette is not open: {palette!r}"
    matches = palette.query_one(CommandList)

    def searched() -> bool:
        searching = any(worker.node is palette and not worker.is_finished for worker in pilot.app.workers)
        return palette.has_class("-ready") and not searching and matches.option_count > 0

    await wait_until(pilot, searched, "the command palette listed its matches", limit)


async def open_exercise(pilot: Pilot[None], exercise_id: str) -> ExerciseView:
    """Open an exercise on the course screen, as the sidebar would."""
    from asm_tutor.tui.screens.course import CourseScreen

    screen = pilot.app.screen
    assert isinstance(screen, CourseScreen)
    await screen.open_item(CourseItem(ItemKind.EXERCISE, exercise_id))
    await pilot.pause()
    return screen.exercise_view
