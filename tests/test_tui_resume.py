"""Coming back to where the learner was (issue 24): a lesson reopens where it was left, a hint's
"See the lesson X, section Y" opens that lesson at that section (ctrl+l, or a click on the link),
the editor's cursor comes back with the draft, and Enter keeps the indentation.

No rustc is needed: nothing here is checked."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Markdown
from tui_helpers import wait_until

from asm_tutor.context import Context
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.hints_panel import LINK_SCHEME, HintsPanel
from asm_tutor.tui.components.lesson_reader import LessonReader
from asm_tutor.tui.screens.course import CourseScreen


def make_app() -> TutorApp:
    return TutorApp(Context(pack_arg=None, profile="learner"))


def at_top(reader: LessonReader, title: str) -> bool:
    """The heading is at the top of the reader (within its margin), or as near as the lesson's end allows."""
    text = reader.query_one("#lesson-text", Markdown)
    scroll = reader.query_one("#lesson-scroll")
    header_id = next(h for _, t, h in text.table_of_contents if t == title)
    row = text.query_one(f"#{header_id}").region.y - scroll.region.y
    return 0 <= row <= 3 or (scroll.scroll_y >= scroll.max_scroll_y > 0 and 0 <= row < scroll.region.height)


async def test_a_lesson_reopens_where_the_learner_left_it() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.LESSON, "operands"))
        await pilot.pause()
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        scroll = screen.query_one("#lesson-scroll")
        left_at = scroll.scroll_y
        assert 0 < left_at < scroll.max_scroll_y
        await screen.open_item(CourseItem(ItemKind.LESSON, "templates"))
        await pilot.pause()
        assert scroll.scroll_y == 0, "another lesson opens at its top"
        await screen.open_item(CourseItem(ItemKind.LESSON, "operands"))
        await wait_until(pilot, lambda: abs(scroll.scroll_y - left_at) <= 1, "the lesson is where it was left")


async def add_five_with_two_hints(pilot: Pilot[None]) -> CourseScreen:
    """add_five open, its second hint shown: "See the lesson *Why and when asm!*, section *A first block…*"."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CourseScreen)
    await screen.open_item(CourseItem(ItemKind.EXERCISE, "add_five"))
    await pilot.press("f2", "f2")
    return screen


async def opened_at(pilot: Pilot[None], screen: CourseScreen, heading: str) -> None:
    await wait_until(pilot, lambda: screen.current == CourseItem(ItemKind.LESSON, "why_asm"), "the lesson opened")
    reader = screen.query_one(LessonReader)
    await wait_until(pilot, lambda: at_top(reader, heading), f"the heading {heading!r} is at the top")


async def test_ctrl_l_opens_the_lesson_section_a_hint_names() -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await add_five_with_two_hints(pilot)
        hints = screen.query_one(HintsPanel)
        assert f"]({LINK_SCHEME}why_asm#A%20first%20block" in hints.linked(hints.hints[1])
        await pilot.press("ctrl+l")
        await opened_at(pilot, screen, "A first block: add_five")


async def test_a_link_in_a_hint_opens_its_section() -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await add_five_with_two_hints(pilot)
        markdown = screen.query_one("#hints-text", Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, f"{LINK_SCHEME}why_asm#Reading%20the%20first%20block"))
        await opened_at(pilot, screen, "Reading the first block")


async def test_the_cursor_comes_back_with_the_draft_and_enter_keeps_the_indent() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "add_five"))
        editor = screen.exercise_view.editor
        row = next(n for n, line in enumerate(editor.text.splitlines()) if line.strip().startswith("asm!("))
        editor.move_cursor((row, len(editor.document[row])))
        await pilot.press("enter")
        indent = len(editor.document[row]) - len(editor.document[row].lstrip())
        assert editor.document[row + 1] == " " * (indent + 4), "one level in after `asm!(`"
        assert editor.cursor_location == (row + 1, indent + 4)
        await pilot.press("x", "enter")
        assert editor.document[row + 2] == " " * (indent + 4), "the same level after a plain line"
        editor.move_cursor((row + 1, 3))
        await screen.open_item(CourseItem(ItemKind.LESSON, "why_asm"))
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "add_five"))
        await pilot.pause()
        assert screen.exercise_view.editor.cursor_location == (row + 1, 3)
        assert app.store.pack_progress(screen.pack.id).exercise("add_five").cursor == (row + 1, 3)
