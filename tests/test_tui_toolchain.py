"""The TUI asks for rustc again before each check: a Rust installed (or updated) while the
tutor runs is used at the next check, without a restart.

"No rustc" is made by emptying PATH (the real rustc cannot be uninstalled on demand); the
rustc found afterwards is the real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Static
from tui_helpers import wait_for_check

from asm_tutor.context import Context
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.screens.course import CourseScreen


async def test_rust_installed_while_the_tutor_runs_is_used_at_the_next_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_path = os.environ["PATH"]
    empty = tmp_path / "no-rust"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    app = TutorApp(Context(pack_arg=None, profile="learner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        view = screen.exercise_view
        await pilot.press("f5")
        await pilot.pause()
        assert "needs rustc" in str(view.query_one("#results-summary", Static).render())
        monkeypatch.setenv("PATH", real_path)  # the learner installs Rust meanwhile
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        assert view.results.result is not None and view.results.result.tests


async def test_a_profile_chooses_to_practise_aarch64_from_the_palette() -> None:
    """The palette's "Practise aarch64": remembered per profile in the settings; the next exercise
    starts from its aarch64 starter, and checks build for aarch64 (under emulation on another host)."""
    from cross_helpers import toolchain_for
    from tui_helpers import wait_for_palette_matches

    from asm_tutor.settings import load_settings

    toolchain_for("aarch64")
    app = TutorApp(Context(pack_arg=None, profile="armlearner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if app.toolchain is not None and app.toolchain.arch == "aarch64":
            pytest.skip("this machine is aarch64 already")
        await pilot.press("ctrl+p")
        await pilot.press(*"Practise aarch64")
        await wait_for_palette_matches(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert load_settings().arch == {"armlearner": "aarch64"} and app.arch == "aarch64"
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        view = screen.exercise_view
        exercise = view.exercise
        assert exercise is not None and view.editor.text == exercise.starter("aarch64")
        view.editor.load_text(exercise.solution("aarch64"))
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        assert view.results.result is not None and view.results.result.passed, view.results.result.message
