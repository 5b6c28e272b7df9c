"""Rich rendering shared by the CLI commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.segment import Segment
from rich.text import Text

from asm_tutor.pack.problems import PackError
from asm_tutor.safe_text import CONTROL, printable


@dataclass(frozen=True)
class _Shown:
    """A renderable (a table, a Text) whose text is made printable, segment by segment: rich
    passes an escape sequence inside a string on to the terminal as it is."""

    inner: Any

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            yield segment if segment.control else Segment(printable(segment.text), segment.style)


class ShownConsole(Console):
    """Every CLI output goes through here: whatever it prints (a pack's title, rustc's message,
    an id from an imported file) shows its control characters instead of obeying them."""

    def print(self, *objects: Any, **options: Any) -> None:  # type: ignore[override]
        super().print(*(self._shown(o) for o in objects), **options)

    def _shown(self, shown: Any) -> Any:
        if isinstance(shown, str):
            return printable(shown)
        if isinstance(shown, Text):  # kept a Text, so that it still runs on beside the others
            if not CONTROL.search(shown.plain):
                return shown
            safe = Text(style=shown.style, justify=shown.justify, overflow=shown.overflow, no_wrap=shown.no_wrap,
                        end=shown.end)
            for piece in shown.render(self):  # its spans' styles; the Text's own style stays on `safe`
                safe.append(printable(piece.text), piece.style)
            return safe
        return _Shown(shown)


# No emoji codes: a pack's `:x:` stays as written (and rich skips a pass over every line).
def stdout() -> Console:
    return ShownConsole(highlight=False, emoji=False)


def stderr() -> Console:
    return ShownConsole(stderr=True, highlight=False, emoji=False)


def print_pack_problems(err: PackError) -> None:
    console = stderr()
    console.print(f"[bold red]asm-tutor:[/] {err}; fix these and try again:")
    for problem in err.problems:
        # The documented form, `file:line: field: message`, with colour.
        field = f" [bold]{escape(problem.field)}[/]:" if problem.field else ""
        console.print(f"  [cyan]{escape(problem.location())}[/]:{field} {escape(problem.message)}", soft_wrap=True)
