"""`asm-tutor doctor`: can this machine grade, and with what?"""

from __future__ import annotations

import argparse
import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_tutor.context import Context


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("doctor", help="check rustc, the host and the folders in use")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rich.markup import escape
    from rich.table import Table

    from asm_tutor import __version__, paths
    from asm_tutor.pack.model import ARCHES
    from asm_tutor.report import stdout
    from asm_tutor.toolchain import ASM_STABLE_SINCE, ToolchainError, detect

    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    problems: list[str] = []
    table.add_row("asm-tutor", __version__)
    try:
        toolchain = detect()
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
    objdump = shutil.which("objdump")
    if objdump:
        table.add_row("objdump", objdump)
    else:
        table.add_row("objdump", "[red]missing[/]")
        problems.append("objdump was not found; install binutils so the compiled code can be checked.")
    from asm_tutor.grader import sandbox

    confined = sandbox.status()
    if confined.available:
        who = " (learner code runs as nobody)" if os.geteuid() == 0 else ""
        table.add_row("sandbox", f"[green]{confined.tool}[/]: no network, no home folder, nothing left running{who}")
    else:
        table.add_row("sandbox", f"[yellow]none[/] — {escape(confined.problem)}")
    table.add_row("data folder", str(paths.data_dir()))
    table.add_row("config folder", str(paths.config_dir()))
    pack = ctx.pack
    table.add_row("pack", f"{pack.title} — {pack.id} {pack.version} at {ctx.pack_dir}")
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
    from pathlib import Path

    from asm_tutor.grader.checks import objdump_argv

    toolchain = found.toolchain
    std = f", std from {toolchain.sysroot}" if toolchain.sysroot else ""
    row = (f"[green]ready[/] under emulation: {escape(str(toolchain.rustc))} {toolchain.release}{escape(std)}, "
           f"linked by {escape(toolchain.linker)}, run by {escape(' '.join(toolchain.runner))}")
    if objdump_argv(arch, Path(arch)) is None:
        row += (f"\n  [yellow]but[/] the checks on its compiled code need {arch}-linux-gnu-objdump: "
                f"sudo apt-get install binutils-{arch.replace('_', '-')}-linux-gnu")
    return row
