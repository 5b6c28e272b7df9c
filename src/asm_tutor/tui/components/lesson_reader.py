"""The lesson reader: the lesson's Markdown with highlighted Rust, previous/next, and its exercises."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Markdown

from asm_tutor.pack.lesson_blocks import display_markdown
from asm_tutor.pack.model import CourseItem, ItemKind, Lesson, Pack
from asm_tutor.tui.messages import OpenItem


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

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lesson-scroll"):
            yield Markdown(id="lesson-text")
        with Horizontal(id="lesson-nav"):
            yield Button("◀ Previous", id="lesson-prev", compact=True)
            yield Button("Practise", id="lesson-practise", variant="primary", compact=True)
            yield Button("Next ▶", id="lesson-next", compact=True)

    def on_mount(self) -> None:
        scroll = self.query_one("#lesson-scroll")
        self.watch(scroll, "scroll_y", self._check_end, init=False)
        self.watch(scroll, "virtual_size", self._laid_out, init=False)

    def _laid_out(self, *_: object) -> None:
        self._awaiting_layout = False
        self._check_end()

    async def show(self, lesson: Lesson, previous: CourseItem | None, following: CourseItem | None) -> None:
        self.lesson = lesson
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
        scroll.scroll_home(animate=False)
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

    def _check_end(self, *_: object) -> None:
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        if self.lesson is None or self._reported or self._awaiting_layout or not self.display:
            return
        if scroll.scroll_y >= scroll.max_scroll_y:
            self._reported = True
            self.post_message(self.Read(self.lesson.id))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        target = self._targets.get(event.button.id or "")
        if target is not None:
            self.post_message(OpenItem(target))
