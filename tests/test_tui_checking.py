"""Checking from the TUI with the real grader and the real rustc: pass, compile error, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList, Static
from tui_helpers import wait_for_check, wait_until

from asm_tutor.context import Context
from asm_tutor.grader.result import Status
from asm_tutor.learner_file import work_file
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.progress.store import ProgressStore
from asm_tutor.toolchain import ToolchainError, detect
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.exercise_view import ExerciseView
from asm_tutor.tui.components.results_panel import DiagnosticList
from asm_tutor.tui.screens.course import CourseScreen

SIZE = (120, 40)

try:
    detect()
except ToolchainError:
    pytest.skip("these tests grade with the real rustc", allow_module_level=True)


def make_app() -> TutorApp:
    return TutorApp(Context(pack_arg=None, profile="learner"))


async def open_exercise(app: TutorApp, exercise_id: str) -> tuple[CourseScreen, ExerciseView]:
    screen = app.screen
    assert isinstance(screen, CourseScreen)
    await screen.open_item(CourseItem(ItemKind.EXERCISE, exercise_id))
    return screen, screen.query_one(ExerciseView)


async def test_a_correct_solution_passes_and_the_sidebar_mark_changes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, view = await open_exercise(app, "times_nine")
        course_list = screen.query_one("#course-list", OptionList)
        assert str(course_list.get_option("exercise:times_nine").prompt).strip().startswith("○")
        view.editor.load_text(view.solution())  # as if typed: load_text posts Changed like typing
        assert view.results.result is None
        # No assertion on `view.checking` here: with the grader's runtime already built by an
        # earlier test, the whole check can finish while the key press is still being processed.
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        result = view.results.result
        assert result is not None and result.status is Status.PASS, result and result.message
        summary = str(view.query_one("#results-summary", Static).render())
        assert summary.startswith("✓ Passed")
        assert str(course_list.get_option("exercise:times_nine").prompt).strip().startswith("●")
        record = ProgressStore.open("learner").exercise(app.ctx.pack, "times_nine")
        assert record.passed and record.checks == 1 and record.draft == view.solution()
        table = view.query_one("#tests", DataTable)
        assert table.row_count == len(result.tests) > 0
        total = sum(item.kind is ItemKind.EXERCISE for item in app.ctx.pack.course)
        assert f"1/{total} exercises passed" in str(screen.query_one("#sidebar-summary", Static).render())
        # After a pass the solution opens without asking, and the assembly of the check is there.
        await pilot.press("f4")
        await pilot.pause()
        assert type(app.screen).__name__ == "SolutionScreen"
        await pilot.press("escape")
        await pilot.press("f3")
        await pilot.pause()
        assembly = str(view.query_one("#assembly-text", Static).render())
        assert "times_nine" in assembly and "lea" in assembly


async def test_a_check_without_a_sandbox_says_so_and_learner_text_is_not_markup(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from asm_tutor.grader import sandbox

    monkeypatch.setattr(sandbox, "status", lambda: sandbox.SandboxStatus("", "bubblewrap (bwrap) is not installed"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = await open_exercise(app, "times_nine")
        source = view.solution().replace("fn times_nine(x: u64) -> u64 {",
                                         'fn times_nine(x: u64) -> u64 {\n    if x == 0 { panic!("[bold]bold[/bold]") }', 1)
        view.editor.load_text(source)
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        summary = str(view.query_one("#results-summary", Static).render())
        assert "Not sandboxed: bubblewrap (bwrap) is not installed." in summary
        assert "[bold]bold[/bold]" in summary  # shown as written, not taken as Rich markup


async def test_a_compile_error_shows_its_line_and_selecting_it_moves_the_cursor() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = await open_exercise(app, "times_nine")
        # The classic first mistake: asm! outside `unsafe` (E0133).
        source = view.solution().replace("unsafe {", "{", 1)
        lines = source.splitlines()
        asm_line = next(n for n, text in enumerate(lines, 1) if "asm!(" in text)
        view.editor.load_text(source)
        await pilot.press("ctrl+r")
        await wait_for_check(pilot, view)
        result = view.results.result
        assert result is not None and result.status is Status.ERROR
        error = view.results.places[0]  # errors come first
        assert error.level == "error" and error.code == "E0133" and error.line == asm_line
        diagnostics = view.query_one(DiagnosticList)
        shown = str(diagnostics.get_option_at_index(0).prompt)
        assert f"line {asm_line}:{error.column}" in shown
        assert "hint:" in shown  # the pack's error hint for E0133, beside the message
        target = (asm_line - 1, (error.column or 1) - 1)
        view.editor.move_cursor((0, 0))
        await pilot.press("ctrl+g")  # from the editor: straight to the error
        await pilot.pause()
        assert view.editor.cursor_location == target
        view.editor.move_cursor((0, 0))
        diagnostics.focus()
        diagnostics.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert view.editor.cursor_location == target
        assert app.focused is view.editor
        record = ProgressStore.open("learner").exercise(app.ctx.pack, "times_nine")
        assert record.status.value == "attempted" and record.checks == 1


# Keeps rustc busy for many seconds (const evaluation), so a cancel is what stops it.
SLOW_TO_COMPILE = """
#[allow(long_running_const_eval)]
const SLOW: u64 = {
    let mut i = 0u64;
    let mut s = 0u64;
    while i < 2_000_000_000 {
        s = s.wrapping_add(i ^ (s >> 3));
        i += 1;
    }
    s
};

pub fn slow() -> u64 {
    SLOW
}
"""


def rustc_children() -> list[int]:
    """rustc processes compiling a check (in the sandbox, so not our children: found by their crate)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if words and words[0].endswith(b"/rustc") and b"asm_tutor_check" in words:
            found.append(int(cmdline.parent.name))
    return found


async def test_escape_cancels_a_running_check_and_stops_rustc(builds: Path) -> None:
    """Escape is pressed only once the check is running and its rustc is compiling the code, which
    keeps it busy until it is stopped (SLOW_TO_COMPILE), so the cancel never races the check's end.
    The grader's own end is waited for too: it removes its build folder (in `builds`) when it returns."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = await open_exercise(app, "times_nine")
        view.editor.load_text(view.solution() + SLOW_TO_COMPILE)
        await pilot.press("f5")
        await wait_until(pilot, lambda: view.checking and rustc_children(),
                         lambda: f"the check is running rustc (checking: {view.checking}, result: {view.results.result})",
                         limit=60)
        await pilot.press("escape")  # the editor has focus, and Escape still reaches the check
        await pilot.pause()
        assert not view.checking
        assert "cancelled" in str(view.query_one("#results-summary", Static).render()).lower()
        await wait_until(pilot, lambda: not rustc_children(), "rustc stopped after the cancel", limit=3)
        await wait_until(pilot, lambda: not any(builds.iterdir()), "the cancelled grader returned and removed its folder")
        await pilot.pause()  # anything the cancelled check might still have posted
        record = ProgressStore.open("learner").exercise(app.ctx.pack, "times_nine")
        assert record.checks == 0, "a cancelled check is not an attempt"
        assert view.results.result is None, "the cancelled check's result is not shown"
        # The app still checks afterwards.
        view.editor.load_text(view.solution())
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        assert view.results.result is not None and view.results.result.passed


async def test_watch_mode_rechecks_when_the_file_changes_on_disk() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = await open_exercise(app, "times_nine")
        await pilot.press("ctrl+t")
        await pilot.pause()
        path = work_file(app.ctx.pack.id, "times_nine")
        assert path.read_text(encoding="utf-8") == view.source
        assert view.editor.read_only, "while watching, the file is the one place to edit"
        # The learner saves in their own editor.
        path.write_text(view.solution(), encoding="utf-8")
        await wait_until(pilot, lambda: view.checking or view.results.result is not None, "the change on disk was noticed")
        await wait_for_check(pilot, view)
        assert view.source == view.solution()
        assert view.results.result is not None and view.results.result.passed
        banner = view.query_one("#watch-banner", Static)
        assert banner.display and path.name in str(banner.render()) and "ctrl+t stops" in str(banner.render())
        assert ProgressStore.open("learner").exercise(app.ctx.pack, "times_nine").passed
        # Typing in the built-in editor meanwhile is not taken, and the banner shows why.
        await pilot.press("x")
        assert view.source == view.solution() and banner.has_class("-flash")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not view.editor.read_only and not banner.display


async def test_a_crash_is_explained_in_plain_words() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = await open_exercise(app, "times_nine")
        # Writes to address 0: the test program dies with SIGSEGV on the first case.
        source = view.solution().replace(
            '"lea {out}, [{x} + {x}*8]"', '"mov qword ptr [0], 1", "lea {out}, [{x} + {x}*8]"'
        ).replace("options(pure, nomem, nostack, preserves_flags)", "options(nostack)")
        view.editor.load_text(source)
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        result = view.results.result
        assert result is not None and result.status is Status.FAIL
        summary = str(view.query_one("#results-summary", Static).render())
        assert "SIGSEGV" in summary and "memory" in summary
        assert "SIGSEGV" in str(view.query_one("#test-detail", Static).render())
