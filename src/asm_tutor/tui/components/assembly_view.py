"""The compiled code of the learner's function from the last check, with their asm! blocks marked."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from asm_tutor.tui.components.panel_scroll import PanelScroll

# The grader's listing (grader.checks.listing) marks instructions from the learner's asm! with
# this glyph and brackets each block with comment lines.
_IN_ASM = "▶"
_BLOCK_MARKERS = ("; asm! begin", "; asm! end")


def render_assembly(assembly: str) -> Text:
    """Colour the listing: function names, the learner's asm! instructions, comments dimmed."""
    out = Text()
    for line in assembly.splitlines():
        stripped = line.strip()
        if stripped in _BLOCK_MARKERS:
            out.append(line + "\n", "magenta")
        elif _IN_ASM in line:
            out.append(line + "\n", "bold magenta")
        elif stripped.endswith(":") and not line.startswith(" "):
            out.append(line + "\n", "bold cyan")
        else:
            code, sep, comment = line.partition(";")
            out.append(code)
            if sep:
                out.append(sep + comment, "dim")
            out.append("\n")
    return out


_CAPTIONS = {
    0: "At -O0, the build the checks read: your functions as you wrote them.",
    3: "At -O3, the optimized build every test also runs: the compiler picks other registers and "
       "moves code around your blocks, and some mistakes only show here.",
}
LEVELS = (0, 3)
_NO_CHECK = "Check your code (F5) to see what it compiles to."


class AssemblyView(PanelScroll):
    """The listing at one optimization level at a time; F3 (or a button) switches level."""

    level: reactive[int] = reactive(0)

    class Trace(Message):
        """Step through the first failing case at this level (the Trace button)."""

        def __init__(self, opt_level: int) -> None:
            super().__init__()
            self.opt_level = opt_level

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._listings: dict[int, str] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="assembly-levels"):
            for level in LEVELS:
                yield Button(f"-O{level}", id=f"assembly-o{level}", compact=True)
            yield Button("Trace a failing case", id="assembly-trace", compact=True)
        yield Static(_NO_CHECK, id="assembly-text")

    def show(self, listings: dict[int, str] | None) -> None:
        """The last check's listings by level (None: no check yet)."""
        self._listings = listings
        self._show_listing()
        self.scroll_home(animate=False)

    def switch_level(self) -> None:
        self.level = LEVELS[(LEVELS.index(self.level) + 1) % len(LEVELS)]

    def watch_level(self) -> None:
        self._show_listing()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "assembly-trace":
            self.post_message(self.Trace(self.level))
        else:
            self.level = int((event.button.id or "assembly-o0").removeprefix("assembly-o"))

    def _show_listing(self) -> None:
        for level in LEVELS:
            self.query_one(f"#assembly-o{level}", Button).variant = "primary" if level == self.level else "default"
        text = self.query_one("#assembly-text", Static)
        listing = None if self._listings is None else self._listings.get(self.level, "")
        if listing is None:
            text.update(_NO_CHECK)
        elif not listing.strip():
            text.update("The last check produced no assembly at this level (it did not compile).")
        else:
            other = next(level for level in LEVELS if level != self.level)
            caption = Text(f"{_CAPTIONS[self.level]} ▶ marks the instructions of your asm! blocks; "
                           f"F3 again shows -O{other}.\n\n", "italic")
            text.update(caption + render_assembly(listing))
