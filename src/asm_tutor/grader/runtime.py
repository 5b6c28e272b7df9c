"""The test programs' fixed half (grader/rust/asm_tutor_rt.rs), compiled once per rustc into an rlib.

Everything in a test program or a judge that does not depend on the exercise (the
report pipe, the line protocol and its formatting, the random numbers, the panic
hook, the loop over cases with `catch_unwind`) lives there. Compiling it into every
check cost a third of the -O3 build; now each check links the prebuilt rlib from the
cache instead (artifacts.py). It is built with the same rustc that builds the checks
(the key includes its commit) and rebuilt when its source changes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from asm_tutor import paths
from asm_tutor.atomic import atomic_write
from asm_tutor.grader import artifacts, linker
from asm_tutor.grader.build import rustc_job
from asm_tutor.grader.crate import RUNTIME_CRATE
from asm_tutor.grader.processes import run_jobs
from asm_tutor.grader.sandbox import prepare_work_folder
from asm_tutor.kept import Kept
from asm_tutor.toolchain import Toolchain, ToolchainError

_BUILD_TIME_LIMIT = 120.0

SOURCE_FILE = Path(__file__).with_name("rust") / f"{RUNTIME_CRATE}.rs"

_PATHS_FILE = "toolchain-paths.json"  # beside the cached rlib: what toolchain_paths() found


@dataclass(frozen=True)
class ToolchainPaths:
    """Where a toolchain's parts are, found once per rustc (`rustc --print sysroot`)."""

    # The rustc binary inside the toolchain. rustup's `rustc` on PATH is a proxy that
    # picks the toolchain and then starts this one: ~8 ms per compile saved by
    # starting it directly (and the sandbox need not show rustup's folders). The cache
    # key holds the commit `rustc -vV` reported through the proxy, so a toolchain
    # switch still gets its own entry.
    compiler: Path
    # The toolchain's own folder: what the sandbox shows of it.
    sysroot: Path | None
    # The toolchain's shared std (libstd-*.so), when it ships one: linking the checks
    # against it instead of the static std takes ~25 ms off the two links of a check.
    # The programs then find it through LD_LIBRARY_PATH (see program_env()).
    std_dylib_dir: Path | None
    # How checks (and lesson blocks) link: against the shared std when there is one,
    # and with rust-lld directly when that was found to work (linker.py).
    link_flags: tuple[str, ...] = ()
    # A cross build's: what else the sandbox shows (the target's std, a linker or runner
    # outside /usr) and what runs its programs on this machine (e.g. qemu-aarch64).
    also_visible: tuple[Path, ...] = ()
    runner: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"compiler": str(self.compiler), "sysroot": str(self.sysroot or ""),
                           "std_dylib_dir": str(self.std_dylib_dir or ""), "link_flags": list(self.link_flags),
                           "also_visible": [str(p) for p in self.also_visible], "runner": list(self.runner)})

    @classmethod
    def from_json(cls, text: str) -> ToolchainPaths | None:
        """The recorded paths, or None when they are unreadable or gone (found again then)."""
        try:
            data = json.loads(text)
            compiler = Path(data["compiler"])
            sysroot = Path(data["sysroot"]) if data["sysroot"] else None
            std_dir = Path(data["std_dylib_dir"]) if data["std_dylib_dir"] else None
            link_flags = tuple(str(flag) for flag in data["link_flags"])
            also_visible = tuple(Path(p) for p in data.get("also_visible", ()))
            runner = tuple(str(word) for word in data.get("runner", ()))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not compiler.is_file() or any(d is not None and not d.is_dir() for d in (sysroot, std_dir)):
            return None
        if not all(path.exists() for path in also_visible):
            return None
        return cls(compiler, sysroot, std_dir, link_flags, also_visible, runner)

    def visible(self) -> tuple[Path, ...]:
        """What a sandboxed job must see of the toolchain: rustc, the libraries it loads, and the
        target libraries and tools of `lib/rustlib`; never the whole sysroot, which may be a
        folder of the user's own (`~/.local` for the standalone installer) with private files.
        A cross build's parts (its target's std, a linker or runner outside /usr) come after."""
        return _toolchain_parts(self.compiler, self.sysroot) + self.also_visible

    def narrowed(self) -> str:
        """Why the sandbox shows only parts of the toolchain's folder, when that folder also holds
        the home folder or the tutor's own data (a sentence for `doctor`), else ""."""
        if self.sysroot is None:
            return ""
        private = {"your home folder": Path.home(), "the tutor's data": paths.data_dir(),
                   "the tutor's settings": paths.config_dir(), "the tutor's cache": paths.cache_dir()}
        inside = [name for name, folder in private.items() if folder.resolve().is_relative_to(self.sysroot)]
        if not inside:
            return ""
        return (f"the toolchain's folder {self.sysroot} also holds {' and '.join(inside)}: the sandbox shows only "
                "rustc, its libraries and lib/rustlib of it (a toolchain of its own folder, e.g. from rustup, "
                "needs no narrowing)")


# The libraries rustc loads from its sysroot's lib folder (and the shared std the programs load).
_TOOLCHAIN_LIBRARIES = ("librustc_driver-", "libLLVM", "libstd-", "libtest-")


@functools.cache
def _toolchain_parts(compiler: Path, sysroot: Path | None) -> tuple[Path, ...]:
    if sysroot is None or not compiler.is_relative_to(sysroot):
        return (compiler,)  # rustc as found, outside any sysroot: the program alone
    lib = sysroot / "lib"
    libraries = sorted(path for path in lib.glob("lib*") if path.name.startswith(_TOOLCHAIN_LIBRARIES))
    return tuple(path for path in (compiler, *libraries, lib / "rustlib") if path.exists())


@dataclass(frozen=True)
class Runtime:
    rlib: Path
    paths: ToolchainPaths

    def env(self) -> dict[str, str] | None:
        """The variables a test program needs beyond the clean environment, or None."""
        return linker.program_env(self.paths.std_dylib_dir)

    def command(self, program: Path) -> list[str]:
        """How to start a program built with this toolchain: itself, or under the target's runner."""
        return [*self.paths.runner, str(program)]


_lock = threading.Lock()
_paths: Kept[str, ToolchainPaths] = Kept("toolchain key → the toolchain's parts, found by this process")


class RuntimeBuildError(ToolchainError):
    """The runtime did not compile: a broken toolchain, not the learner's code."""


@functools.cache
def source_digest() -> str:
    return hashlib.sha256(SOURCE_FILE.read_bytes()).hexdigest()


def _key(toolchain: Toolchain) -> str:
    digest = hashlib.sha256()
    for part in (toolchain.release, toolchain.host, toolchain.commit, str(toolchain.rustc), toolchain.target_id,
                 source_digest()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def prepare(toolchain: Toolchain, work: Path, cancel: threading.Event | None) -> Runtime | None:
    """The runtime for this rustc: from the cache, else built now. None when cancelled."""
    key = _key(toolchain)
    name = f"lib{RUNTIME_CRATE}.rlib"
    with _lock:  # one build at a time; the others then find it ready
        found = artifacts.find("runtime", key, name)
        if found is not None:
            recorded = _paths.get(key) or _recorded_paths(found.parent)
            if recorded is not None:
                return Runtime(found, _paths.put(key, recorded))
        folder = artifacts.staging("runtime", key, work)
        built: Path | None = None
        try:
            built = _build(toolchain, folder, cancel)
        finally:
            if built is None:
                artifacts.discard(folder)
        if built is None:
            return None
        paths = toolchain_paths(toolchain)
        rlib = artifacts.publish("runtime", key, built)
        with contextlib.suppress(OSError):
            atomic_write(rlib.parent / _PATHS_FILE, paths.to_json().encode("utf-8"), mode=0o644, durable=False)
        return Runtime(rlib, paths)


def _recorded_paths(folder: Path) -> ToolchainPaths | None:
    try:
        return ToolchainPaths.from_json((folder / _PATHS_FILE).read_text(encoding="utf-8"))
    except OSError:
        return None


def toolchain_paths(toolchain: Toolchain) -> ToolchainPaths:
    """The toolchain's compiler, shared std and link flags, once per process (prepare() also keeps
    them on disk)."""
    key = _key(toolchain)
    return _paths.get(key) or _paths.put(key, _find_paths(toolchain))


def _find_paths(toolchain: Toolchain) -> ToolchainPaths:
    """Ask rustc for its sysroot; without an answer, use rustc as found and link statically."""
    try:
        proc = subprocess.run([str(toolchain.rustc), "--print", "sysroot"], capture_output=True, text=True,
                              timeout=30, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ToolchainPaths(toolchain.rustc, None, None)
    if proc.returncode != 0 or not proc.stdout.strip():
        return ToolchainPaths(toolchain.rustc, None, None)
    sysroot = Path(proc.stdout.strip()).resolve()
    inside = sysroot / "bin" / ("rustc.exe" if os.name == "nt" else "rustc")
    compiler = inside if inside.is_file() and os.access(inside, os.X_OK) else toolchain.rustc
    if toolchain.cross:
        return _cross_paths(toolchain, compiler, sysroot)
    std_dir = _std_dylib_dir(sysroot, toolchain)
    if std_dir is None:
        return ToolchainPaths(compiler, sysroot, None)
    flags = ("-C", "prefer-dynamic", *linker.direct_flags(compiler, sysroot, toolchain.host, std_dir))
    return ToolchainPaths(compiler, sysroot, std_dir, flags)


def _cross_paths(toolchain: Toolchain, compiler: Path, sysroot: Path) -> ToolchainPaths:
    """A build for another architecture: its std (rustup's, or the --sysroot given), the cross
    linker, linked statically (its shared std would need the runner to find it), run by the runner."""
    flags = ["--target", toolchain.target, "-C", f"linker={toolchain.linker}"]
    also: list[Path] = [Path(toolchain.linker).parent]
    if toolchain.sysroot:
        flags[2:2] = ["--sysroot", toolchain.sysroot]
        also.append(Path(toolchain.sysroot) / "lib" / "rustlib")  # the target's std: what rustc reads of it
    if toolchain.runner:
        also.append(Path(toolchain.runner[0]).parent)
    also = [path for path in dict.fromkeys(also) if path != sysroot]
    return ToolchainPaths(compiler, sysroot, None, tuple(flags), tuple(also), toolchain.runner)


def _std_dylib_dir(sysroot: Path, toolchain: Toolchain) -> Path | None:
    """The folder of the toolchain's shared std on Linux, if it ships one; else None (link statically)."""
    if not sys.platform.startswith("linux"):
        return None
    folder = sysroot / "lib" / "rustlib" / toolchain.host / "lib"
    return folder if any(folder.glob("libstd-*.so")) else None


def _build(toolchain: Toolchain, folder: Path, cancel: threading.Event | None) -> Path | None:
    out = folder / f"lib{RUNTIME_CRATE}.rlib"
    prepare_work_folder(folder)
    shutil.copyfile(SOURCE_FILE, folder / SOURCE_FILE.name)  # what the sandboxed rustc may read
    args = [SOURCE_FILE.name, "--crate-type", "rlib", "--crate-name", RUNTIME_CRATE, "-C", "opt-level=3", "-o", str(out)]
    job = rustc_job(toolchain_paths(toolchain), folder, args, edition="2018", timeout=_BUILD_TIME_LIMIT, json=False)
    (outcome,) = run_jobs([job], cancel)
    if outcome.cancelled:
        return None
    if outcome.returncode != 0 or not out.is_file():
        detail = outcome.start_error or outcome.stderr.decode("utf-8", errors="replace").strip()[-300:]
        if outcome.timed_out:  # killed at the limit: rustc said nothing (seen under qemu-user emulation)
            detail = f"it took longer than {_BUILD_TIME_LIMIT:.0f} s, the limit set for it (a slow or emulated machine?)"
        raise RuntimeBuildError(f"the tutor's test runtime did not compile with {toolchain.describe()}: {detail}")
    return out
