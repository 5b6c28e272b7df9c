"""Tracing a case from the TUI: Enter on a failing row (or the palette, or the Assembly tab's
button) steps through the emulated run, and the screen shows the cmp, the flags and the move.

With the real rustc; the trace itself is the emulator's (asm_tutor.trace)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static
from tui_helpers import wait_for_check, wait_until

from asm_tutor.context import Context
from asm_tutor.grader.engine import host_arch
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.screens.course import CourseScreen
from asm_tutor.tui.screens.trace import TraceScreen

CMOVL = Path(__file__).parent / "fixtures" / "trace" / "max_u64_cmovl.rs"
pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixture is x86_64 asm")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_enter_on_a_failing_row_traces_it_and_shows_the_signed_move(size: tuple[int, int]) -> None:
    app = TutorApp(Context(pack_arg=None, profile="learner"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "max_u64"))
        view = screen.exercise_view
        view.editor.load_text(CMOVL.read_text(encoding="utf-8"))
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        table = view.query_one("#tests", DataTable)
        row = next(k for k, test in enumerate(view.results._ordered_tests)
                   if test.input == "max_u64(18446744073709551615, 1)" and test.opt_level == 0)
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TraceScreen), "the trace was shown", limit=30)
        trace_screen = app.screen
        assert isinstance(trace_screen, TraceScreen)
        await wait_until(pilot, lambda: trace_screen.query_one("#trace-steps", DataTable).row_count > 0,
                         "the steps are listed")
        heading = str(trace_screen.query_one("#trace-heading", Static).render())
        assert "max_u64(u64::MAX, 1) at -O0" in heading and "{out} = rax" in heading
        steps = trace_screen.query_one("#trace-steps", DataTable)
        rows = [[str(cell) for cell in steps.get_row_at(k)] for k in range(steps.row_count)]
        cmp = next(r for r in rows if "▶ cmp" in r[1])
        assert "SF: 0 → 1" in cmp[2] and "SF=1" in cmp[3], cmp
        cmov = next(r for r in rows if "▶ cmovl" in r[1])
        assert "less (signed <)? SF!=OF: yes" in cmov[1] and "rax {out}" in cmov[2] and "→ 0x1" in cmov[2], cmov
        assert "returned 1 in rax (expected u64::MAX)" in str(trace_screen.query_one("#trace-stop", Static).render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back on the exercise")


async def test_the_trace_of_an_in_register_clobber_says_the_caller_broke() -> None:
    clobber = Path(__file__).parent / "fixtures" / "trace" / "times_nine_in_clobbered.rs"
    app = TutorApp(Context(pack_arg=None, profile="learner"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        view = screen.exercise_view
        view.editor.load_text(clobber.read_text(encoding="utf-8"))
        await pilot.press("f5")
        await wait_for_check(pilot, view)
        view.query_one("#tests", DataTable).focus()
        await pilot.press("enter")  # the first row: a failing case
        await wait_until(pilot, lambda: isinstance(app.screen, TraceScreen), "the trace was shown", limit=30)
        trace_screen = app.screen
        assert isinstance(trace_screen, TraceScreen)
        heading = str(trace_screen.query_one("#trace-heading", Static).render())
        stop = str(trace_screen.query_one("#trace-stop", Static).render())
        assert "its caller got" in heading
        assert "itself returned" in stop and "the expected value" in stop and "caller" in stop
        assert "Broken: in" in stop and "{x} (rdi)" in stop
        assert trace_screen.query_one("#trace-stop").region.bottom <= 23, "on screen above the footer"
