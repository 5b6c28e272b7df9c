"""The lesson reader as a learner reads it: output and compile_fail blocks say what they are,
long code lines and wide tables lose no text, in a small (80x24) and a larger (120x40) terminal.

The Pilot tests run the real app headless against the built-in course, with the XDG folders
pointed at a temporary directory (conftest.py), like tests/test_tui_navigation.py."""

from __future__ import annotations

import textwrap

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownFence

from asm_tutor.context import Context
from asm_tutor.pack.lesson_text import OUTPUT_LABEL, display_markdown
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.lesson_reader import LessonReader, MarkdownTableContent, fit_columns
from asm_tutor.tui.screens.course import CourseScreen

SIZES = [(80, 24), (120, 40)]
FENCE = "```"


def md(text: str) -> str:
    return textwrap.dedent(text).replace("~~~", FENCE)


# -- display_markdown: the labels ---------------------------------------------------


def test_an_output_block_is_labelled_as_output() -> None:
    shown = display_markdown(md("""\
        ~~~rust
        fn main() { println!("42"); }
        ~~~
        ~~~output
        42
        ~~~
        """))
    assert f"~~~\n\n{OUTPUT_LABEL}\n~~~text\n42\n~~~\n".replace("~~~", FENCE) in shown


def test_a_compile_fail_block_is_marked_with_what_rustc_says() -> None:
    def label(info: str) -> str:
        shown = display_markdown(f"Prose.\n{FENCE}{info}\nfn main() {{}}\n{FENCE}\n")
        before, fence, _ = shown.partition(f"\n{FENCE}rust\n")
        assert fence, shown
        assert before.startswith("Prose.\n\n"), "the label must be a paragraph of its own"
        return before.removeprefix("Prose.\n\n")

    assert label("rust,compile_fail") == "**✗ Does not compile**:"
    assert label("rust,min_rustc=1.88,arch=x86_64,compile_fail,E0658") == "**✗ Does not compile** (E0658):"
    assert label('rust,compile_fail="requires unsafe block",E0133') == (
        "**✗ Does not compile** (E0133; rustc says “`requires unsafe block`”):")


def test_blocks_that_compile_and_other_fences_get_no_label() -> None:
    source = md("""\
        Prose.

        ~~~rust,no_run
        fn main() {}
        ~~~

        ~~~text
        compile_fail, output
        ~~~
        """)
    shown = display_markdown(source)
    assert "Does not compile" not in shown and OUTPUT_LABEL not in shown
    assert shown == source.replace(f"{FENCE}rust,no_run", f"{FENCE}rust")


def test_no_blank_line_is_added_where_there_is_one() -> None:
    shown = display_markdown(md("""\
        ~~~rust
        fn main() {}
        ~~~

        ~~~output
        ~~~
        """))
    assert f"{FENCE}\n\n{OUTPUT_LABEL}\n" in shown and "\n\n\n" not in shown


# -- fitting table columns ------------------------------------------------------------


def test_a_table_that_fits_keeps_textual_s_widths() -> None:
    assert fit_columns([10, 20], [5, 5], 30) is None


def test_wide_columns_share_the_room_and_narrow_ones_keep_their_width() -> None:
    assert fit_columns([18, 59, 50], [16, 10, 10], 68) == [18, 25, 25]
    assert fit_columns([18, 59, 50], [16, 10, 10], 69) == [18, 26, 25]  # the odd cell goes left
    assert fit_columns([10, 40], [10, 35], 45) == [10, 35]  # never below the longest word


def test_a_table_whose_words_do_not_fit_is_left_to_textual() -> None:
    assert fit_columns([30, 30], [20, 20], 30) is None


# -- the reader, on screen --------------------------------------------------------------


def make_app() -> TutorApp:
    return TutorApp(Context(pack_arg=None, profile="learner"))


async def open_lesson(pilot: Pilot[None], lesson_id: str) -> LessonReader:
    screen = pilot.app.screen
    assert isinstance(screen, CourseScreen)
    await screen.open_item(CourseItem(ItemKind.LESSON, lesson_id))
    await pilot.pause()
    await pilot.pause()  # the tables are fitted once they have a width
    return screen.query_one(LessonReader)


def rendered_text(reader: LessonReader) -> str:
    """The text of every block of the lesson, as the Markdown widget shows it."""
    return "\n".join(str(block.render()) for block in reader.query_one(Markdown).children)


@pytest.mark.parametrize("size", SIZES)
async def test_the_reader_labels_output_and_compile_fail_blocks(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        text = rendered_text(await open_lesson(pilot, "portability"))
        assert "Output:" in text
        assert "✗ Does not compile (E0658):" in text
        assert "✗ Does not compile (rustc says “option cannot be used with”):" in text


@pytest.mark.parametrize("size", SIZES)
async def test_long_code_lines_wrap_inside_the_reader(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        reader = await open_lesson(pilot, "labels")  # code lines up to 144 characters
        fences = list(reader.query(MarkdownFence))
        longest = max(fences, key=lambda fence: max(map(len, fence.code.splitlines())))
        end = max(longest.code.splitlines(), key=len).rstrip()[-12:]
        for fence in fences:
            label = fence.query_one(Label)
            width = label.content_region.width
            assert width > 0 and fence.max_scroll_x == 0, "nothing may hide to the right"
            shown = label.render().wrap(width)
            assert all(cell_len(line.plain) <= width for line in shown)
            assert label.content_region.height == len(shown), "every wrapped line has its row"
            assert len(shown) >= len(fence.code.splitlines())
        assert len(end) == 12 and max(map(len, longest.code.splitlines())) > longest.size.width
        label = longest.query_one(Label)
        assert end in "".join(line.plain for line in label.render().wrap(label.content_region.width))


def header_lines(table: MarkdownTableContent) -> int:
    return max(len(header.render().wrap(header.content_region.width)) for header in table.query(".header"))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lesson_id", ["portability", "syscalls", "operands", "flags"])
async def test_table_headers_take_at_most_two_lines(size: tuple[int, int], lesson_id: str) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        reader = await open_lesson(pilot, lesson_id)
        tables = list(reader.query(MarkdownTableContent))
        assert tables
        for table in tables:
            assert header_lines(table) <= 2, [str(h.render()) for h in table.query(".header")]
            for cell in table.query(".header, .cell"):  # and no word is broken
                words = str(cell.render()).split()
                assert max(map(cell_len, words), default=0) <= cell.content_region.width, words


async def test_tables_are_fitted_again_when_the_reader_changes_width() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        reader = await open_lesson(pilot, "operands")  # the course is shown beside it
        table = reader.query(MarkdownTableContent).first()
        before = table.content_region.width
        await pilot.press("ctrl+b")  # hide the course: the reader gets wider
        await pilot.pause()
        await pilot.pause()
        assert table.content_region.width > before
        assert header_lines(table) <= 2


def test_a_long_code_line_wraps_with_a_hanging_indent() -> None:
    from textual.content import Content

    from asm_tutor.tui.components.lesson_reader import hang_wrap

    line = '        asm!("mov {x}, 1", x = inout(reg) x, y = in(reg) y, options(pure, nomem, nostack));'
    rows = [row.plain for row in hang_wrap(Content(line), 50)]
    assert all(cell_len(row) <= 50 for row in rows) and len(rows) > 1
    assert all(row.startswith(" " * 12) for row in rows[1:]), "continuation rows start past the line's indent"
    assert " ".join(row.strip() for row in rows) == line.strip(), "broken at spaces, nothing lost"
    assert hang_wrap(Content("short"), 50) == [Content("short")]
