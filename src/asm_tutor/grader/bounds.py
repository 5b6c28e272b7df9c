"""What a check's learner code may use at most, together: the figures `doctor` and the README state.

Each of a check's programs that run learner code (the -O0 and -O3 test programs, and the
run with the asm! blocks made no-ops) may have TEST_PROCESSES processes and threads at
once, each with TEST_ADDRESS_SPACE of address space: that product bounds a program's
memory, and three programs bound a check's. The cap is exact where the sandbox counts a
job's processes in a user namespace of its own (sandbox.SandboxStatus.own_count); without
one it is "what the user runs now, plus a few". Control groups (cgroup v2) would bound a
check's memory as one figure; this version does not use them, and says why not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asm_tutor.grader import sandbox
from asm_tutor.grader.runner import TEST_ADDRESS_SPACE, TEST_PROCESSES

PROGRAMS_PER_CHECK = 3  # -O0, -O3 and the hollow run, which may all run at once
_CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Bounds:
    processes: int  # per program, itself included
    memory: int  # bytes of address space per process
    counted_apart: bool  # the cap counts the job's own processes only
    sandboxed: bool
    cgroup: str  # why control groups bound nothing here, in a sentence

    @property
    def per_program(self) -> int:
        return self.processes * self.memory

    @property
    def per_check(self) -> int:
        return self.per_program * PROGRAMS_PER_CHECK


def bounds() -> Bounds:
    confined = sandbox.status()
    return Bounds(TEST_PROCESSES, TEST_ADDRESS_SPACE, confined.available and confined.own_count,
                  confined.available, _cgroup_status())


def _cgroup_status() -> str:
    if not (_CGROUP_ROOT / "cgroup.controllers").is_file():
        return "this machine has no cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or none)"
    try:
        controllers = (_CGROUP_ROOT / "cgroup.controllers").read_text(encoding="ascii").split()
    except OSError:
        controllers = []
    missing = [name for name in ("memory", "pids") if name not in controllers]
    if missing:
        return f"the cgroup v2 hierarchy has no {' and no '.join(missing)} controller"
    return "cgroup v2 is there, but this version of the tutor does not use it yet"
