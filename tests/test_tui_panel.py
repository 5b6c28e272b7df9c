"""The exercise's bottom panel at 80x24: every built-in exercise's whole prompt can be read with
keys the footer names (F6 to the panel, then PageDown), F7 zooms the pane in focus, and the
palette's Maximize never covers the screen with the course list.

No rustc is needed: nothing here is checked."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Footer, Markdown
from tui_helpers import open_exercise

from asm_tutor.context import Context
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.exercise_view import ExerciseView
from asm_tutor.tui.components.panel_scroll import PanelScroll
from asm_tutor.tui.components.sidebar import CourseList


def footer_keys(pilot: Pilot[None]) -> set[str]:
    """The keys the footer shows now (as Textual names them: "f6", "pagedown")."""
    footer = pilot.app.screen.query_one(Footer)
    return {str(getattr(key, "key", "")) for key in footer.query("FooterKey")}


async def read_to_the_end(pilot: Pilot[None], view: ExerciseView, exercise_id: str) -> None:
    """From the editor, by footer keys only: F6, then PageDown until the prompt's end is on screen."""
    assert view.editor.has_focus
    assert "f6" in footer_keys(pilot), f"{exercise_id}: the footer names F6"
    await pilot.press("f6")
    scroll = view.query_one("#prompt-scroll", PanelScroll)
    assert scroll.has_focus, f"{exercise_id}: F6 puts the focus on the prompt"
    await pilot.pause()
    assert "pagedown" in footer_keys(pilot), f"{exercise_id}: the footer names PageDown once the prompt has focus"
    for _ in range(20):
        if scroll.scroll_y >= scroll.max_scroll_y:
            break
        await pilot.press("pagedown")
        await pilot.pause()
    prompt = view.query_one("#prompt", Markdown)
    assert scroll.scroll_y >= scroll.max_scroll_y, f"{exercise_id}: PageDown reaches the end"
    seen_to = scroll.scroll_y + scroll.scrollable_content_region.height
    assert seen_to >= prompt.outer_size.height, f"{exercise_id}: the prompt's last line is on screen"


async def test_every_built_in_prompt_is_readable_to_its_end_at_80x24() -> None:
    pack = load_pack(builtin_pack_dir())
    app = TutorApp(Context(pack_arg=None, profile="learner"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for exercise_id in pack.exercises:
            view = await open_exercise(pilot, exercise_id)
            view.editor.focus()
            await pilot.pause()
            await read_to_the_end(pilot, view, exercise_id)
            await pilot.press("f6")
            assert view.editor.has_focus, f"{exercise_id}: F6 goes back to the editor"


async def test_f7_zooms_the_pane_in_focus_and_escape_restores_it() -> None:
    app = TutorApp(Context(pack_arg=None, profile="learner"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = await open_exercise(pilot, "naked_sum3")
        screen = app.screen
        small = view.panel.size.height
        assert "f7" in footer_keys(pilot), "the footer names F7"
        await pilot.press("f6", "f7")
        await pilot.pause()
        assert screen.maximized is view.panel and view.panel.size.height > small
        assert view.query_one("#prompt-scroll", PanelScroll).has_focus, "the zoomed prompt scrolls with the keys"
        await pilot.press("escape")
        await pilot.pause()
        assert screen.maximized is None
        await pilot.press("f6", "f7")  # back in the editor: F7 zooms the editor
        assert screen.maximized is view.editor
        await pilot.press("f7")
        assert screen.maximized is None
        await pilot.press("f7", "f6")  # F6 from a zoomed editor: the panel, shown again
        assert screen.maximized is None and view.query_one("#prompt-scroll", PanelScroll).has_focus


async def test_the_palette_never_maximizes_the_course_list() -> None:
    app = TutorApp(Context(pack_arg=None, profile="learner"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        course = app.screen.query_one(CourseList)
        course.focus()
        await pilot.pause()
        assert not course.allow_maximize
        app.screen.action_maximize()
        assert app.screen.maximized is None
