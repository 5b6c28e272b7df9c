"""`--arch`: which architecture a command grades for, the same way in check, watch, trace and pack check."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_tutor.context import Context
    from asm_tutor.toolchain import Toolchain

ARCH_CHOICES = ("x86_64", "aarch64")  # pack.model.ARCHES, without importing the pack model for --help


def add_option(parser: argparse.ArgumentParser, what: str = "grade") -> None:
    parser.add_argument("--arch", choices=ARCH_CHOICES,
                        help=f"{what} for this architecture (default: the profile's choice, else this machine's); "
                             "another one is built with a cross toolchain and run under emulation "
                             "(`asm-tutor doctor` says what is installed)")


def chosen(args: argparse.Namespace, ctx: Context) -> str | None:
    """The architecture asked for: --arch, else the profile's setting, else None (the host's)."""
    if getattr(args, "arch", None):
        return str(args.arch)
    from asm_tutor.progress.profile import resolve_profile
    from asm_tutor.settings import load_settings

    return load_settings().arch.get(resolve_profile(ctx.profile))


def toolchain(args: argparse.Namespace, ctx: Context) -> Toolchain | None:
    """The toolchain for the chosen architecture; None for the host's own (the engine finds it).
    Raises ToolchainError naming what is missing and how to install it."""
    arch = chosen(args, ctx)
    if arch is None:
        return None
    from asm_tutor.targets import for_arch

    return for_arch(arch)
