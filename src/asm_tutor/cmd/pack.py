"""`asm-tutor pack new|check|install|export|list`: write, check and hand out a course.

The work is done headlessly in `asm_tutor.authoring` (scaffold, check, export) and `asm_tutor.pack.registry`;
this module parses arguments and renders with Rich.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.safe_text import json_text

if TYPE_CHECKING:
    from asm_tutor.context import Context


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "pack", help="write, check, install and list course packs",
        description="Write, check, install and list course packs (see docs/authoring-packs.md).",
    )
    actions = parser.add_subparsers(dest="pack_command", metavar="ACTION", required=True)

    new = actions.add_parser("new", help="create a pack with one worked lesson and one worked exercise")
    new.add_argument("dir", metavar="DIR", help="a new or empty folder")
    new.add_argument("--id", dest="pack_id", metavar="ID", help="the pack id (default: from the folder name)")
    new.add_argument("--title", help="the pack title (default: from the id)")

    check = actions.add_parser(
        "check", help="validate a pack and test its solutions, starters and lesson code with rustc",
    )
    check.add_argument("dir", metavar="DIR", nargs="?",
                       help="the pack folder or installed pack id (default: --pack, else the built-in course)")
    check.add_argument("--exercise", metavar="ID", help="check this exercise alone (and its lesson)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--arch", choices=("x86_64", "aarch64"),
                       help="check only this architecture's code (default: every one this machine has a toolchain "
                            "for, another one built with a cross toolchain and run under emulation)")
    check.add_argument("--jobs", "-j", type=int, default=2, metavar="N",
                       help="exercises graded at once (default 2)")
    check.add_argument("--no-cache", action="store_true",
                       help="rebuild everything instead of reusing the grader's cache")

    install = actions.add_parser("install", help="validate a pack folder and copy it into your data folder")
    install.add_argument("dir", metavar="DIR", help="the pack folder")
    install.add_argument("--yes", "-y", action="store_true",
                         help="replace an installed pack with the same id without asking")
    install.add_argument("--check", action="store_true",
                         help="run `pack check` first and install only if it passes")

    export = actions.add_parser("export", help="copy a pack for learners, leaving the reference solutions out")
    export.add_argument("dir", metavar="DIR", help="the pack folder or installed pack id")
    export.add_argument("dest", metavar="DEST", help="a new or empty folder for the hand-out")

    autograder = actions.add_parser("autograder", help="write a ready Gradescope autograder for a pack")
    autograder.add_argument("dir", metavar="DIR", help="the pack folder or installed pack id")
    autograder.add_argument("dest", metavar="DEST", help="a new or empty folder for the autograder")
    autograder.add_argument("--wheel", metavar="FILE", type=Path,
                            help="an asm-tutor wheel to install (default: asm-tutor from the package index)")

    lst = actions.add_parser("list", help="the built-in course and the installed packs")
    lst.add_argument("--json", action="store_true", help="print the list as JSON")


def run(args: argparse.Namespace, ctx: Context) -> int:
    return {"new": _new, "check": _check, "install": _install, "export": _export, "autograder": _autograder,
            "list": _list}[args.pack_command](args, ctx)


# -- new -------------------------------------------------------------------------------------


def _new(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.authoring.scaffold import new_pack
    from asm_tutor.report import stdout

    dest = Path(args.dir)
    written = new_pack(dest, pack_id=args.pack_id, title=args.title)
    console = stdout()
    console.print(f"[bold green]Created a pack in {dest}[/] ({len(written)} files):")
    for path in written:
        console.print(f"  {path.relative_to(dest).as_posix()}")
    console.print(
        f"Next: edit the files (every field is explained in its comment), then run "
        f"`asm-tutor pack check {dest}` and try it with `asm-tutor --pack {dest}`.",
        soft_wrap=True,
    )
    return 0


# -- check -----------------------------------------------------------------------------------

_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "skipped": "dim", "not_checkable": "cyan"}
_LABEL = {"pass": "pass", "fail": "FAIL", "warn": "warn", "skipped": "skipped", "not_checkable": "not checkable"}


def _check(args: argparse.Namespace, ctx: Context) -> int:
    import threading

    from asm_tutor.toolchain import warm_up

    warm_up()  # overlaps `rustc -vV` with loading the pack

    from asm_tutor.authoring.check import check_pack
    from asm_tutor.pack.locate import resolve_pack_dir
    from asm_tutor.report import print_pack_problems, stderr, stdout
    from asm_tutor.targets import for_arch
    from asm_tutor.toolchain import can_grade, require_grading_toolchain

    root = resolve_pack_dir(args.dir) if args.dir else ctx.pack_dir
    if args.jobs < 1:
        from asm_tutor.errors import UserError

        raise UserError("--jobs must be 1 or more.", 2)
    cancel = threading.Event()
    err_console = stderr()
    if args.json:
        report = check_pack(root, workers=args.jobs, use_cache=not args.no_cache, cancel=cancel,
                            only_exercise=args.exercise, only=args.arch)
        print(json_text(report.to_json()))
        return 0 if report.ok else 1

    toolchain = None
    done = 0

    def progress(_finding: object) -> None:
        nonlocal done
        done += 1
        if status is not None:
            status.update(f"checking {root.name}: {done} done…")

    status = None
    from asm_tutor.pack.loader import load_pack
    from asm_tutor.pack.problems import PackError

    try:
        load_pack(root, only=args.exercise)  # problems print plainly, before any spinner
    except PackError as err:
        print_pack_problems(err)
        return 1
    toolchain = require_grading_toolchain() if args.arch is None else can_grade(for_arch(args.arch))
    if err_console.is_terminal:
        status = err_console.status(f"checking {root.name} with {toolchain.describe()}…")
        status.start()
    try:
        report = check_pack(root, toolchain=toolchain, workers=args.jobs, use_cache=not args.no_cache,
                            on_finding=progress, cancel=cancel, only_exercise=args.exercise, only=args.arch)
    finally:
        if status is not None:
            status.stop()
    if not report.loaded:  # changed on disk meanwhile
        print_pack_problems(PackError(str(root), report.load_problems))
        return 1
    _render(report, stdout())
    return 0 if report.ok else 1


def _render(report, console) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table
    from rich.text import Text

    from asm_tutor.authoring.check_report import Outcome

    table = Table(
        title=f"pack check: {report.title} ({report.pack_id} {report.version}) with {report.rustc}",
        title_justify="left", show_lines=False,
    )
    table.add_column("item", style="cyan", overflow="fold")
    table.add_column("checked")
    table.add_column("outcome", no_wrap=True)
    table.add_column("detail")
    previous = None
    for f in report.findings:
        item = f.item if f.item != previous else ""
        previous = f.item
        detail = Text()
        if f.outcome in (Outcome.FAIL, Outcome.WARN):
            if f.location():
                detail.append(f.location() + " ", style="bold")
            if f.field:
                detail.append(f"{f.field}: ", style="bold")
        detail.append(f.detail + (" (cached)" if f.cached else ""))
        table.add_row(item, f.checked, Text(_LABEL[f.outcome.value], style=_STYLE[f.outcome.value]), detail)
    console.print(table)
    counts = ", ".join(
        f"{report.count(o)} {_LABEL[o.value]}" for o in Outcome if report.count(o)
    )
    problems = report.problems
    if problems:
        console.print(f"[bold red]{len(problems)} problem{'s' if len(problems) != 1 else ''}[/] "
                      f"({counts}; {report.duration_s:.1f} s):")
        for f in problems:
            console.print(f"  {f}", soft_wrap=True, markup=False)
    else:
        console.print(f"[bold green]The pack checks out[/] ({counts}; {report.duration_s:.1f} s).")
    for arch, toolchain in report.cross.items():
        console.print(f"[dim]{arch}: built with {toolchain}, run under emulation.[/]", soft_wrap=True, highlight=False)
    if report.count(Outcome.NOT_CHECKABLE):
        console.print(f"[cyan]Not checkable here[/] means: for another architecture than this host's "
                      f"({report.host_arch}), and no toolchain for it was found.", soft_wrap=True)
        for arch, why in report.unavailable.items():
            console.print(f"  {arch}: {why}", soft_wrap=True, markup=False, highlight=False)


# -- install ---------------------------------------------------------------------------------


def _install(args: argparse.Namespace, ctx: Context) -> int:
    from rich.markup import escape

    from asm_tutor.errors import UserError
    from asm_tutor.pack.registry import install_pack
    from asm_tutor.report import stdout

    src = Path(args.dir).expanduser()
    if not src.is_dir():
        raise UserError(f"{args.dir} is not a folder; give the path of a pack folder (one with a pack.toml).", 2)
    console = stdout()
    if args.check:
        from asm_tutor.authoring.check import check_pack

        report = check_pack(src)
        if not report.ok:
            if not report.loaded:
                from asm_tutor.pack.problems import PackError

                raise PackError(str(src), report.load_problems)
            _render(report, console)
            raise UserError("Not installed: `pack check` found problems (listed above).")

    def confirm(existing, new) -> bool:  # type: ignore[no-untyped-def]
        if args.yes:
            return True
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return False
        answer = input(
            f"A pack with id `{new.id}` is installed already ({existing.title} {existing.version}). "
            f"Replace it with {new.title} {new.version}? [y/N] "
        )
        return answer.strip().lower() in ("y", "yes")

    result = install_pack(src, replace=confirm)
    info = result.pack
    verb = "Replaced" if result.replaced else "Installed"
    console.print(f"[bold green]{verb}[/] {escape(info.title)} ({info.id} {escape(info.version)}) in {info.path} "
                  f"({result.files} files).", soft_wrap=True)
    for skipped in result.skipped:
        console.print(f"  [yellow]not copied:[/] {skipped}", soft_wrap=True)
    console.print(f"Open it with `asm-tutor --pack {info.id}`.")
    return 0


# -- export ----------------------------------------------------------------------------------


def _export(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.authoring.export import export_handout
    from asm_tutor.pack.locate import resolve_pack_dir
    from asm_tutor.report import stdout

    result = export_handout(resolve_pack_dir(args.dir), Path(args.dest))
    console = stdout()
    console.print(f"[bold green]Exported a hand-out[/] to {result.dest} ({result.files} files); "
                  f"left out {len(result.left_out)} reference solution(s):", soft_wrap=True)
    for path in result.left_out:
        console.print(f"  {path}")
    for skipped in result.skipped:
        console.print(f"  [yellow]not copied:[/] {skipped}", soft_wrap=True)
    console.print(f"It grades as your copy does. Learners open it with `asm-tutor --pack {result.dest}` "
                  f"(or `asm-tutor pack install {result.dest}` first); keep the full pack for yourself.",
                  soft_wrap=True)
    return 0


def _autograder(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.classroom import write_autograder
    from asm_tutor.pack.locate import resolve_pack_dir
    from asm_tutor.report import stdout

    made = write_autograder(resolve_pack_dir(args.dir), Path(args.dest), wheel=args.wheel)
    stdout().print(f"[bold green]Wrote a Gradescope autograder[/] to {made.dest}: setup.sh, run_autograder and "
                   f"the hand-out ({made.handout.files} files, {len(made.handout.left_out)} solution(s) left out). "
                   f"Upload {made.archive} as the assignment's autograder (Ubuntu 24.04 base image); students "
                   "submit their <exercise>.rs files or a progress export.", soft_wrap=True)
    return 0


# -- list ------------------------------------------------------------------------------------


def _list(args: argparse.Namespace, ctx: Context) -> int:
    from rich.table import Table

    from asm_tutor.pack.registry import available_packs
    from asm_tutor.paths import installed_packs_dir
    from asm_tutor.report import stdout

    packs = available_packs()
    if args.json:
        print(json_text([
            {"id": p.id, "title": p.title, "version": p.version, "path": str(p.path),
             "builtin": p.builtin, "problem": p.problem} for p in packs
        ]))
        return 0
    table = Table(title="Packs", title_justify="left")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("version")
    table.add_column("path", overflow="fold")
    for p in packs:
        title = p.title + (" [dim](built-in)[/]" if p.builtin else "")
        if p.problem:
            title += f"\n[red]does not load:[/] {p.problem}"
        table.add_row(p.id, title, p.version, str(p.path))
    console = stdout()
    console.print(table)
    if len(packs) == 1:
        console.print(f"No packs installed yet (they go in {installed_packs_dir()}); "
                      "install one with `asm-tutor pack install DIR`.", soft_wrap=True)
    else:
        console.print("Open one with `asm-tutor --pack ID`.")
    return 0
