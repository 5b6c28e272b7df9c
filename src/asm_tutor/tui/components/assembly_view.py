"""The compiled code of the learner's function from the last check, with their asm! blocks marked."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

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


class AssemblyView(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Static("Check your code (F5) to see what it compiles to.", id="assembly-text")

    def show(self, assembly: str | None) -> None:
        text = self.query_one("#assembly-text", Static)
        if assembly is None:
            text.update("Check your code (F5) to see what it compiles to.")
        elif not assembly.strip():
            text.update("The last check produced no assembly (it did not compile).")
        else:
            caption = Text("Your functions at -O0; ▶ marks the instructions of your asm! blocks.\n\n", "italic")
            text.update(caption + render_assembly(assembly))
        self.scroll_home(animate=False)
