"""`asm-tutor check EXERCISE FILE`: grade a file from the command line, like the TUI does."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.cmd import arch

if TYPE_CHECKING:
    from asm_tutor.context import Context

if TYPE_CHECKING:
    from rich.console import Console

    from asm_tutor.grader.result import GradeResult
    from asm_tutor.pack.model import Exercise, Lesson

# What render() imports, for the grader to import while the compilers run.
RENDERING = ("asm_tutor.report", "rich.markup", "rich.table")
# Passing cases are summed up, failing ones shown in full, up to this many rows.
MAX_FAILURE_ROWS = 12


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="grade a solution file for an exercise",
        description="Compile FILE with the exercise's hidden tests at -O0 and -O3, run them, check the "
        "compiled code, and report. Exit status: 0 passed, 1 failed or did not compile, 2 bad usage.",
    )
    parser.add_argument("exercise", metavar="EXERCISE", help="the exercise id (see `asm-tutor list`)")
    parser.add_argument("file", metavar="FILE", type=Path, help="your Rust source file")
    # Also accepted after the subcommand; the global --pack before it works too.
    parser.add_argument("--pack", dest="check_pack", metavar="DIR", help="use this pack folder (or installed pack id)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (the stable result format)")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for the random cases (reproduces a reported run)")
    parser.add_argument("--no-cache", action="store_true", help="grade again even if this exact code was graded before")
    parser.add_argument("--no-save", action="store_true", help="do not record this attempt or the draft in your progress")
    arch.add_option(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.toolchain import warm_up

    warm_up()  # overlaps `rustc -vV` with loading the pack and the grader
    from asm_tutor.grader.engine import grade
    from asm_tutor.grader.result import GradeResult, Status
    from asm_tutor.learner_file import LearnerFileError, read_learner_file

    if args.check_pack:
        import dataclasses

        ctx = dataclasses.replace(ctx, pack_arg=args.check_pack)
    exercise = find_exercise(ctx, args.exercise)
    try:
        source = read_learner_file(args.file)
    except LearnerFileError as err:
        # Refused before it was read; not an attempt, and never a draft.
        result = GradeResult(exercise=exercise.id, status=Status.ERROR, message=str(err))
    else:
        result = grade(exercise, source, edition=ctx.pack.edition, toolchain=arch.toolchain(args, ctx), seed=args.seed,
                       use_cache=not args.no_cache,
                       lessons=ctx.pack.lessons, prefetch=() if args.json else RENDERING)
        record_attempt(args, ctx, exercise, source, result)
    show(result, exercise, str(args.file), as_json=args.json, lessons=ctx.pack.lessons)
    return 0 if result.passed else 1


def find_exercise(ctx: Context, exercise_id: str) -> Exercise:
    from asm_tutor.errors import UserError

    pack = ctx.pack
    exercise = pack.exercises.get(exercise_id)
    if exercise is None:
        import difflib

        # By id or by title: `timesnine`, `times-nine` and "Times nine" all find times_nine.
        titles = {e.title.casefold(): e.id for e in pack.exercises.values()}
        wanted = exercise_id.casefold().replace("-", "_").replace(" ", "_")
        close = difflib.get_close_matches(wanted, list(pack.exercises), n=3, cutoff=0.6)
        close += [titles[t] for t in difflib.get_close_matches(exercise_id.casefold(), list(titles), n=2, cutoff=0.6)]
        guesses = list(dict.fromkeys(close))[:3]
        if guesses:
            maybe = " or ".join(f"`{g}`" for g in guesses)
            raise UserError(f"There is no exercise `{exercise_id}` in {pack.title}. Did you mean {maybe}? "
                            f"(`asm-tutor list` shows them all.)", exit_code=2)
        known = ", ".join(sorted(pack.exercises)) or "none"
        raise UserError(f"There is no exercise `{exercise_id}` in {pack.title} (exercises: {known}).", exit_code=2)
    return exercise


def show(result: GradeResult, exercise: Exercise, file_name: str, *, as_json: bool,
         lessons: Mapping[str, Lesson] | None = None) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        from asm_tutor.report import stdout

        render(stdout(), result, exercise, file_name, lessons=lessons)


def record_attempt(args: argparse.Namespace, ctx: Context, exercise: Exercise, source: str,
                   result: GradeResult) -> None:
    """Record the attempt and the draft in the learner's progress, unless `--no-save`.

    Notices (a damaged progress file kept aside, progress switched off) go to
    stderr so `--json` output on stdout stays clean.
    """
    if args.no_save:
        return
    from asm_tutor.report import stderr

    store = ctx.progress
    store.record_check(ctx.pack, exercise.id, passed=result.passed, draft=source)
    for notice in store.take_notices():
        stderr().print(f"[yellow]asm-tutor:[/] {notice}", soft_wrap=True)


# --------------------------------------------------------------------------- rendering

def render(console: Console, result: GradeResult, exercise: Exercise, file_name: str, *,
           starter: bool = False, lessons: Mapping[str, Lesson] | None = None) -> None:
    """The result as text that wraps at words. `starter`: the file is the starter as handed out,
    so the first failing case in words stands for the table (watch's first screen stays short).
    `lessons`: the course's, to print the command that shows a lesson section the feedback names."""
    from rich.markup import escape
    from rich.table import Table

    from asm_tutor.grader.result import Status, TestStatus
    from asm_tutor.values import short

    colour = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "yellow"}[result.status]
    mark = {Status.PASS: "✓", Status.FAIL: "✗", Status.ERROR: "!"}[result.status]
    console.print(f"[bold {colour}]{mark} {escape(exercise.title)}[/] [dim]({exercise.id})[/] — "
                  f"[bold {colour}]{result.status.value}[/]")
    console.print(escape(result.message))

    if starter and not result.diagnostics:
        first = next((t for t in result.tests if t.status is not TestStatus.PASS), None)
        if first is not None:
            said = f"{first.name} at -O{first.opt_level}: {short(first.input, exercise.tests.display)}"
            if first.expected and first.actual:
                said += (f" returned {short(first.actual, exercise.tests.display)}; expected "
                         f"{short(first.expected, exercise.tests.display)}.")
            elif first.message:
                said += f": {first.message}"
            console.print(f"First: {escape(said)}")
        console.print("\nYour file is still the starter. Write the asm! block the exercise asks for, and save: "
                      "the whole report (every case, every check) comes with your first change.")
        return

    if result.tests:
        passed = [t for t in result.tests if t.status is TestStatus.PASS]
        bad = [t for t in result.tests if t.status is not TestStatus.PASS]
        levels = sorted({t.opt_level for t in result.tests})
        summary = f"{len(passed)} of {len(result.tests)} test runs passed (each case at " + \
            " and ".join(f"-O{level}" for level in levels) + ")"
        console.print(f"\n[bold]Tests[/]: {summary}")
        # One row per failing case; the same failure at both levels is one row. Properties first:
        # there are few of them and each says something the numbered cases do not.
        display = exercise.tests.display
        rows: dict[tuple[str, str, str, str, str], list[int]] = {}
        for test in sorted(bad, key=lambda t: not t.name.startswith("property")):
            if test.status is not TestStatus.NOT_RUN:
                rows.setdefault((test.name, short(test.input, display), short(test.expected, display),
                                 short(test.actual, display), test.message or test.status.value), []).append(test.opt_level)
        if rows:
            table = Table(pad_edge=False)
            for column in ("case", "opt", "input", "expected", "actual", "what happened"):
                table.add_column(column, overflow="fold")
            said = ""
            for (name, text_input, expected, actual, why), opt_levels in list(rows.items())[:MAX_FAILURE_ROWS]:
                # A long explanation (a crash, a time-out) is said once, not on every row it applies to.
                shown, said = ("〃 (as above)" if why == said and len(why) > 20 else why), why
                table.add_row(escape(name), ", ".join(f"-O{level}" for level in opt_levels), escape(text_input),
                              escape(expected), escape(actual), escape(shown))
            console.print(table)
        if len(rows) > MAX_FAILURE_ROWS:
            console.print(f"  … and {len(rows) - MAX_FAILURE_ROWS} more failing case(s).")
        not_run = [t for t in bad if t.status is TestStatus.NOT_RUN]
        if not_run:
            why = not_run[0].message.removeprefix("not run: ")
            console.print(f"  {len(not_run)} run(s) not run: {escape(why)}")

    if result.checks:
        console.print("\n[bold]Checks on the compiled code[/]")
        for item in result.checks:
            sign = {TestStatus.PASS: "[green]✓[/]", TestStatus.FAIL: "[red]✗[/]"}.get(item.status, "[yellow]![/]")
            line = f"  {sign} {escape(item.name)}"
            if item.message:
                line += f" — {escape(item.message)}"
            console.print(line)

    if result.diagnostics:
        console.print("\n[bold]Compiler[/]")
        for diag in result.diagnostics:
            where = f"{file_name}:{diag.line}:{diag.column}: " if diag.line is not None else ""
            code = f"[{diag.code}]" if diag.code else ""
            style = "red" if diag.level == "error" else "yellow"
            console.print(f"{escape(where)}[bold {style}]{escape(diag.level + code)}[/]: {escape(diag.message)}")
            snippet = _snippet(diag.rendered)
            if snippet:
                console.print(escape(snippet), style="dim", soft_wrap=True, highlight=False)
            if diag.hint:
                console.print(f"  [cyan]hint:[/] {escape(diag.hint)}")

    if lessons:
        from asm_tutor.cmd.lesson import lesson_commands

        named = [c.message for c in result.checks if c.status is not TestStatus.PASS]
        for command in lesson_commands([*named, *(d.hint or "" for d in result.diagnostics)], lessons):
            console.print(f"\n[dim]Read it:[/] [cyan]{escape(command)}[/]", highlight=False)

    if not result.sandbox and (result.tests or result.diagnostics):
        from asm_tutor.grader.sandbox import status

        console.print(f"\n[yellow]Not sandboxed:[/] {escape(status().problem or 'the code ran unconfined')}.")
    if result.seed is None:
        return  # the file was refused before any grading
    footer = [f"seed {result.seed} (reproduce with --seed {result.seed})"] if exercise.tests.random else []
    footer.append("from the cache" if result.cached else f"{result.duration_ms} ms")
    console.print("\n[dim]" + escape(" · ".join(footer)) + "[/]")


def _snippet(rendered: str) -> str:
    """rustc's rendered text without its first line (already printed) and its `-->` location."""
    lines = rendered.rstrip().splitlines()[1:]
    return "\n".join(line for line in lines if not line.lstrip().startswith("-->")).rstrip()
