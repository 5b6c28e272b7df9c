"""Tests on real builds for another architecture (aarch64 on an x86_64 machine: the cross
toolchain, run under qemu). Where it is not installed they skip, saying what is missing;
in CI (CI=true), which installs it (.ci/run), its absence is a failure."""

from __future__ import annotations

import os

import pytest

from asm_tutor.targets import for_arch
from asm_tutor.toolchain import Toolchain, ToolchainError, detect


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def toolchain_for(arch: str) -> Toolchain:
    """The toolchain that builds `arch` code here (the host's own on such a machine), else skip
    (locally) or fail (in CI)."""
    try:
        return for_arch(arch)
    except ToolchainError as err:
        if in_ci():
            pytest.fail(f"CI must grade {arch} code: {err}")
        pytest.skip(f"no toolchain for {arch} here: {err}")


def hide_toolchain(arch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `arch` have no toolchain (a rustc set for it that does not exist), unless it is the host's."""
    if detect().arch != arch:
        monkeypatch.setenv(f"ASM_TUTOR_{arch.upper()}_RUSTC", "/nonexistent/rustc")
