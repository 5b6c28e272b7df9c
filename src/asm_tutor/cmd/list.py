"""`asm-tutor list`: the course in order."""

from __future__ import annotations

import argparse

from asm_tutor.context import Context


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("list", help="lessons and exercises in course order")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rich.table import Table

    from asm_tutor.pack.model import ItemKind
    from asm_tutor.report import stdout

    pack = ctx.pack
    table = Table(title=f"{pack.title} ({pack.id} {pack.version})", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("kind")
    table.add_column("id", style="cyan")
    table.add_column("title")
    for number, item in enumerate(pack.course, start=1):
        kind = "lesson" if item.kind is ItemKind.LESSON else "exercise"
        table.add_row(str(number), kind, item.id, pack.item_title(item))
    stdout().print(table)
    return 0
