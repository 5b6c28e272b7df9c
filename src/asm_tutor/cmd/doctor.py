"""`asm-tutor doctor`: can this machine grade, and with what?"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from asm_tutor.context import Context
    from asm_tutor.toolchain import Toolchain


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("doctor", help="check rustc, the host and the folders in use")
    # Also accepted after the subcommand, as `check --pack` is; the global --pack before it works too.
    parser.add_argument("--pack", dest="doctor_pack", metavar="DIR", help="the pack folder (or installed pack id)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rich.markup import escape
    from rich.table import Table

    from asm_tutor import __version__, paths
    from asm_tutor.pack.model import ARCHES
    from asm_tutor.report import stdout
    from asm_tutor.toolchain import ASM_STABLE_SINCE, ToolchainError, detect

    if getattr(args, "doctor_pack", None):
        import dataclasses

        ctx = dataclasses.replace(ctx, pack_arg=args.doctor_pack)
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    problems: list[str] = []
    table.add_row("asm-tutor", __version__)
    toolchain_found = None
    try:
        toolchain = toolchain_found = detect()
    except ToolchainError as err:
        table.add_row("rustc", f"[red]missing[/] — {err}")
        problems.append(str(err))
    else:
        table.add_row("rustc", f"{toolchain.rustc} ({toolchain.release}, LLVM {toolchain.llvm})")
        table.add_row("host", toolchain.host)
        table.add_row("architecture", toolchain.arch)
        since = ".".join(map(str, ASM_STABLE_SINCE))
        if toolchain.supports_asm:
            table.add_row("asm!", f"[green]supported[/] (stable since {since})")
        else:
            table.add_row("asm!", f"[red]not supported[/]: needs Rust {since} or newer")
            problems.append(f"rustc {toolchain.release} is older than {since}; update Rust (e.g. `rustup update`).")
        if toolchain.arch not in ARCHES:
            problems.append(f"exercises are written for {' and '.join(ARCHES)}; this host is {toolchain.arch}.")
        for arch in ARCHES:
            table.add_row(arch, _arch_row(arch))
    from asm_tutor.grader import sandbox

    confined = sandbox.status()
    if confined.available:
        who = " (learner code runs as nobody)" if os.geteuid() == 0 else ""
        table.add_row("sandbox", f"[green]{confined.tool}[/]: no network, no home folder, nothing left running{who}")
    else:
        table.add_row("sandbox", f"[yellow]none[/] — {escape(confined.problem)}")
    _bounds_rows(table)
    if toolchain_found is not None:
        _toolchain_rows(table, toolchain_found)
    table.add_row("data folder", str(paths.data_dir()))
    table.add_row("config folder", str(paths.config_dir()))
    pack = ctx.pack
    table.add_row("pack", escape(f"{pack.title} — {pack.id} {pack.version} at {ctx.pack_dir}"))
    console = stdout()
    console.print(table, soft_wrap=True)
    if problems:
        console.print("[bold red]The tutor cannot grade on this machine:[/]")
        for problem in problems:
            console.print(f"  • {problem}")
        return 1
    console.print("[bold green]Ready to grade.[/]")
    return 0


def _arch_row(arch: str) -> str:
    """Whether exercises for `arch` can be graded here: natively, under emulation, or what is missing and
    the commands that would install it."""
    from rich.markup import escape

    from asm_tutor.targets import status

    found = status(arch)
    if found.toolchain is None:
        commands = "".join(f"\n    {escape(command)}" for command in found.fix)
        return f"[yellow]not ready[/] — {escape(' '.join(found.missing))}" + (f"\n  to get it:{commands}" if commands else "")
    if found.native:
        return "[green]ready[/] (this machine's own)"
    toolchain = found.toolchain
    std = f", std from {toolchain.sysroot}" if toolchain.sysroot else ""
    return (f"[green]ready[/] under emulation: {escape(str(toolchain.rustc))} {toolchain.release}{escape(std)}, "
            f"linked by {escape(toolchain.linker)}, run by {escape(' '.join(toolchain.runner))}")


def _gib(size: int) -> str:
    return f"{size / (1 << 30):g} GiB"


def _bounds_rows(table: Table) -> None:
    """What a check's learner code may use together (grader/bounds.py)."""
    from asm_tutor.grader.bounds import PROGRAMS_PER_CHECK, bounds

    found = bounds()
    counted = ("counted apart from your other processes (a user namespace per job)" if found.counted_apart else
               "[yellow]counted with every process you run[/] (no user namespace of its own here), so the cap is "
               "what runs now plus a few")
    table.add_row("limits", f"each test program: {found.processes} processes and threads at most, "
                            f"{_gib(found.memory)} of address space each ({_gib(found.per_program)} together), "
                            f"{counted}; a check's {PROGRAMS_PER_CHECK} programs: {_gib(found.per_check)} at most")
    table.add_row("cgroups", f"not used: {found.cgroup}")


def _toolchain_rows(table: Table, toolchain: Toolchain) -> None:
    """What the sandbox shows of the toolchain, and a warning when its folder had to be narrowed."""
    from rich.markup import escape

    from asm_tutor.grader.runtime import toolchain_paths

    found = toolchain_paths(toolchain)
    root = found.sysroot
    parts = [path.relative_to(root).as_posix() if root and path.is_relative_to(root) else str(path)
             for path in found.visible()]
    table.add_row("sandbox sees", escape(f"of {root}: " if root else "") + escape(", ".join(parts)))
    if why := found.narrowed():
        table.add_row("", f"[yellow]narrowed:[/] {escape(why)}")
