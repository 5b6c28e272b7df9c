"""`asm-tutor watch EXERCISE [FILE]`: check a file on every save, in the foreground (like rustlings watch).

For learners who write in their own editor. One process checks again and again, so
everything is loaded once and an unchanged file is answered from memory. Without
FILE it watches `EXERCISE.rs` in the current folder, writing it first (from the
saved draft, else the starter) when it is not there.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.atomic import NotARegularFile, write_user_file
from asm_tutor.cmd import arch
from asm_tutor.errors import UserError

if TYPE_CHECKING:
    from asm_tutor.context import Context
    from asm_tutor.pack.model import Exercise
    from asm_tutor.toolchain import Toolchain

POLL_SECONDS = 0.2
EOF = "\x04"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "watch",
        help="check a file every time you save it (for your own editor)",
        description="Check FILE now and again after every save, until you quit (q and Enter, or Ctrl-C). "
        "Without FILE, EXERCISE.rs in this folder is watched (written from your draft or the starter if "
        "it is not there). Enter checks again, h and Enter shows the next hint.",
    )
    parser.add_argument("exercise", metavar="EXERCISE", help="the exercise id (see `asm-tutor list`)")
    parser.add_argument("file", metavar="FILE", type=Path, nargs="?", help="your Rust source file")
    parser.add_argument("--no-save", action="store_true", help="do not record attempts or the draft in your progress")
    arch.add_option(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.toolchain import warm_up

    warm_up()
    from asm_tutor.cmd.check import find_exercise, record_attempt, render
    from asm_tutor.cmd.lesson import lesson_commands
    from asm_tutor.grader.engine import grade, host_arch
    from asm_tutor.grader.result import GradeResult, Status
    from asm_tutor.learner_file import FileWatch, LearnerFileError, read_learner_file
    from asm_tutor.report import stdout

    exercise = find_exercise(ctx, args.exercise)
    try:
        starter = exercise.starter(host_arch())
    except OSError:
        starter = None
    console = stdout()
    toolchain = arch.toolchain(args, ctx)
    path = args.file or _default_file(ctx, exercise, toolchain)
    watch = FileWatch(path)
    last: tuple[str, GradeResult] | None = None
    hints_shown = 0

    def check() -> None:
        nonlocal last
        try:
            source = read_learner_file(path)
        except LearnerFileError as err:
            result = GradeResult(exercise=exercise.id, status=Status.ERROR, message=str(err))
        else:
            if last is not None and last[0] == source:
                result = last[1]  # unchanged (touched, or saved as it was): the answer is the same
            else:
                result = grade(exercise, source, edition=ctx.pack.edition, lessons=ctx.pack.lessons, toolchain=toolchain)
                record_attempt(args, ctx, exercise, source, result)
                last = (source, result)
        if console.is_terminal:
            console.clear()
        untouched = last is not None and starter is not None and last[0].strip() == starter.strip()
        render(console, result, exercise, str(path), starter=untouched, lessons=ctx.pack.lessons)
        console.print(f"\n[dim]Watching {path}: save it to check again. Enter checks now, h + Enter shows "
                      "a hint, q + Enter (or Ctrl-C) quits.[/]", highlight=False)

    check()
    reading = True  # commands come on stdin until it ends (a terminal, or a pipe from a script)
    while True:
        command = _wait(POLL_SECONDS) if reading else _sleep(POLL_SECONDS)
        if command is None:
            if watch.changed():
                check()
            continue
        if command == EOF:
            reading = False
        elif command == "q":
            return 0 if last is not None and last[1].passed else 1
        elif command == "h":
            if hints_shown < len(exercise.hints):
                hints_shown += 1
                if not args.no_save:
                    ctx.progress.reveal_hint(ctx.pack, exercise.id, hints_shown)
                hint = exercise.hints[hints_shown - 1]
                console.print(f"\n[cyan]Hint {hints_shown}/{len(exercise.hints)}:[/] {hint}", highlight=False)
                for command in lesson_commands([hint], ctx.pack.lessons):
                    console.print(f"[dim]Read it:[/] [cyan]{command}[/]", highlight=False)
            else:
                console.print("\nNo more hints for this exercise.")
        else:
            check()


def _wait(seconds: float) -> str | None:
    """A command typed on stdin (a line), EOF when it ended, or None when `seconds` passed without one."""
    ready, _, _ = select.select([sys.stdin], [], [], seconds)
    if not ready:
        return None
    line = sys.stdin.readline()
    return line.strip().lower() if line else EOF


def _sleep(seconds: float) -> str | None:
    """Nothing typed (stdin has ended): only the file is watched."""
    time.sleep(seconds)
    return None


def _default_file(ctx: Context, exercise: Exercise, toolchain: Toolchain | None) -> Path:
    """EXERCISE.rs in the current folder, written from the draft (else the starter) if it is missing."""
    from asm_tutor.grader.engine import host_arch
    from asm_tutor.report import stderr

    path = Path(os.getcwd()) / f"{exercise.id}.rs"
    if not path.exists():
        draft = ctx.progress.draft(ctx.pack, exercise.id)
        text = draft if draft is not None else exercise.starter(host_arch(toolchain))
        try:
            write_user_file(path, text.encode("utf-8"))
        except NotARegularFile as err:  # e.g. a dangling link: exists() is False, and writing would follow it
            raise UserError(f"{err.strerror}. Remove it, or name the file to watch: "
                            f"`asm-tutor watch {exercise.id} FILE`.", 2) from err
        except OSError as err:
            raise UserError(f"{path} could not be written ({err.strerror or err}).", 2) from err
        origin = "your saved draft" if draft is not None else "the starter"
        stderr().print(f"asm-tutor: wrote {path} from {origin}; open it in your editor.", highlight=False)
    return path
