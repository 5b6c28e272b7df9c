"""Rich rendering shared by the CLI commands."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from asm_tutor.pack.problems import PackError


# No emoji codes: a pack's `:x:` stays as written (and rich skips a pass over every line).
def stdout() -> Console:
    return Console(highlight=False, emoji=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def print_pack_problems(err: PackError) -> None:
    console = stderr()
    console.print(f"[bold red]asm-tutor:[/] {err}; fix these and try again:")
    for problem in err.problems:
        # The documented form, `file:line: field: message`, with colour.
        field = f" [bold]{escape(problem.field)}[/]:" if problem.field else ""
        console.print(f"  [cyan]{escape(problem.location())}[/]:{field} {escape(problem.message)}", soft_wrap=True)
