"""Home: a welcome on the first start, "continue where you left off" afterwards."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from asm_tutor.pack.model import CourseItem, Pack
from asm_tutor.tui.messages import OpenItem

# Plain Statics rather than Markdown: the Markdown widget (its parser, a widget per
# block) was ~120 ms of a first screen of ~540.
WELCOME = (
    "Learn Rust's inline assembly ([b]asm![/b]) one small step at a time: read a short lesson, then write "
    "a function in assembly and let the tutor check it with the real [b]rustc[/b] — hidden tests at two "
    "optimisation levels, and checks on the machine code you produced."
)
RETURNING = "Your drafts, hints and results are kept between sessions."
# The keys, for the first start (the footer and the palette show them afterwards).
KEYS = (
    ("Enter", "opens the item selected in the course on the left"),
    ("ctrl+b", "shows or hides the course"),
    ("F9 / F8", "go to the next / previous item"),
    ("F5", "checks your code in an exercise; F2 gives a hint, F3 shows your assembly (again: the "
           "other optimization level); F6 moves between the editor and the panel below it (prompt, "
           "results…), F7 zooms the one you are in"),
    ("ctrl+l", "opens the lesson section a hint or a result points to (“See the lesson …”)"),
    ("ctrl+o", "opens the draft in your own editor ($VISUAL or $EDITOR); ctrl+t instead watches "
               "the draft file and checks every save"),
    ("ctrl+p", "finds any lesson or exercise, resets an exercise to its starter code, switches pack "
               "and changes the theme"),
    ("ctrl+q", "quits; your drafts are kept"),
)


def keys_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 1), expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(key, what)
    return table


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
        yield Static(id="home-text")
        yield Static("How to move around", id="home-keys-heading")
        yield Static(keys_table(), id="home-keys")
        yield Static(id="home-about")

    def show(self, last: CourseItem | None, first: CourseItem | None, notices: list[str]) -> None:
        """`last` is where the learner was (None on a first start); `first` the course's first item."""
        returning = last is not None
        self._target = last if returning else first
        self.query_one("#home-heading", Static).update("Welcome back" if returning else "Welcome to asm-tutor")
        self.query_one("#home-text", Static).update(Content.from_markup(RETURNING if returning else WELCOME))
        for part in ("#home-keys-heading", "#home-keys"):
            self.query_one(part).display = not returning
        self.query_one("#home-about", Static).update(
            Content.from_markup("[i]$title[/i] — $description", title=self.pack.title, description=self.pack.description))
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
