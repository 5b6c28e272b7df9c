"""What a job is: a command, the limits it runs under and the sandbox it runs in.

The limits (CPU time, address space, file size, process count; no core dumps) are set
before the program starts, by `prlimit` or, where that is missing, between fork and exec:
never by the program itself, which could refuse them. In the sandbox the process count is
the job's own (a user namespace of its own, see sandbox.py), so the cap is small and
exact; without one the kernel counts every process of the user, and the cap can only be
"what runs now, plus a few". The environment is a clean one (no
home folder, no variables of the user's). processes.py runs jobs.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.grader import sandbox
from asm_tutor.grader.sandbox import Confinement

# Placeholder in a job's argv, replaced by the number of the extra write pipe (the "channel")
# that a test program reports on, kept apart from the learner's own stdout/stderr.
CHANNEL_FD = "{channel_fd}"
OUTPUT_CAP = 64 * 1024
CHANNEL_CAP = 8 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a job may use. The wall time is watched by the runner; the rest are resource
    limits the kernel enforces, set before the job starts (None: the tutor's own)."""

    wall_time: float  # seconds; the whole process group is killed after this
    output_cap: int = OUTPUT_CAP  # bytes of stdout+stderr kept; the rest is drained
    cpu_time: int | None = None  # seconds of CPU (SIGXCPU, then SIGKILL a second later)
    memory: int | None = None  # bytes of address space
    file_size: int | None = None  # bytes any file it writes may reach
    processes: int | None = None  # processes and threads at once (counted apart: SandboxStatus.own_count)

    def rlimits(self, *, count_apart: bool = False) -> list[tuple[str, int, int, int]]:
        """(prlimit's name, resource, soft, hard) for each limit set, core dumps always off.
        `count_apart`: the process cap is set inside the sandbox instead (sandbox.wrap)."""
        found: list[tuple[str, int, int, int]] = []
        if self.cpu_time is not None:
            found.append(("cpu", resource.RLIMIT_CPU, self.cpu_time, self.cpu_time + 1))
        if self.memory is not None:
            found.append(("as", resource.RLIMIT_AS, self.memory, self.memory))
        if self.file_size is not None:
            found.append(("fsize", resource.RLIMIT_FSIZE, self.file_size, self.file_size))
        if self.processes is not None and not count_apart and (running := _tasks_running()) is not None:
            # The kernel counts a user's processes machine-wide: allow that many more.
            found.append(("nproc", resource.RLIMIT_NPROC, running + self.processes, running + self.processes))
        if found:
            found.append(("core", resource.RLIMIT_CORE, 0, 0))
        return found


@dataclass(frozen=True)
class Job:
    argv: Sequence[str]
    limits: Limits
    cwd: Path | None = None
    channel: bool = False  # open an extra pipe and substitute CHANNEL_FD in argv
    separate_stderr: bool = False  # keep stderr apart (rustc's JSON) instead of merging it
    env: Mapping[str, str] | None = None  # variables beyond the clean environment (environment())
    sandbox: Confinement | None = None  # None: a trusted tool, run as it is
    stdin: bytes = b""  # fed to the job's standard input, which is closed after it


def environment(job: Job) -> dict[str, str]:
    """A job's whole environment: PATH to find the system's tools, the work folder as home
    and temporary folder, C.UTF-8 text, and what the job adds. Nothing else of the user's."""
    where = str(job.cwd or Path.cwd())
    base = {"PATH": os.environ.get("PATH", os.defpath), "HOME": where, "TMPDIR": where, "LANG": "C.UTF-8"}
    return {**base, **(job.env or {})}


def _tasks_running() -> int | None:
    """Processes and threads running on the machine now (Linux), from /proc/loadavg."""
    try:
        with open("/proc/loadavg", encoding="ascii") as stream:
            return int(stream.read().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return None


@functools.cache
def _prlimit() -> str | None:
    return shutil.which("prlimit")


def _limited(argv: list[str], limits: Limits, *, count_apart: bool) -> tuple[list[str], Callable[[], None] | None]:
    """`argv` started under `limits`: through prlimit (util-linux) where there is one, which
    costs an exec; else the limits are set in the child before its exec (a fork, ~3 ms)."""
    wanted = limits.rlimits(count_apart=count_apart)
    if not wanted:
        return argv, None
    prlimit = _prlimit()
    if prlimit is not None:
        return [prlimit, *(f"--{name}={soft}:{hard}" for name, _, soft, hard in wanted), "--", *argv], None

    def set_limits() -> None:
        for _, number, soft, hard in wanted:
            resource.setrlimit(number, (soft, hard))

    return argv, set_limits


def sandboxed(job: Job) -> bool:
    return job.sandbox is not None and sandbox.status().available


def command(job: Job, argv: list[str], info_fd: int = -1) -> tuple[list[str], Callable[[], None] | None]:
    """What is really started for `job`: its argv inside the sandbox (when it asks for one and
    there is one), under its limits."""
    count_apart = False
    if job.sandbox is not None and sandboxed(job):
        confined = sandbox.status()
        count_apart = confined.own_count and job.limits.processes is not None
        argv = sandbox.wrap(argv, job.sandbox, bwrap=confined.bwrap, uid=os.geteuid(), info_fd=info_fd,
                            processes=job.limits.processes if count_apart else None)
    return _limited(argv, job.limits, count_apart=count_apart)
