"""The compiled code of the learner's function from the last check, with their asm! blocks marked."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

# LLVM wraps every inline-asm block in these markers (per target comment syntax).
_APP_BEGIN = ("#APP", "//APP", "; InlineAsm Start", "@APP")
_APP_END = ("#NO_APP", "//NO_APP", "; InlineAsm End", "@NO_APP")


def render_assembly(assembly: str) -> Text:
    """Colour the lines inside asm! blocks and mark them with a bar, like Compiler Explorer's highlight."""
    out = Text()
    inside = False
    for line in assembly.splitlines():
        stripped = line.strip()
        if stripped.startswith(_APP_END):
            inside = False
            out.append("  " + line + "\n", "dim")
            continue
        if stripped.startswith(_APP_BEGIN):
            inside = True
            out.append("  " + line + "   ← your asm! block\n", "bold magenta")
            continue
        if inside:
            out.append("▌ ", "magenta")
            out.append(line + "\n", "bold")
        elif stripped.endswith(":") and not stripped.startswith((".", "#")):
            out.append("  " + line + "\n", "bold cyan")  # a label or function name
        elif stripped.startswith(("#", "//", ";")):
            out.append("  " + line + "\n", "dim")
        else:
            out.append("  " + line + "\n")
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
            text.update(render_assembly(assembly))
        self.scroll_home(animate=False)
