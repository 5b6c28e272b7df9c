"""The exercise screen as a learner reads it, at 80x24 and 120x40: the results table keeps every
column on screen, the first failure is said in words, the Assembly tab shows both levels, the
editor keeps the keys and the focus a learner expects, and the footer draws cleanly.

With the real rustc (each check is a real one) against the built-in course."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Footer, Static
from tui_helpers import open_exercise, wait_for_check, wait_for_idle_screen, wait_until

from asm_tutor.context import Context
from asm_tutor.grader.engine import host_arch
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import ItemKind
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.progress.store import ProgressStore
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.assembly_view import AssemblyView
from asm_tutor.tui.components.exercise_view import ExerciseView
from asm_tutor.tui.components.footer import PALETTE_CLASS
from asm_tutor.tui.components.sidebar import CourseSidebar

SIZES = [(80, 24), (120, 40)]
x86_only = pytest.mark.skipif(host_arch() != "x86_64", reason="the edits are x86_64 asm")


def title_after(item_id: str) -> str:
    """The title of the built-in course's item after `item_id` (the course order lives in pack.toml)."""
    pack = load_pack(builtin_pack_dir())
    ids = [item.id for item in pack.course]
    return pack.item_title(pack.course[ids.index(item_id) + 1])


def make_app() -> TutorApp:
    return TutorApp(Context(pack_arg=None, profile="learner"))


async def check(pilot: Pilot[None], view: ExerciseView, source: str | None = None) -> None:
    if source is not None:
        view.editor.load_text(source)
    await pilot.press("f5")
    await wait_for_check(pilot, view)


def summary(view: ExerciseView) -> str:
    return str(view.query_one("#results-summary", Static).render())


def table_fits(view: ExerciseView) -> bool:
    """Every column, Actual included, within the table's width."""
    table = view.query_one("#tests", DataTable)
    used = sum(column.get_render_width(table) for column in table.ordered_columns)
    return len(table.ordered_columns) == 5 and used <= table.size.width


@pytest.mark.parametrize("size", SIZES)
async def test_two_arguments_and_the_actual_column_stay_on_screen(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "max_u64")
        await check(pilot, view)
        assert table_fits(view)
        # The first failure, in words, where it is seen at once; big numbers by name.
        assert "First: example 1 at -O0: max_u64(17, 42) returned 17; expected 42." in summary(view)
        table = view.query_one("#tests", DataTable)
        cells = [str(table.get_row_at(k)[2]) for k in range(table.row_count)]
        assert any("u64::MAX" in cell for cell in cells) and not any("18446744073709551615" in c for c in cells)


@pytest.mark.parametrize("size", SIZES)
async def test_the_table_is_laid_out_afresh_for_each_exercise(size: tuple[int, int]) -> None:
    # Seen in tmux: after read_cycle_counter's long property names, add_five's Test column stayed ~78 wide.
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await check(pilot, await open_exercise(pilot, "read_cycle_counter"))
        view = await open_exercise(pilot, "add_five")
        await check(pilot, view)
        assert table_fits(view)
        test_column = view.query_one("#tests", DataTable).ordered_columns[0]
        assert test_column.get_render_width(view.query_one("#tests", DataTable)) <= 20


async def test_a_resize_lays_the_table_out_again() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "mul_u128")
        await check(pilot, view)
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: app.screen.size.width == 80, "the screen took the new size")
        await wait_for_idle_screen(pilot)  # the sidebar steps aside, the panel widens, the table is refilled
        assert table_fits(view)
        assert not app.screen.query_one(CourseSidebar).display, "at 80 columns the sidebar steps aside"


async def test_the_seed_is_said_only_for_an_exercise_with_random_cases() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "cpu_vendor")  # random = 0
        await check(pilot, view)
        assert "✗" in summary(view) and "seed" not in summary(view)
        view = await open_exercise(pilot, "max_u64")
        await check(pilot, view)
        assert "random cases used seed" in summary(view)


@x86_only
async def test_a_first_pass_says_where_f9_goes_in_the_results_not_in_a_toast() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "add_five")
        app.clear_notifications()
        await check(pilot, view, view.solution())
        assert "✓ Passed." in summary(view) and f"F9 goes on to {title_after('add_five')}." in summary(view)
        assert not app._notifications, "no toast over the results"


@x86_only
@pytest.mark.parametrize("size", SIZES)
async def test_f3_shows_the_assembly_at_o0_then_o3_with_the_blocks_marked(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "max_u64")
        await check(pilot, view, view.solution())
        assembly = view.query_one(AssemblyView)
        text = view.query_one("#assembly-text", Static)
        await pilot.press("f3")
        assert assembly.level == 0 and "At -O0" in str(text.render())
        assert "{out} became rax" in str(text.render()) and "▶ cmp" in str(text.render())
        await pilot.press("f3")
        await pilot.pause()
        shown = str(text.render())
        assert assembly.level == 3 and "At -O3" in shown and "▶ cmp" in shown and "asm! begin (line" in shown
        assert "rsp" not in shown, "-O3 keeps the values in registers"
        assert view.query_one("#assembly-o3", Button).variant == "primary"
        await pilot.click("#assembly-o0")
        assert assembly.level == 0


async def test_ctrl_a_selects_all_and_escape_keeps_the_editor_focused() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "times_nine")
        assert view.editor.has_focus
        await pilot.press("ctrl+a")
        assert view.editor.selected_text == view.editor.text
        await pilot.press("escape")
        assert view.editor.has_focus and view.editor.selected_text == ""
        before = view.editor.text
        await pilot.press("x")
        assert len(view.editor.text) == len(before) + 1, "typing after Escape goes into the editor"
        await pilot.press("f6")
        assert not view.editor.has_focus, "F6 leaves the editor for the panel"
        await pilot.press("f6")
        assert view.editor.has_focus, "and comes back"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (140, 40)])
async def test_the_footer_never_draws_the_palette_key_over_other_keys_nor_cuts_a_key(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "times_nine")
        view.checking = True  # the most keys the footer shows: Cancel check too
        footer = app.screen.query_one(Footer)
        await wait_until(pilot, lambda: any("cancel" in str(getattr(w, "description", "")).lower() for w in footer.children),
                         "the footer offers Cancel check")
        await wait_for_idle_screen(pilot)  # and the keys have their places
        keys = [w for w in footer.children if not w.has_class(PALETTE_CLASS)]
        palette = [w for w in footer.children if w.has_class(PALETTE_CLASS)]
        if palette:
            assert max(w.region.right for w in keys) <= palette[0].region.x, "keys run under the palette key"
        assert max(w.region.right for w in keys) <= footer.region.right, "a key is cut at the right edge"
        view.checking = False
    if size[0] >= 140:  # every key of a running check, F6 and F7 too, and the palette key
        assert palette, "with room to spare the palette key is shown"


async def test_continue_goes_to_the_next_item_not_done_after_a_passed_exercise() -> None:
    pack = load_pack(builtin_pack_dir())
    store = ProgressStore.open("learner")
    store.record_check(pack, "add_five", True, draft="// passed")
    store.set_last(pack, ItemKind.EXERCISE, "add_five")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        label = str(app.screen.query_one("#home-continue", Button).label)
        assert label == f"Continue: {title_after('add_five')}", label
