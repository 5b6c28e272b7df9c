"""The lesson reader: the lesson's Markdown with highlighted Rust, previous/next, and its exercises."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Label, Markdown
from textual.widgets._markdown import MarkdownTableContent  # not exported; its cells are what we size
from textual.widgets.markdown import MarkdownFence

from asm_tutor.pack.lesson_text import display_markdown
from asm_tutor.pack.model import CourseItem, ItemKind, Lesson, Pack
from asm_tutor.tui.messages import OpenItem

CELL_PADDING = 2  # MarkdownTableContent's cells have `padding: 0 1`
COLUMN_GUTTER = 1  # and `grid-gutter: 1 1`, where the keylines go


def fit_columns(natural: list[int], minimum: list[int], room: int) -> list[int] | None:
    """Widths for the columns of a table wider than `room` (all in cells): each column keeps its
    natural width up to a common limit, and the wider ones share what is left equally, never below
    their minimum (e.g. the longest word). None when the table fits, or when not even the minimums do.

    Textual shrinks a table column by column from the left, each to its longest word, so a
    header on the left ends up one word a line while the last column stays wide."""
    if sum(natural) <= room or sum(minimum) > room:
        return None
    limit = max(natural)
    while sum(max(low, min(width, limit)) for width, low in zip(natural, minimum, strict=True)) > room:
        limit -= 1  # ends: at limit 0 every column is at its minimum, which fits
    widths = [max(low, min(width, limit)) for width, low in zip(natural, minimum, strict=True)]
    spare = room - sum(widths)  # fewer cells than columns held at the limit: one each, from the left
    for index, (width, fitted) in enumerate(zip(natural, widths, strict=True)):
        if spare and fitted < width:
            widths[index] += 1
            spare -= 1
    return widths


HANG = 4  # a wrapped code line goes on this far right of where the line starts


def hang_wrap(line: Content, width: int) -> list[Content]:
    """A code line in rows of at most `width` cells: broken after a space where there is one, the
    rows after the first indented past the line's own indentation, so they read as its continuation
    (Textual's wrap starts them at column 0, where they look like lines of their own)."""
    plain = line.plain
    if cell_len(plain) <= width or width < 8:
        return [line]
    indent = min(len(plain) - len(plain.lstrip(" ")) + HANG, width // 2)
    rows: list[Content] = []
    start, room = 0, width
    while cell_len(plain[start:]) > room:
        cut = plain.rfind(" ", start + 1, start + room + 1)
        end = cut + 1 if cut > start + room // 2 else start + room
        rows.append(line[start:end].rstrip())
        start, room = end, width - indent
    rows.append(line[start:])
    return [rows[0], *(Content(" " * indent) + row for row in rows[1:])]


def _table_columns(table: MarkdownTableContent) -> list[list[Content]]:
    """The cells of each column, its header first."""
    return [[header, *(row[index] for row in table.rows if index < len(row))]
            for index, header in enumerate(table.headers)]


def _longest_word(cells: list[Content]) -> int:
    return max((cell_len(word) for cell in cells for word in cell.plain.split()), default=0)


def _two_line_width(header: Content) -> int:
    """The narrowest width at which the header takes at most two lines."""
    width = max(_longest_word([header]), 1)
    while len(header.wrap(width)) > 2:
        width += 1
    return width


class LessonReader(Vertical):
    """A lesson counts as read once the learner has seen its end."""

    class Read(Message):
        def __init__(self, lesson_id: str) -> None:
            super().__init__()
            self.lesson_id = lesson_id

    def __init__(self, pack: Pack, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pack = pack
        self.lesson: Lesson | None = None
        self._reported = False
        # Until the new lesson has been laid out, the scroll position describes the old one
        # (or an empty, hidden reader), and "at the end" would be a false read.
        self._awaiting_layout = False
        self._targets: dict[str, CourseItem] = {}
        self._resume: tuple[str | None, float | None] = (None, None)  # (section, position) to go to once laid out
        self._placing = False  # the reader scrolls, not the learner

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lesson-scroll"):
            yield Markdown(id="lesson-text")
        with Horizontal(id="lesson-nav"):
            yield Button("◀ Previous", id="lesson-prev", compact=True)
            yield Button("Practise", id="lesson-practise", variant="primary", compact=True)
            yield Button("Next ▶", id="lesson-next", compact=True)

    def on_mount(self) -> None:
        scroll = self.query_one("#lesson-scroll")
        self.watch(scroll, "scroll_y", self._scrolled, init=False)
        self.watch(scroll, "virtual_size", self._laid_out, init=False)

    def _laid_out(self, *_: object) -> None:
        self._awaiting_layout = False
        if self._resume != (None, None):
            # Again at each reflow (the tables' widths, a resize) until the learner scrolls.
            self.call_after_refresh(self._resume_at)
        self._check_end()

    def _resume_at(self) -> None:
        section, position = self._resume
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        self._placing = True
        try:
            if section is not None and not self.go_to_section(section):
                self._resume = (None, None)
                self.notify(f"This lesson has no section “{section}”; it opens at the top.", severity="warning")
            elif section is None and position:
                scroll.scroll_to(y=round(position * scroll.max_scroll_y), animate=False, immediate=True)
        finally:
            self._placing = False
        self._check_end()

    def go_to_section(self, section: str) -> bool:
        """Scroll the heading titled `section` to the top (any case); False if the lesson has none."""
        text = self.query_one("#lesson-text", Markdown)
        for _level, title, header_id in text.table_of_contents:
            if title.strip().casefold() == section.strip().casefold() and header_id:
                self.query_one("#lesson-scroll", VerticalScroll).scroll_to_widget(
                    text.query_one(f"#{header_id}"), top=True, animate=False, immediate=True)
                return True
        return False

    @property
    def position(self) -> float:
        """How far down the lesson the reader is: 0 at the top, 1 at the end."""
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        return scroll.scroll_y / scroll.max_scroll_y if scroll.max_scroll_y else 0.0

    async def show(self, lesson: Lesson, previous: CourseItem | None, following: CourseItem | None, *,
                   position: float | None = None, section: str | None = None) -> None:
        """`section`: the heading to open at; else `position` (0–1), where the learner left it."""
        self.lesson = lesson
        self._resume = (None, None)
        self._reported = False
        self._awaiting_layout = True
        try:
            raw = lesson.text()
        except OSError as err:
            raw = f"# {lesson.title}\n\nThis lesson could not be read: {err}"
        try:
            text = display_markdown(raw)
        except Exception:  # a lesson the helper cannot tidy is still worth reading as written
            text = raw
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        await self.query_one("#lesson-text", Markdown).update(text)
        self.call_after_refresh(self._fit_tables)  # once the new tables have a width
        self._placing = True
        scroll.scroll_home(animate=False, immediate=True)
        self._placing = False
        self._resume = (section, position)
        practise = self.pack.exercises_for_lesson(lesson.id)
        self._targets = {}
        for button_id, target, label in (
            ("lesson-prev", previous, "◀ Previous"),
            ("lesson-practise", CourseItem(ItemKind.EXERCISE, practise[0].id) if practise else None,
             f"Practise: {practise[0].title}" if practise else ""),
            ("lesson-next", following, "Next ▶"),
        ):
            button = self.query_one(f"#{button_id}", Button)
            button.display = target is not None
            button.label = label
            if target is not None:
                self._targets[button_id] = target
        # A short lesson that fits on screen is read as soon as it has been laid out (_laid_out).

    @property
    def practice(self) -> CourseItem | None:
        """The first exercise that practises the open lesson, if any."""
        return self._targets.get("lesson-practise")

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_tables)

    def _fit_code(self) -> None:
        """Each code block's long lines wrapped with a hanging indent for the reader's width."""
        for fence in self.query(MarkdownFence):
            labels = fence.query_children(Label)
            if not labels:
                continue  # not composed yet: fitted at the next refresh
            label = labels.first()
            width = label.content_region.width
            code = MarkdownFence.highlight(fence.code, fence.lexer, ansi=self.app.native_ansi_color,
                                           dark=self.app.current_theme.dark)
            rows = [row for line in code.split("\n", allow_blank=True) for row in hang_wrap(line, width)]
            label.update(Content("\n").join(rows))

    def _fit_tables(self) -> None:
        self._fit_code()
        for table in self.query(MarkdownTableContent):
            columns = _table_columns(table)
            natural = [max(cell.cell_length for cell in column) + CELL_PADDING for column in columns]
            words = [_longest_word(column) + CELL_PADDING for column in columns]
            headers = [max(low, _two_line_width(column[0]) + CELL_PADDING) for low, column in zip(words, columns, strict=True)]
            room = table.content_region.width - COLUMN_GUTTER * (len(columns) - 1)
            # Headers of at most two lines if there is room for that, else at least whole words.
            widths = fit_columns(natural, headers, room) or fit_columns(natural, words, room)
            table.styles.grid_columns = " ".join(map(str, widths)) if widths else "auto"

    def _scrolled(self, *_: object) -> None:
        if not self._placing:
            self._resume = (None, None)  # the learner moved: stay where they are
        self._check_end()

    def _check_end(self, *_: object) -> None:
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        if self.lesson is None or self._reported or self._awaiting_layout or not self.display:
            return
        if scroll.scroll_y >= scroll.max_scroll_y - 1:  # a wheel or a resize may stop a fraction short
            self._reported = True
            self.post_message(self.Read(self.lesson.id))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        target = self._targets.get(event.button.id or "")
        if target is not None:
            self.post_message(OpenItem(target))
