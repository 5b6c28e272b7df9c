"""`asm-tutor progress`: what this profile has done, and reset / export / import of it."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asm_tutor.safe_text import json_text, printable

if TYPE_CHECKING:
    from asm_tutor.context import Context

if TYPE_CHECKING:
    from asm_tutor.progress.store import ProgressStore


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "progress",
        help="your progress in the course; reset, export or import it",
        description="Show the profile's progress in the pack (per exercise: status, checks, hints, time to pass; "
        "lessons read), or reset, export or import it.",
    )
    parser.add_argument("--json", action="store_true", help="print the progress as JSON")
    actions = parser.add_subparsers(dest="progress_command", metavar="ACTION")
    reset = actions.add_parser("reset", help="forget one exercise's progress, or the whole pack's")
    reset.add_argument("exercise", nargs="?", metavar="EXERCISE", help="the exercise id (default: everything in the pack)")
    reset.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    export = actions.add_parser("export", help="write this profile's progress (all packs) to a file")
    export.add_argument("file", metavar="FILE", type=Path)
    imp = actions.add_parser("import", help="merge a progress file into this profile (better records win)")
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.add_argument("--from-other-profile", action="store_true",
                     help="merge it even though the file is another profile's")


def run(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.progress
    _print_notices(store)
    command = getattr(args, "progress_command", None)
    if command == "reset":
        return _reset(args, ctx, store)
    if command == "export":
        return _export(args, store)
    if command == "import":
        return _import(args, store)
    return _show(args, ctx, store)


def _print_notices(store: ProgressStore) -> None:
    from rich.markup import escape

    from asm_tutor.report import stderr

    console = stderr()
    for notice in store.take_notices():
        console.print(f"[yellow]asm-tutor:[/] {escape(notice)}", soft_wrap=True)


# --------------------------------------------------------------------------- show


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def progress_json(ctx: Context, store: ProgressStore) -> dict[str, Any]:
    from asm_tutor.pack.model import ItemKind

    pack = ctx.pack
    progress = store.pack_progress(pack.id)
    exercises = []
    ordered = [item.id for item in pack.course if item.kind is ItemKind.EXERCISE]
    dropped = sorted(set(progress.exercises) - set(pack.exercises))
    for exercise_id in ordered + dropped:
        record = progress.exercise(exercise_id)
        ttp = record.time_to_pass
        exercises.append(
            {
                "id": exercise_id,
                "title": pack.exercises[exercise_id].title if exercise_id in pack.exercises else None,
                "in_pack": exercise_id in pack.exercises,
                "status": record.status.value,
                "checks": record.checks,
                "hints": record.hints,
                "solution_viewed": record.solution_viewed,
                "started": _iso(record.started),
                "first_attempt": _iso(record.first_attempt),
                "last_attempt": _iso(record.last_attempt),
                "passed_at": _iso(record.passed_at),
                "time_to_pass_seconds": int(ttp.total_seconds()) if ttp is not None else None,
                "has_draft": record.draft is not None,
                "imported_pass": record.imported_pass,
                "has_passed_code": record.passed_code is not None,
            }
        )
    lessons = []
    lesson_ids = [item.id for item in pack.course if item.kind is ItemKind.LESSON]
    for lesson_id in lesson_ids + sorted(set(progress.lessons) - set(pack.lessons)):
        lesson_record = progress.lessons.get(lesson_id)
        lessons.append(
            {
                "id": lesson_id,
                "title": pack.lessons[lesson_id].title if lesson_id in pack.lessons else None,
                "in_pack": lesson_id in pack.lessons,
                "read": bool(lesson_record and lesson_record.read),
                "read_at": _iso(lesson_record.read_at) if lesson_record else None,
            }
        )
    last = progress.last
    return {
        "profile": store.profile,
        "file": str(store.path),
        "saving": store.enabled,
        "disabled_reason": store.disabled_reason,
        "pack": {"id": pack.id, "version": pack.version, "recorded_version": progress.version},
        "last": {"kind": last.kind.value, "id": last.id, "at": _iso(last.at)} if last else None,
        "exercises": exercises,
        "lessons": lessons,
    }


_STATUS_STYLE = {"passed": "[green]passed[/]", "attempted": "[yellow]attempted[/]", "not_started": "[dim]not started[/]"}


def _show(args: argparse.Namespace, ctx: Context, store: ProgressStore) -> int:

    data = progress_json(ctx, store)
    if args.json:
        sys.stdout.write(json_text(data) + "\n")
        return 0

    from rich.markup import escape
    from rich.table import Table

    from asm_tutor.report import stdout

    pack = ctx.pack
    console = stdout()
    console.print(f"[bold]{escape(pack.title)}[/] ({pack.id} {escape(pack.version)}) — profile [cyan]{store.profile}[/]")
    console.print(f"[dim]{store.path}[/]", soft_wrap=True)
    if store.disabled_reason:
        console.print(f"[red]{escape(store.disabled_reason)}[/]", soft_wrap=True)
    table = Table(title_justify="left")
    table.add_column("exercise", style="cyan")
    table.add_column("status")
    table.add_column("checks", justify="right")
    table.add_column("hints", justify="right")
    table.add_column("solution")
    table.add_column("time to pass", justify="right")
    for item in data["exercises"]:
        name = item["id"] if item["in_pack"] else f"{item['id']} [dim](not in this pack version)[/]"
        ttp = item["time_to_pass_seconds"]
        table.add_row(
            name,
            _STATUS_STYLE[item["status"]] + (" [dim](imported)[/]" if item["imported_pass"] else ""),
            str(item["checks"]),
            str(item["hints"]),
            "viewed" if item["solution_viewed"] else "",
            format_duration(timedelta(seconds=ttp)) if ttp is not None else "",
        )
    console.print(table)
    lessons = data["lessons"]
    read = [lesson for lesson in lessons if lesson["read"]]
    passed = [item for item in data["exercises"] if item["status"] == "passed" and item["in_pack"]]
    console.print(
        f"Lessons read: {len(read)} of {sum(1 for lesson in lessons if lesson['in_pack'])}"
        + (f" ({', '.join(lesson['id'] for lesson in read)})" if read else "")
    )
    console.print(f"Exercises passed: {len(passed)} of {len(pack.exercises)}")
    last = data["last"]
    # A place recorded under an older pack version may name an item that is gone: say nothing then.
    if last and any(item.kind.value == last["kind"] and item.id == last["id"] for item in pack.course):
        console.print(f"Resume at: {last['kind']} [cyan]{last['id']}[/]")
    return 0


# --------------------------------------------------------------------------- reset / export / import


def _confirm(question: str) -> bool:
    from asm_tutor.errors import UserError

    if not sys.stdin.isatty():
        raise UserError("Not resetting: there is no terminal to confirm on; add --yes to reset without asking.")
    sys.stderr.write(f"{printable(question)} [y/N] ")
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except (EOFError, OSError):
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _reset(args: argparse.Namespace, ctx: Context, store: ProgressStore) -> int:
    from asm_tutor.errors import UserError
    from asm_tutor.report import stdout

    if not store.enabled:
        raise UserError(f"{store.disabled_reason} Nothing was reset.")
    pack = ctx.pack
    progress = store.pack_progress(pack.id)
    if args.exercise is not None:
        if args.exercise not in pack.exercises and args.exercise not in progress.exercises:
            raise UserError(
                f"There is no exercise {args.exercise!r} in {pack.id} and no saved progress for it; "
                "`asm-tutor list` shows the exercise ids."
            )
        if args.exercise not in progress.exercises:
            stdout().print(f"Nothing to reset: {args.exercise} has no saved progress for profile {store.profile}.")
            return 0
        question = f"Forget profile {store.profile}'s progress and draft for {args.exercise}?"
    else:
        if progress.is_empty:
            stdout().print(f"Nothing to reset: profile {store.profile} has no progress in {pack.id}.")
            return 0
        question = (
            f"Forget all of profile {store.profile}'s progress in {pack.id} "
            f"({len(progress.exercises)} exercises, {len(progress.lessons)} lessons, drafts included)?"
        )
    if not args.yes and not _confirm(question):
        stdout().print("Nothing was reset.")
        return 1
    removed = store.reset(pack, args.exercise)
    _print_notices(store)
    if not store.enabled:
        raise UserError(f"{store.disabled_reason}")
    what = args.exercise or f"all of {pack.id}"
    stdout().print(f"Reset {what} for profile {store.profile} ({removed} record{'s' * (removed != 1)} removed).")
    return 0


def _export(args: argparse.Namespace, store: ProgressStore) -> int:
    from asm_tutor.report import stdout

    path = store.export(args.file)
    _print_notices(store)
    packs = store.snapshot().packs
    stdout().print(
        f"Exported profile {store.profile}'s progress ({len(packs)} pack{'s' * (len(packs) != 1)}) to {path}.",
        soft_wrap=True,
    )
    return 0


def _import(args: argparse.Namespace, store: ProgressStore) -> int:
    from rich.markup import escape

    from asm_tutor.progress.file_format import SCHEMA
    from asm_tutor.report import stderr, stdout

    summary = store.import_(args.file, other_profile=args.from_other_profile)
    _print_notices(store)
    for problem in summary.problems:
        stderr().print(f"[yellow]skipped[/] {escape(problem)}", soft_wrap=True)
    upgraded = f" (upgraded from schema {summary.from_schema})" if summary.from_schema != SCHEMA else ""
    stdout().print(
        f"Imported {summary.source}{upgraded} into profile {store.profile}: {summary.added} new, "
        f"{summary.updated} updated, {summary.unchanged} unchanged.",
        soft_wrap=True,
    )
    if summary.claimed_passes:
        stdout().print(f"{summary.claimed_passes} pass(es) the file claims are shown as imported: they were not "
                       "checked here (`asm-tutor grade` regrades the code an export carries).", soft_wrap=True)
    return 0
