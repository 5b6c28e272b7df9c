"""Compile the learner's file with the driver: -O0 and -O3, both at once (the engine runs them).

The O0 build also emits the object file and the `.s` text the checks read:
unoptimized code keeps the learner's functions as they wrote them, so plain
Rust cannot pass for asm and the asm! blocks stay recognisable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.grader.runtime import CRATE as RUNTIME_CRATE
from asm_tutor.grader.runtime import Runtime
from asm_tutor.grader.sandbox import Job, Limits, Outcome
from asm_tutor.toolchain import Toolchain

COMPILE_TIME_LIMIT = 60.0
# -O3 first: its compile is the longer one, the one a check waits for.
OPT_LEVELS = (3, 0)


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


def rustc_argv(toolchain: Toolchain, work: Path, opt_level: int, edition: str, runtime: Runtime) -> list[str]:
    binary = work / f"test_o{opt_level}"
    argv = [
        str(runtime.paths.compiler), "main.rs",
        "--crate-name", "asm_tutor_check", "--crate-type", "bin",
        "--edition", edition,
        "--extern", f"{RUNTIME_CRATE}={runtime.rlib}",
        "--error-format=json",
        "-C", f"opt-level={opt_level}",
        "-C", "codegen-units=1",
        "-C", "debuginfo=0",
    ]
    argv += runtime.paths.link_flags  # a shorter link; the binary finds std via Runtime.env()
    if opt_level == 0:
        argv += ["--emit", f"link={binary},obj={work / 'o0.o'},asm={work / 'o0.s'}"]
        if toolchain.arch in ("x86_64", "x86"):
            argv += ["-C", "llvm-args=-x86-asm-syntax=intel"]
    else:
        argv += ["-o", str(binary)]
    return argv


def rustc_job(toolchain: Toolchain, work: Path, opt_level: int, edition: str, runtime: Runtime) -> Job:
    # rustc itself needs far more memory than a test binary: only a time limit here.
    # Its temporary files (the linker's too) go in the work folder: a check stopped
    # mid-link then leaves nothing behind in /tmp, since the work folder is removed.
    scratch = work / f"tmp_o{opt_level}"
    scratch.mkdir(exist_ok=True)
    return Job(rustc_argv(toolchain, work, opt_level, edition, runtime), Limits(wall_time=COMPILE_TIME_LIMIT),
               cwd=work, separate_stderr=True, env={**os.environ, "TMPDIR": str(scratch)})


def finished_build(work: Path, opt_level: int, outcome: Outcome) -> Build:
    return Build(
        opt_level=opt_level,
        binary=work / f"test_o{opt_level}",
        object=work / "o0.o" if opt_level == 0 else None,
        asm=work / "o0.s" if opt_level == 0 else None,
        outcome=outcome,
    )
