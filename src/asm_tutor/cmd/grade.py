"""`asm-tutor grade SUBMISSIONS`: grade a class's hand-ins into a gradebook (asm_tutor.classroom)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from asm_tutor.classroom import Gradebook
    from asm_tutor.context import Context

FORMATS = ("gradescope", "junit")
STDOUT = "-"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "grade",
        help="grade a folder of students' submissions into a gradebook",
        description="Grade SUBMISSIONS/<student>/<exercise>.rs files and progress exports "
        "(SUBMISSIONS/<student>.toml, or inside the student's folder; a claimed pass is regraded from the code "
        "it carries) with the pack's hidden tests. Your own progress is never read or written. Exit status: "
        "0 grading ran (whatever the marks), 1 it could not, 2 bad usage.",
    )
    parser.add_argument("submissions", metavar="SUBMISSIONS", type=Path, help="the folder of submissions")
    parser.add_argument("--pack", dest="grade_pack", metavar="DIR", help="the pack (folder or installed pack id)")
    parser.add_argument("--csv", metavar="FILE", type=Path, help="write the gradebook: a row per student")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write every cell with every case and reason")
    parser.add_argument("--format", choices=FORMATS, help="also write Gradescope's results.json or JUnit XML")
    parser.add_argument("--output", "-o", metavar="FILE", default=STDOUT,
                        help="where --format writes (default: standard output)")
    parser.add_argument("--one-student", action="store_true",
                        help="SUBMISSIONS is one student's hand-in (as Gradescope lays out a submission)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="checks at once (default: two per core)")
    parser.add_argument("--no-cache", action="store_true", help="grade again even code graded before")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.toolchain import warm_up

    warm_up()
    from asm_tutor.classroom import find_students, gradable_exercises, grade_class
    from asm_tutor.errors import UserError
    from asm_tutor.grader.engine import host_arch

    if args.grade_pack:
        import dataclasses

        ctx = dataclasses.replace(ctx, pack_arg=args.grade_pack)
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs must be 1 or more.", exit_code=2)
    pack = ctx.pack
    students = find_students(args.submissions, pack, one_student=args.one_student)
    if args.format == "gradescope" and len(students) != 1:
        raise UserError(f"Gradescope's results.json is one student's, and {args.submissions} holds "
                        f"{len(students)}: grade one submission folder with --one-student.", exit_code=2)
    to_terminal = args.output != STDOUT or not args.format
    console = _console(to_stdout=to_terminal)
    # Two checks per core: a check leaves its core idle while it links, starts its programs and
    # reads their reports; measured on 2 cores, 4 at once graded a class in 0.69x the time of 2
    # (docs/benchmarks.md).
    workers = args.jobs or 2 * (os.cpu_count() or 1)
    with _progress_bar(console, enabled=not args.quiet) as bar:
        task = bar.add_task("grading", total=len(students) * len(gradable_exercises(pack, host_arch())))
        book = grade_class(pack, students, workers=workers, use_cache=not args.no_cache,
                           on_cell=lambda _row, _cell: bar.advance(task))
    written = _write_outputs(args, book)
    if not args.quiet:
        summarize(console, book)
        for path in written:
            console.print(f"Wrote {shown(str(path))}", soft_wrap=True)
    if book.pack_problems:
        console.print(f"[red]asm-tutor:[/] the hidden tests of {', '.join(sorted(book.pack_problems))} did not "
                      "build, so they could not be graded (`asm-tutor pack check` says why).", soft_wrap=True)
        return 1
    return 0


def _console(*, to_stdout: bool) -> Console:
    from asm_tutor.report import stderr, stdout

    return stdout() if to_stdout else stderr()  # stdout may be the --format output


def _progress_bar(console: Console, *, enabled: bool):  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=not enabled)


def _write_outputs(args: argparse.Namespace, book: Gradebook) -> list[Path]:
    """Each output asked for, written whole or not at all; the files written."""
    from asm_tutor.atomic import write_user_file
    from asm_tutor.classroom import dumps_json, to_csv, to_gradescope, to_json, to_junit
    from asm_tutor.errors import UserError

    outputs: list[tuple[Path | str, bytes]] = []
    if args.csv:
        outputs.append((args.csv, to_csv(book).encode("utf-8")))
    if args.json:
        outputs.append((args.json, dumps_json(to_json(book)).encode("utf-8")))
    if args.format == "gradescope":
        outputs.append((args.output, dumps_json(to_gradescope(book, book.rows[0])).encode("utf-8")))
    elif args.format == "junit":
        outputs.append((args.output, to_junit(book)))
    written = []
    for where, data in outputs:
        if where == STDOUT:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            continue
        path = Path(where)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_user_file(path, data, replace=True)  # never through a link, never into a pipe or device
        except OSError as err:
            raise UserError(f"Cannot write {path} ({err.strerror or err}).") from err
        written.append(path)
    return written


# --------------------------------------------------------------------------- the summary

def shown(text: str) -> str:
    """Students' text (names, file names, reasons quoting their code) made safe for the terminal, and for rich."""
    from rich.markup import escape

    from asm_tutor.safe_text import printable

    return escape(printable(text))


def summarize(console: Console, book: Gradebook) -> None:
    from rich.table import Table

    passes = Table(title=f"{shown(book.pack.title)}: {len(book.rows)} student(s)", title_justify="left")
    for column in ("exercise", "points", "passed", "rate", "failed", "error", "missing"):
        passes.add_column(column, justify="left" if column == "exercise" else "right")
    for ex in book.exercises:
        cells = book.cells(ex)
        passed, total = book.pass_rate(ex)
        count = {outcome: sum(c.outcome.value == outcome for c in cells) for outcome in ("fail", "error", "missing")}
        rate = f"{100 * passed / total:.0f}%" if total else "-"
        passes.add_row(shown(ex), str(book.pack.exercises[ex].points), str(passed), rate,
                       str(count["fail"]), str(count["error"]), str(count["missing"]))
    console.print(passes)
    failures = book.common_failures()
    if failures:
        table = Table(title="Most common failures", title_justify="left")
        for column in ("exercise", "what failed", "students"):
            table.add_column(column, justify="right" if column == "students" else "left", overflow="fold")
        for ex, what, students in failures:
            table.add_row(shown(ex), shown(what), str(students))
        console.print(table)
    broken = book.broken_claims()
    if broken:
        console.print(f"[bold red]{len(broken)} claimed pass(es) do not regrade:[/] "
                      + ", ".join(f"{shown(student)}/{shown(ex)}" for student, ex in broken), soft_wrap=True)
    for row in book.rows:
        for note in row.student.notes:
            console.print(f"[yellow]{shown(row.student.name)}:[/] {shown(note)}", soft_wrap=True)
    if book.other_arch:
        console.print(f"[yellow]Not graded here[/] (written for another architecture than this machine's): "
                      f"{shown(', '.join(book.other_arch))}.", soft_wrap=True)
    console.print(f"[dim]{len(book.rows) * len(book.exercises)} cells in {book.seconds:.1f} s, "
                  f"{book.workers} at once[/]")
