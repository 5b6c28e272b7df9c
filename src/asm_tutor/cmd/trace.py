"""`asm-tutor trace EXERCISE FILE`: step through the required function on one case, emulated."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.cmd import arch

if TYPE_CHECKING:
    from rich.console import Console

    from asm_tutor.context import Context
    from asm_tutor.trace.model import Step, Trace


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "trace",
        help="step through your function on one case, in an emulator",
        description="Build FILE as a check does and emulate the required function on one case, one "
        "instruction at a time: the registers each step changed, the flags, the memory it wrote, and which "
        "asm! operand each register is. By default the check's first failing case. Exit status: 0 traced, "
        "1 could not trace, 2 bad usage.",
    )
    parser.add_argument("exercise", metavar="EXERCISE", help="the exercise id (see `asm-tutor list`)")
    parser.add_argument("file", metavar="FILE", type=Path, help="your Rust source file")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--case", metavar="N", help="the case to trace: its number in the check (1 is the first) "
                                                   "or its name, e.g. 'edge 3'")
    which.add_argument("--args", nargs="+", metavar="A", help="trace on these arguments instead (Rust literals: "
                                                              "42, 0xff, -1, u64::MAX, true)")
    parser.add_argument("--opt", type=int, choices=(0, 3), help="the optimization level to trace (default: the "
                                                                "level the case failed at, else 0)")
    parser.add_argument("--json", action="store_true", help="print the trace as JSON (docs/trace.md)")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for the random cases, as `check --seed`")
    parser.add_argument("--max-steps", type=int, default=None, metavar="N", help="stop after N steps (default 10000)")
    parser.add_argument("--pack", dest="trace_pack", metavar="DIR", help="use this pack folder (or installed pack id)")
    arch.add_option(parser, "build and emulate")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.cmd.check import find_exercise
    from asm_tutor.errors import UserError
    from asm_tutor.learner_file import read_learner_file
    from asm_tutor.trace.emulate import MAX_STEPS
    from asm_tutor.trace.trace import trace

    if args.trace_pack:
        import dataclasses

        ctx = dataclasses.replace(ctx, pack_arg=args.trace_pack)
    try:
        exercise = find_exercise(ctx, args.exercise)
        found = trace(exercise, read_learner_file(args.file), edition=ctx.pack.edition, lessons=ctx.pack.lessons,
                      seed=args.seed, case=args.case, args=args.args, opt_level=args.opt,
                      max_steps=args.max_steps or MAX_STEPS, toolchain=arch.toolchain(args, ctx))
    except UserError as err:
        if not args.json:
            raise
        sys.stdout.write(json.dumps({"format": 1, "error": str(err)}, indent=2) + "\n")
        return err.exit_code
    if args.json:
        sys.stdout.write(json.dumps(found.to_json(), indent=2) + "\n")
    else:
        from asm_tutor.report import stdout

        render(stdout(), found)
    return 0


# --------------------------------------------------------------------------- rendering

def render(console: Console, found: Trace) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from asm_tutor.values import short  # values named as the TUI names them: `1 << 63`, `u64::MAX - 8`

    title = f"[bold]Trace of {escape(found.function)}[/] [dim]({found.exercise}, -O{found.opt_level}, {found.arch})[/]"
    console.print(title)
    if found.case is not None:
        case = found.case
        got = "its caller got" if found.caller_broke else "the check got"
        console.print(f"Case [bold]{escape(case.name)}[/]: {escape(short(case.input))} — expected "
                      f"{escape(short(case.expected))}, {got} {escape(short(case.actual) or '(nothing)')} ({case.status})")
    shown_args = ", ".join(f"{a.name} = {short(str(a.value))} in {a.register}" for a in found.arguments) or "no arguments"
    result = f"the result in {':'.join(reversed(found.return_registers))}" if found.return_registers else "no result"
    console.print(f"Arguments: {escape(shown_args)}; {escape(result)}")
    for block in found.blocks:
        where = f"line {block.line}" if block.line is not None else "unread"
        operands = ", ".join(f"{{{name}}} = {reg}" for name, reg in block.registers.items()) or "operands unknown"
        console.print(f"asm! block {block.index + 1} ({where}): {escape(operands)}")

    console.print("\n[bold]Code[/] [dim](▶ from your asm! block)[/]")
    for line in found.listing:
        mark = "[cyan]▶[/]" if line.block is not None else " "
        console.print(f"  {line.offset:4x}  {mark} {escape(line.text)}", soft_wrap=True, highlight=False)

    console.print("\n[bold]Steps[/]")
    # Two columns: the instruction whole, what it did wrapped beside it (memory bytes too), so a
    # step fits the terminal's width, 80 columns included.
    steps = Table.grid(padding=(0, 2))
    steps.add_column(no_wrap=True)
    steps.add_column(overflow="fold")
    for step in found.steps:
        head = Text(f"  {step.number:4d} ")
        head.append("▶" if step.block is not None else " ", "cyan")
        head.append(f" {step.text}")
        steps.add_row(head, Text("\n".join(_details(step))))
    console.print(steps, highlight=False)

    stop = found.stop
    colour = "green" if stop.reason == "returned" and not found.caller_broke else "yellow"
    if stop.reason == "returned":
        console.print(f"\n[{colour}]{escape(stop.message)}[/]")
    console.print(f"{'' if stop.reason == 'returned' else chr(10)}[{colour}]{escape(found.ending(short))}[/]")
    console.print(f"\n[dim]{len(found.steps)} step(s) · {found.duration_ms} ms · "
                  f"{escape(found.sandbox) if found.sandbox else 'emulator not sandboxed'}[/]")


def _details(step: Step) -> list[str]:
    """What a step did, one short line each: operands, condition, registers, flags, memory."""
    out: list[str] = []
    if not step.executed:
        return ["(not run: the trace stops here)"]
    if step.operands:
        out.append(" ".join(f"{{{name}}} = {reg}" for name, reg in step.operands.items()))
    if step.condition is not None:
        cond = step.condition
        test = cond.test.replace("!=", "≠")
        out.append(f"{cond.code}: {cond.meaning}, {test}: {'holds' if cond.holds else 'does not hold'}")
    for change in step.registers:
        named = f" ({change.operand})" if change.operand else ""
        out.append(f"{change.name}{named}: {change.old:#x} → {change.new:#x}")
    if step.writes_flags or step.flags_changed:
        flags = " ".join(f"{name}={int(value)}" for name, value in step.flags.items())
        changed = f" ({', '.join(step.flags_changed)} changed)" if step.flags_changed else ""
        out.append(f"flags: {flags}{changed}")
    for write in step.memory:
        out.append(f"memory [{write.address:#x}] ← {write.data.hex(' ')}")
    return out
