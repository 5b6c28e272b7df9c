"""Home: a welcome on the first start, "continue where you left off" afterwards."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Markdown, Static

from asm_tutor.pack.model import CourseItem, Pack
from asm_tutor.tui.messages import OpenItem

WELCOME = """\
Learn Rust's inline assembly (`asm!`) one small step at a time: read a short
lesson, then write a function in assembly and let the tutor check it with the
real `rustc` — hidden tests at two optimisation levels, and checks on the
machine code you produced.

**How to move around**

- The course is on the left (**ctrl+b** shows or hides it); **Enter** opens an item.
- **F9** / **F8** go to the next / previous item.
- In an exercise: **F5** checks, **F2** gives a hint, **F3** shows your assembly.
- Prefer your own editor? **ctrl+o** opens the draft in `$VISUAL`/`$EDITOR`;
  **ctrl+t** watches the draft file and checks every save.
- **ctrl+p** finds any lesson or exercise, resets an exercise to its starter code,
  switches pack and changes the theme.
- **ctrl+q** quits; your drafts are kept.
"""

RETURNING = """\
Your drafts, hints and results are kept between sessions.
"""


class HomeView(VerticalScroll):
    """The first screen; says plainly what does not work on this machine."""

    def __init__(self, pack: Pack, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pack = pack
        self._target: CourseItem | None = None

    def compose(self) -> ComposeResult:
        # The way in comes first, so it is on screen even at 80x24 (the text may need scrolling).
        yield Static(id="home-heading")
        with Horizontal(id="home-actions"):
            yield Button("Start", id="home-continue", variant="primary")
        yield Static(id="home-notices")
        yield Markdown(id="home-text")

    def show(self, last: CourseItem | None, first: CourseItem | None, notices: list[str]) -> None:
        """`last` is where the learner was (None on a first start); `first` the course's first item."""
        returning = last is not None
        self._target = last if returning else first
        text = RETURNING if returning else WELCOME
        self.query_one("#home-heading", Static).update("Welcome back" if returning else "Welcome to asm-tutor")
        self.query_one("#home-text", Markdown).update(text + f"\n*{self.pack.title}* — {self.pack.description}\n")
        notice_widget = self.query_one("#home-notices", Static)
        notice_widget.update("\n".join(f"⚠ {n}" for n in notices))
        notice_widget.display = bool(notices)
        button = self.query_one("#home-continue", Button)
        button.display = self._target is not None
        if self._target is not None:
            title = self.pack.item_title(self._target)
            button.label = f"Continue: {title}" if returning else f"Start: {title}"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self._target is not None:
            self.post_message(OpenItem(self._target))
