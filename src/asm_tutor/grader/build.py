"""rustc, the one way the grader runs it: in the sandbox, under the compiler's limits, JSON messages.

A check compiles the learner's file with the driver at -O0 and -O3, both at once (the
engine runs them); each build also emits the object file and the `.s` text. The checks
read the O0 ones (unoptimized code keeps the learner's functions as they wrote them, so
plain Rust cannot pass for asm and the asm! blocks stay recognisable); the O3 ones are
for the learner's Assembly view, where some bugs only show. The judge and a lesson's
code blocks are compiled the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor.grader.crate import CHECK_CRATE, ROOT_FILE, RUNTIME_CRATE
from asm_tutor.grader.jobs import Job, Limits
from asm_tutor.grader.processes import Outcome
from asm_tutor.grader.sandbox import Confinement

if TYPE_CHECKING:  # the runtime builds itself with rustc_job(): only its types here
    from asm_tutor.grader.runtime import Runtime, ToolchainPaths

COMPILE_TIME_LIMIT = 60.0
COMPILER_MEMORY = 2 << 30  # 2 GiB: far more than any exercise needs, far less than the machine
COMPILER_FILE_SIZE = 256 << 20
COMPILER_PROCESSES = 64  # its threads, the linker and the linker's helpers
# -O3 first: its compile is the longer one, the one a check waits for.
OPT_LEVELS = (3, 0)


@dataclass(frozen=True)
class Build:
    opt_level: int
    binary: Path
    object: Path
    asm: Path  # the `.s` text
    outcome: Outcome

    @property
    def ok(self) -> bool:
        return self.outcome.returncode == 0 and self.binary.is_file()

    @property
    def stderr(self) -> str:
        return self.outcome.stderr.decode("utf-8", errors="replace")

    @property
    def out_of_memory(self) -> bool:
        return ran_out_of_memory(self.outcome)


def out_of_memory_message() -> str:
    size = f"{COMPILER_MEMORY >> 30} GiB" if COMPILER_MEMORY >= 1 << 30 else f"{COMPILER_MEMORY >> 20} MiB"
    return (f"The compiler ran out of its {size} of memory and was stopped: a huge `include_bytes!`, "
            "or a macro that expands without end?")


def ran_out_of_memory(outcome: Outcome) -> bool:
    """rustc stopped at its memory limit: an allocation it could not make, or a file it could not hold."""
    text = outcome.stderr
    return b"memory allocation of" in text or b": out of memory" in text


def rustc_job(paths: ToolchainPaths, work: Path, args: Sequence[str], *, edition: str,
              runtime: Runtime | None = None, timeout: float = COMPILE_TIME_LIMIT, json: bool = True,
              debuginfo: str = "0") -> Job:
    """rustc with `args` in the sandbox, writing only `work` (its temporary files, the
    linker's too: a compile stopped mid-link leaves nothing behind elsewhere)."""
    argv = [str(paths.compiler), *args, "--edition", edition, "-C", "codegen-units=1", "-C", f"debuginfo={debuginfo}"]
    visible = paths.visible()
    if runtime is not None:
        argv += ["--extern", f"{RUNTIME_CRATE}={runtime.rlib}"]
        visible += (runtime.rlib,)
    argv += ["--error-format=json"] if json else ["--color=never"]
    argv += paths.link_flags  # a shorter link; the programs find std via program_env()
    limits = Limits(wall_time=timeout, cpu_time=int(timeout), memory=COMPILER_MEMORY,
                    file_size=COMPILER_FILE_SIZE, processes=COMPILER_PROCESSES)
    return Job(argv, limits, cwd=work, separate_stderr=True, sandbox=Confinement(work, visible))


def check_job(arch: str, work: Path, opt_level: int, edition: str, runtime: Runtime) -> Job:
    """One of a check's two builds of `main.rs` (the driver's root, with the learner's file)."""
    binary = work / f"test_o{opt_level}"
    args = [ROOT_FILE, "--crate-name", CHECK_CRATE, "--crate-type", "bin", "-C", f"opt-level={opt_level}"]
    args += ["--emit", f"link={binary},obj={work / f'o{opt_level}.o'},asm={work / f'o{opt_level}.s'}",
             # The two builds share the folder: their intermediate files must not share names.
             "-C", f"extra-filename=-o{opt_level}"]
    if arch in ("x86_64", "x86"):
        args += ["-C", "llvm-args=-x86-asm-syntax=intel"]
    # At -O0, line tables: the `.s` then says which source line each asm! region came from
    # (regions.py), so every compiled block is matched to the block it came from.
    return rustc_job(runtime.paths, work, args, edition=edition, runtime=runtime,
                     debuginfo="line-tables-only" if opt_level == 0 else "0")


def finished_build(work: Path, opt_level: int, outcome: Outcome) -> Build:
    return Build(
        opt_level=opt_level,
        binary=work / f"test_o{opt_level}",
        object=work / f"o{opt_level}.o",
        asm=work / f"o{opt_level}.s",
        outcome=outcome,
    )
