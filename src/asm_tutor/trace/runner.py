"""Start the trace worker (worker.py) like a check job: sandboxed, under limits.

Inside the sandbox the worker sees the system (/usr), the Python that runs the tutor (its
installation and the virtual environment), the packages it imports (the tutor's own,
unicorn, capstone, pyelftools), the one program it traces, and a work folder of its own
to write: nothing of the learner's home, no network. Where there is no sandbox (see
`asm-tutor doctor`) it runs under the limits alone, as the test programs do.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from asm_tutor.errors import UserError
from asm_tutor.grader.jobs import Job, Limits
from asm_tutor.grader.pipeline import folder
from asm_tutor.grader.processes import describe_signal, run_jobs
from asm_tutor.grader.sandbox import Confinement

STARTUP_TIME = 10.0  # seconds for Python to start and import the emulator, beyond the trace's own limit
WORKER_MEMORY = 2 << 30  # address space: unicorn reserves its translation buffer up front
WORKER_OUTPUT = 64 << 20  # a trace at its step limit is a few MB of JSON


def _package_dir(name: str) -> Path:
    """Where a package is installed, found without importing it (unicorn takes a while to load)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"The trace needs the Python package `{name}`; install the tutor's dependencies again.")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def visible_paths() -> tuple[Path, ...]:
    """What the worker must read: the interpreter, the standard library, its packages."""
    places = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent,
              *(_package_dir(name) for name in ("asm_tutor", "unicorn", "capstone", "elftools"))}
    return tuple(sorted(places))


def run_worker(binary: Path, symbol: str, args: Sequence[int], call_names: Mapping[int, str], *,
               max_steps: int, time_limit: float, work: Path) -> dict[str, Any]:
    """The worker's answer for one trace; UserError when it could not give one."""
    request = {"elf": str(binary), "symbol": symbol, "args": list(args), "max_steps": max_steps,
               "time_limit": time_limit, "call_names": {str(k): v for k, v in call_names.items()}}
    wall = time_limit + STARTUP_TIME
    limits = Limits(wall_time=wall, output_cap=WORKER_OUTPUT, cpu_time=math.ceil(wall), memory=WORKER_MEMORY,
                    file_size=1 << 20, processes=8)
    confinement = Confinement(folder(work), (binary, *visible_paths()))
    # -I: no PYTHONPATH, no user site, not the current folder on sys.path (the learner's files).
    job = Job([sys.executable, "-I", "-m", "asm_tutor.trace.worker"], limits, cwd=confinement.writable,
              separate_stderr=True, sandbox=confinement, stdin=json.dumps(request).encode(),
              env={"PYTHONDONTWRITEBYTECODE": "1"})
    (outcome,) = run_jobs([job])
    if outcome.timed_out:
        raise UserError(f"The trace took longer than {wall:g} s and was stopped.")
    if outcome.returncode != 0 or outcome.truncated:
        if outcome.start_error:
            why = outcome.start_error
        elif outcome.signal is not None:
            why = describe_signal(outcome.signal)
        else:
            tail = outcome.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:]
            why = tail[0] if tail else f"exit status {outcome.returncode}"
        raise UserError(f"The trace's emulator failed: {why}")
    answer = json.loads(outcome.output)
    if "error" in answer:
        raise UserError(f"The trace's emulator could not load the program: {answer['error']}.")
    return dict(answer)
