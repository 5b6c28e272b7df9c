"""`asm-tutor list`: the course in order (with the profile's progress, once there is some)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_tutor.context import Context


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("list", help="lessons and exercises in course order")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rich.markup import escape
    from rich.table import Table

    from asm_tutor.pack.model import ItemKind
    from asm_tutor.progress.store import ProgressStore
    from asm_tutor.report import stderr, stdout

    pack = ctx.pack
    # Only a profile that has a progress file gets a progress column; `list` creates nothing.
    store = ctx.progress if ProgressStore.file_for(ctx.profile).is_file() else None
    progress = store.pack_progress(pack.id) if store is not None else None
    if store is not None:
        for notice in store.take_notices():
            stderr().print(f"[yellow]asm-tutor:[/] {escape(notice)}", soft_wrap=True)
    show_progress = progress is not None and not progress.is_empty

    table = Table(title=f"{pack.title} ({pack.id} {pack.version})", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("kind")
    table.add_column("id", style="cyan")
    table.add_column("title")
    if show_progress:
        table.add_column("progress")
    for number, item in enumerate(pack.course, start=1):
        kind = "lesson" if item.kind is ItemKind.LESSON else "exercise"
        row = [str(number), kind, item.id, escape(pack.item_title(item))]
        if show_progress and progress is not None:
            if item.kind is ItemKind.LESSON:
                mark = "[green]read[/]" if progress.lesson_read(item.id) else ""
            else:
                record = progress.exercise(item.id)
                mark = {
                    "passed": "[green]passed[/]",
                    "attempted": f"[yellow]attempted[/] ({record.checks} check{'s' * (record.checks != 1)})",
                }.get(record.status.value, "")
            if progress.last is not None and progress.last.kind is item.kind and progress.last.id == item.id:
                mark = f"{mark}  [bold]◀ last[/]".strip()
            row.append(mark)
        table.add_row(*row)
    stdout().print(table)
    return 0
