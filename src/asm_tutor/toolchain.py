"""The local Rust toolchain: find rustc, read `rustc -vV` once, say plainly what is wrong."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from asm_tutor import memo
from asm_tutor.kept import Kept
from asm_tutor.paths import rustc_override
from asm_tutor.stamp import stamp

ASM_STABLE_SINCE = (1, 59)


class ToolchainError(Exception):
    """The tutor cannot grade here; the message says what to do, in one sentence."""


@dataclass(frozen=True)
class Toolchain:
    rustc: Path
    release: str  # e.g. "1.95.0"
    host: str  # e.g. "x86_64-unknown-linux-gnu"
    commit: str
    llvm: str
    # Building for another architecture (targets.py); all empty: for the host, as rustc does by default.
    target: str = ""  # the target triple, e.g. "aarch64-unknown-linux-gnu"
    sysroot: str = ""  # where the target's std is, passed as --sysroot ("" = rustc's own)
    linker: str = ""  # the cross linker, e.g. "aarch64-linux-gnu-gcc"
    runner: tuple[str, ...] = ()  # what runs the target's programs here, e.g. ("qemu-aarch64", "-L", ...)

    @property
    def version(self) -> tuple[int, int, int]:
        parts = self.release.split("-")[0].split(".")
        nums = [int(p) if p.isdigit() else 0 for p in parts[:3]] + [0, 0, 0]
        return nums[0], nums[1], nums[2]

    @property
    def triple(self) -> str:
        """What it builds for: the target, else the host."""
        return self.target or self.host

    @property
    def arch(self) -> str:
        """The architecture it builds for, e.g. `x86_64`."""
        return self.triple.split("-", 1)[0]

    @property
    def cross(self) -> bool:
        return bool(self.target) and self.target != self.host

    @property
    def target_id(self) -> str:
        """Everything about the target that changes what a build is: part of every cache key."""
        return "\0".join((self.triple, self.sysroot, self.linker, *self.runner))

    @property
    def supports_asm(self) -> bool:
        return self.version[:2] >= ASM_STABLE_SINCE

    def describe(self) -> str:
        if self.cross:
            return f"rustc {self.release} ({self.host}, building for {self.target})"
        return f"rustc {self.release} ({self.host})"


def find_rustc(configured: str | None = None) -> Path:
    """rustc from ASM_TUTOR_RUSTC, then the configured override (default: the settings file), then PATH."""
    if configured is None:
        from asm_tutor.settings import load_settings

        configured = load_settings().rustc
    override = rustc_override() or configured
    if override:
        found = shutil.which(override)
        if found is None:
            raise ToolchainError(
                f"The rustc set in {'ASM_TUTOR_RUSTC' if rustc_override() else 'the settings'} "
                f"({override}) does not exist or is not executable; fix that path or unset it."
            )
        return Path(found)
    found = shutil.which("rustc")
    if found is None:
        raise ToolchainError(
            "rustc was not found on PATH; install Rust (https://rustup.rs, or your system's "
            "`rustc` package) and try again, or point ASM_TUTOR_RUSTC at a rustc."
        )
    return Path(found)


def parse_version_info(rustc: Path, text: str) -> Toolchain:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key.strip()] = value.strip()
    if "release" not in fields or "host" not in fields:
        raise ToolchainError(f"{rustc} did not answer `rustc -vV` like rustc does; is it really rustc?")
    return Toolchain(
        rustc=rustc,
        release=fields["release"],
        host=fields["host"],
        commit=fields.get("commit-hash", "unknown"),
        llvm=fields.get("LLVM version", "unknown"),
    )


def _probe(rustc: Path) -> Toolchain:
    try:
        proc = subprocess.run(
            [str(rustc), "-vV"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ToolchainError(f"{rustc} could not be run ({err}); check your Rust installation.") from err
    if proc.returncode != 0:
        raise ToolchainError(f"`{rustc} -vV` failed: {proc.stderr.strip() or 'no output'}; check your Rust installation.")
    return parse_version_info(rustc, proc.stdout)


Fingerprint = tuple[object, ...]


def fingerprint(rustc: Path) -> Fingerprint:
    """What decides which compiler `rustc` is: when none of it changed, the last answer still holds.

    The binary itself (a distribution's rustc is replaced on upgrade) and, for rustup's
    proxy, what rustup chooses by: $RUSTUP_TOOLCHAIN, its settings (default, overrides),
    its toolchains folder (an update renames a new toolchain in) and rust-toolchain files
    in the working folder and above. About 20 stat calls: cheap enough for every check.
    """
    parts: list[object] = [str(rustc), stamp(rustc), stamp(rustc.resolve()), os.environ.get("RUSTUP_TOOLCHAIN")]
    rustup_home = Path(os.environ.get("RUSTUP_HOME") or Path.home() / ".rustup")
    parts += [stamp(rustup_home / "settings.toml"), stamp(rustup_home / "toolchains")]
    try:
        here = Path.cwd()
    except OSError:
        here = None
    if here is not None:  # only the files that exist: the same answer holds in any folder without one
        for folder in (here, *here.parents):
            for name in ("rust-toolchain", "rust-toolchain.toml"):
                if (found := stamp(folder / name)) is not None:
                    parts.append((str(folder / name), found))
    return tuple(parts)


_probe_lock = threading.Lock()  # a caller arriving while the warm-up probes waits for its answer
_probed: Kept[Path, Toolchain] = Kept("rustc → which toolchain it is, while its fingerprint() holds")


def detect(configured: str | None = None) -> Toolchain:
    """The toolchain to grade with. `rustc -vV` runs again only when its fingerprint() changed,
    so a long-running tutor notices a `rustup update` or a new default toolchain."""
    return detect_at(find_rustc(configured))


_BASE_FIELDS = ("rustc", "release", "host", "commit", "llvm")


def detect_at(rustc: Path) -> Toolchain:
    """The toolchain of this rustc (as detect(), for a rustc found another way: targets.py)."""
    with _probe_lock:
        known = _probed.get(rustc)
        if known is not None:
            return known
        current = fingerprint(rustc)
        # The last process's answer, if nothing it depended on changed: `rustc -vV` costs a
        # one-shot command ~15 ms (rustup's proxy, then rustc loading its compiler library).
        where, key = memo.folder("toolchains"), memo.key_of("toolchain", str(rustc), current)
        kept = memo.load_json(where, key)
        try:
            toolchain = Toolchain(**{**kept, "rustc": Path(kept["rustc"])}) if kept else _probe(rustc)
        except (TypeError, KeyError):
            toolchain = _probe(rustc)
        if not kept:
            memo.store_json(where, key, {name: str(getattr(toolchain, name)) for name in _BASE_FIELDS})
        return _probed.put(rustc, toolchain, lambda: fingerprint(rustc))


def warm_up() -> None:
    """Start `rustc -vV` in the background, so it overlaps the imports and pack loading
    that come before grading instead of adding to them. Problems surface on the real call.
    A process that has asked before (the TUI, `asm-tutor watch`) skips it: its
    answer is re-validated by the real call in a fraction of a millisecond."""
    if _probed.values():
        return

    def probe() -> None:
        try:
            detect()
        except ToolchainError:
            pass

    threading.Thread(target=probe, name="rustc-probe", daemon=True).start()


def require_grading_toolchain(configured: str | None = None) -> Toolchain:
    """Like detect(), but also refuse a rustc too old for asm!."""
    return can_grade(detect(configured))


def can_grade(toolchain: Toolchain) -> Toolchain:
    """`toolchain` itself, if it is new enough for asm!; else ToolchainError saying so."""
    if not toolchain.supports_asm:
        major, minor = ASM_STABLE_SINCE
        raise ToolchainError(
            f"{toolchain.describe()} is too old: asm! is stable since Rust {major}.{minor}; "
            "update Rust (e.g. `rustup update`) and try again."
        )
    return toolchain
