"""The `asm-tutor` command line.

Kept free of Textual: only starting the TUI imports it, so `list`, `check` and
friends do not pay for its import. Each subcommand lives in `asm_tutor.cmd.<name>`
with `add_parser()` and `run()`; heavy imports stay inside `run()`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from asm_tutor import __version__
from asm_tutor.safe_text import printable

COMMANDS = (
    "list",
    "doctor",
    "progress",
    "pack",
    "check",
    "watch",
    "trace",
    "grade",
    "lesson",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one sentence and exit 2, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(printable(f"asm-tutor: {message} (see `{self.prog} --help`)") + "\n")
        raise SystemExit(2)


def _command(name: str) -> ModuleType:
    return importlib.import_module(f"asm_tutor.cmd.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="asm-tutor", description="An interactive terminal tutor for Rust's inline assembly (asm!).")
    parser.add_argument("--version", action="version", version=f"asm-tutor {__version__}")
    parser.add_argument("--pack", metavar="DIR", help="use this pack folder (or installed pack id) instead of the built-in course")
    parser.add_argument("--profile", metavar="NAME", help="learner profile (default: $ASM_TUTOR_PROFILE or your user name)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        _command(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from asm_tutor.context import Context
    from asm_tutor.errors import UserError
    from asm_tutor.pack.problems import PackError
    from asm_tutor.toolchain import ToolchainError

    ctx = Context(pack_arg=args.pack, profile=args.profile)
    try:
        if args.command is None:
            from asm_tutor.tui.launch import run_tui

            return run_tui(ctx)
        return int(_command(args.command).run(args, ctx) or 0)
    except PackError as err:
        from asm_tutor.report import print_pack_problems

        print_pack_problems(err)
        return 1
    except (UserError, ToolchainError) as err:
        sys.stderr.write(f"asm-tutor: {printable(str(err))}\n")
        return getattr(err, "exit_code", 1)
    except KeyboardInterrupt:
        sys.stderr.write("asm-tutor: interrupted.\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`asm-tutor check ... --json | head`): stop quietly, as Unix
        # tools do, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
