"""The toolchain for each architecture the exercises are written for, and what runs its programs here.

For the host's own architecture it is the rustc detect() finds. For another one (aarch64 on
an x86_64 machine) it is a cross build, run under emulation:

- rustc and the target's std: `ASM_TUTOR_AARCH64_RUSTC` / `ASM_TUTOR_AARCH64_SYSROOT` from the
  environment, else `aarch64_rustc` / `aarch64_sysroot` in the settings, else the host rustc
  with rustup's target std (`rustup target add aarch64-unknown-linux-gnu`);
- the linker: cargo's `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER`, else `aarch64-linux-gnu-gcc`;
- the runner: cargo's `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER`, else
  `qemu-aarch64 -L /usr/aarch64-linux-gnu`.

What is missing is said with the commands that would install it (`doctor`, `pack check`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from asm_tutor.kept import Kept
from asm_tutor.pack.model import ARCHES
from asm_tutor.toolchain import Toolchain, ToolchainError, detect, detect_at

_TRIPLES = {"x86_64": "x86_64-unknown-linux-gnu", "aarch64": "aarch64-unknown-linux-gnu"}
# Debian's names for an architecture (its packages, its cross tools' prefix).
_DEBIAN = {"x86_64": ("amd64", "x86-64"), "aarch64": ("arm64", "arm64")}
_PROBE_SECONDS = 30.0


@dataclass(frozen=True)
class ArchStatus:
    """Whether this machine can grade code for `arch`: the toolchain, or what is missing and how to get it."""

    arch: str
    toolchain: Toolchain | None
    native: bool = False  # built and run as the host's own code
    missing: tuple[str, ...] = ()  # what is missing, a sentence each
    fix: tuple[str, ...] = ()  # the commands that would install it

    @property
    def ready(self) -> bool:
        return self.toolchain is not None

    def problem(self) -> str:
        """Why it is not ready, with what to run: one paragraph."""
        commands = "; ".join(f"`{command}`" for command in self.fix)
        return " ".join(self.missing) + (f" To get it: {commands}." if commands else "")


def triple(arch: str) -> str:
    return _TRIPLES[arch]


def for_arch(arch: str | None = None) -> Toolchain:
    """The toolchain that builds for `arch` (None: the host's). Raises ToolchainError saying
    what is missing and the commands that would install it."""
    found = status(arch or detect().arch)
    if found.toolchain is None:
        raise ToolchainError(found.problem())
    return found.toolchain


_lock = threading.Lock()
_found: Kept[str, ArchStatus] = Kept("architecture → its toolchain, while what it was found from holds")


def status(arch: str) -> ArchStatus:
    """Can this machine grade `arch`? Never raises (a missing host rustc raises from detect())."""
    host = detect()
    if arch == host.arch:
        return ArchStatus(arch, host, native=True)
    if arch not in _TRIPLES:
        return ArchStatus(arch, None, missing=(f"The tutor builds for {' and '.join(ARCHES)}, not {arch}.",))
    key = f"{arch}\0{host.rustc}\0{host.commit}"
    with _lock:
        known = _found.get(key)
        if known is not None:
            return known
        return _found.put(key, _cross(arch, host), lambda: _inputs(arch))


def _inputs(arch: str) -> tuple[object, ...]:
    """What the cross toolchain is found from: when none of it changes, the last answer holds."""
    from asm_tutor.settings import load_settings

    settings = load_settings()
    names = [f"ASM_TUTOR_{arch.upper()}_RUSTC", f"ASM_TUTOR_{arch.upper()}_SYSROOT",
             _cargo_var(arch, "LINKER"), _cargo_var(arch, "RUNNER"), "PATH", "ASM_TUTOR_RUSTC"]
    return (*(os.environ.get(name) for name in names), settings.target_rustc(arch), settings.target_sysroot(arch))


def _cargo_var(arch: str, what: str) -> str:
    return f"CARGO_TARGET_{_TRIPLES[arch].upper().replace('-', '_')}_{what}"


def _cross(arch: str, host: Toolchain) -> ArchStatus:
    from asm_tutor.settings import load_settings

    settings = load_settings()
    target = _TRIPLES[arch]
    missing: list[str] = []
    fix: list[str] = []
    rustc_name = os.environ.get(f"ASM_TUTOR_{arch.upper()}_RUSTC") or settings.target_rustc(arch)
    sysroot = os.environ.get(f"ASM_TUTOR_{arch.upper()}_SYSROOT") or settings.target_sysroot(arch) or ""
    toolchain: Toolchain | None = host
    if rustc_name:
        located = shutil.which(rustc_name)
        try:
            toolchain = detect_at(Path(located)) if located else None
        except ToolchainError:
            toolchain = None
        if toolchain is None:
            missing.append(f"The rustc set for {arch} ({rustc_name}) does not run.")
    if toolchain is not None and not _has_std(toolchain, target, sysroot):
        where = f"in {sysroot}" if sysroot else f"for {toolchain.describe()}"
        missing.append(f"The {arch} standard library ({target}) is not installed {where}.")
        fix += _std_commands(arch, toolchain)
    linker = _tool(_cargo_var(arch, "LINKER"), [f"{arch}-linux-gnu-gcc"])
    if linker is None:
        missing.append(f"The {arch} linker ({arch}-linux-gnu-gcc) is not installed.")
        fix.append(f"sudo apt-get install gcc-{_DEBIAN[arch][1]}-linux-gnu libc6-dev-{_DEBIAN[arch][0]}-cross")
    runner = _tool(_cargo_var(arch, "RUNNER"), [f"qemu-{arch}", f"qemu-{arch}-static"])
    if runner is None:
        missing.append(f"qemu-{arch} (to run {arch} programs on this {host.arch} machine) is not installed.")
        fix.append("sudo apt-get install qemu-user")
    if missing or toolchain is None or linker is None or runner is None:
        return ArchStatus(arch, None, missing=tuple(missing), fix=tuple(dict.fromkeys(fix)))
    if len(runner) == 1 and not os.environ.get(_cargo_var(arch, "RUNNER")):
        runner = [*runner, "-L", f"/usr/{arch}-linux-gnu"]  # where the cross C library is (the dynamic loader's root)
    built = replace(toolchain, target=target, sysroot=str(Path(sysroot).resolve()) if sysroot else "",
                    linker=linker[0], runner=tuple(runner))
    return ArchStatus(arch, built)


def _tool(variable: str, names: list[str]) -> list[str] | None:
    """A command from cargo's variable (split like a shell would), else the first of `names` on PATH,
    as an argv with its program's full path; None when not found."""
    configured = os.environ.get(variable, "").strip()
    words = shlex.split(configured) if configured else []
    for argv in [words] if words else [[name] for name in names]:
        located = shutil.which(argv[0])
        if located is not None:
            return [located, *argv[1:]]
    return None


def _has_std(toolchain: Toolchain, target: str, sysroot: str) -> bool:
    if sysroot:
        folder = Path(sysroot) / "lib" / "rustlib" / target / "lib"
    else:
        try:
            proc = subprocess.run([str(toolchain.rustc), "--print", "target-libdir", "--target", target],
                                  capture_output=True, text=True, timeout=_PROBE_SECONDS, stdin=subprocess.DEVNULL,
                                  check=False)
        except (OSError, subprocess.SubprocessError):
            return False
        folder = Path(proc.stdout.strip())
    return folder.is_dir() and any(folder.glob("libstd-*.rlib"))


def _std_commands(arch: str, toolchain: Toolchain) -> list[str]:
    if toolchain.rustc.resolve().name.startswith("rustup") or ".rustup" in str(toolchain.rustc):  # rustup's rustc
        return [f"rustup target add {_TRIPLES[arch]}"]
    debian = _DEBIAN[arch][0]
    home = f"~/.local/share/{arch}-std"
    return [
        f"sudo dpkg --add-architecture {debian} && sudo apt-get update && sudo apt-get install rustc-web",
        f"apt-get download \"libstd-rust-web-dev:{debian}=$(dpkg-query -W -f='${{Version}}' rustc-web)\"",
        f"dpkg-deb -x libstd-rust-web-dev_*_{debian}.deb {home}",
        f"export ASM_TUTOR_{arch.upper()}_RUSTC=/usr/bin/rustc ASM_TUTOR_{arch.upper()}_SYSROOT={home}/usr",
    ]
