"""Compile the learner's file with the driver: -O0 and -O3, both at once.

The O0 build also emits the object file and the `.s` text the checks read:
unoptimized code keeps the learner's functions as they wrote them, so plain
Rust cannot pass for asm and the asm! blocks stay recognisable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.grader.sandbox import Job, Limits, Outcome, run_jobs
from asm_tutor.toolchain import Toolchain

COMPILE_TIME_LIMIT = 60.0
OPT_LEVELS = (0, 3)


@dataclass(frozen=True)
class Build:
    opt_level: int
    binary: Path
    object: Path | None  # O0 only
    asm: Path | None  # O0 only
    outcome: Outcome

    @property
    def ok(self) -> bool:
        return self.outcome.returncode == 0 and self.binary.is_file()

    @property
    def stderr(self) -> str:
        return self.outcome.stderr.decode("utf-8", errors="replace")


def rustc_argv(toolchain: Toolchain, work: Path, opt_level: int, edition: str) -> list[str]:
    binary = work / f"test_o{opt_level}"
    argv = [
        str(toolchain.rustc), "main.rs",
        "--crate-name", "asm_tutor_check", "--crate-type", "bin",
        "--edition", edition,
        "--error-format=json",
        "-C", f"opt-level={opt_level}",
        "-C", "codegen-units=1",
        "-C", "debuginfo=0",
    ]
    if opt_level == 0:
        argv += ["--emit", f"link={binary},obj={work / 'o0.o'},asm={work / 'o0.s'}"]
        if toolchain.arch in ("x86_64", "x86"):
            argv += ["-C", "llvm-args=-x86-asm-syntax=intel"]
    else:
        argv += ["-o", str(binary)]
    return argv


def compile_both(toolchain: Toolchain, work: Path, edition: str,
                 cancel: threading.Event | None) -> list[Build]:
    """Run both compiles side by side; the Builds come back in OPT_LEVELS order."""
    # rustc itself needs far more memory than a test binary: only a time limit here.
    jobs = [Job(rustc_argv(toolchain, work, level, edition), Limits(wall_time=COMPILE_TIME_LIMIT),
                cwd=work, separate_stderr=True) for level in OPT_LEVELS]
    outcomes = run_jobs(jobs, cancel)
    return [
        Build(
            opt_level=level,
            binary=work / f"test_o{level}",
            object=work / "o0.o" if level == 0 else None,
            asm=work / "o0.s" if level == 0 else None,
            outcome=outcome,
        )
        for level, outcome in zip(OPT_LEVELS, outcomes)
    ]
