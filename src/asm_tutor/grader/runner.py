"""Run the learner's test program and collect what it reported: values, never verdicts.

One process runs every case. When it dies (a signal, an exit in the middle), the
last START line names the case it was on: that case gets a plain explanation, the
cases before it keep what they reported, and the program is started again from the
next case, a bounded number of times. A time-out ends the run. Whether a value is
right is decided elsewhere (verdict.py), against the judge's expectations: nothing
the program writes can say "pass".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from asm_tutor.grader.driver import CaseInfo
from asm_tutor.grader.jobs import CHANNEL_FD, Job, Limits
from asm_tutor.grader.processes import Outcome, describe_signal
from asm_tutor.grader.sandbox import Confinement
from asm_tutor.safe_text import printable

TEST_ADDRESS_SPACE = 1 << 30  # 1 GiB: generous for a test, fatal for a runaway allocation
TEST_FILE_SIZE = 1 << 20
# Processes and threads at once, the program included: a test has no reason to start any, a
# fork bomb stops here, and the memory of all of them together stays under
# TEST_PROCESSES × TEST_ADDRESS_SPACE (jobs.py counts them apart from the user's others).
TEST_PROCESSES = 3
MAX_RESTARTS = 3
FORGED = ("Your program reported values your function did not compute: this case was reported twice, "
          "once by code other than the test driver.")
MAX_CALLS = 1000  # values kept per property: what a property needs, not what a program can flood


def test_limits(time_limit: float) -> Limits:
    """What a test program (or a judge) may use: the exercise's time, 1 GiB, small files."""
    return Limits(wall_time=time_limit, cpu_time=math.ceil(time_limit) + 1, memory=TEST_ADDRESS_SPACE,
                  file_size=TEST_FILE_SIZE, processes=TEST_PROCESSES)


@dataclass
class CaseRun:
    """Running every case on one test program (one optimization level), and what it said."""

    binary: Path
    opt_level: int
    cases: tuple[CaseInfo, ...]
    seed: int
    time_limit: float
    learner_lines: int
    confinement: Confinement
    env: dict[str, str] | None = None  # e.g. where the shared std is (runtime.Runtime.env)
    runner: tuple[str, ...] = ()  # what starts the program: nothing, or an emulator (runtime.Runtime.command)
    # case → what the function returned: inlined, through a pointer, then in the calling contexts
    values: dict[int, tuple[str, ...]] = field(default_factory=dict)
    calls: dict[int, list[str]] = field(default_factory=dict)  # property case → values returned
    ended: set[int] = field(default_factory=set)  # properties that ran to their end
    errors: dict[int, str] = field(default_factory=dict)  # case → why it has no value (panic, crash, time)
    not_run: dict[int, str] = field(default_factory=dict)
    start: int = 0
    restarts: int = 0
    finished: bool = False
    problem: str = ""  # why the program could not run its cases at all, if it could not

    def job(self) -> Job:
        argv = [*self.runner, str(self.binary), CHANNEL_FD, str(self.seed), str(self.start)]
        return Job(argv, test_limits(self.time_limit), cwd=self.confinement.writable, channel=True, env=self.env,
                   sandbox=self.confinement)

    def absorb(self, outcome: Outcome) -> None:
        """Take one process's report; afterwards either finished, or ready to restart at self.start."""
        if outcome.start_error:
            self.problem = outcome.start_error
            self.finished = True
            return
        current: int | None = None
        for raw in outcome.channel.decode("utf-8", errors="replace").splitlines():
            kind, *fields = raw.split("\t")
            if not fields or not fields[0].isdigit() or not self.start <= int(fields[0]) < len(self.cases):
                continue  # not a line about one of this run's cases
            index = int(fields[0])
            if kind == "START":
                current = index
            elif kind == "VALUE" and len(fields) >= 3 and index in self.values:
                # The driver reports a case once: a second report was written by other code.
                self.errors[index] = FORGED
            elif kind == "VALUE" and len(fields) >= 3:
                self.values[index] = tuple(printable(value) for value in fields[1:])
            elif kind == "CALL" and len(fields) == 2:
                kept = self.calls.setdefault(index, [])
                if len(kept) < MAX_CALLS:
                    kept.append(printable(fields[1]))
            elif kind == "END":
                self.ended.add(index)
            elif kind == "PANIC" and len(fields) >= 2:
                self.errors.setdefault(index, self._panic_text(fields[1], fields[2] if len(fields) > 2 else ""))
        if outcome.cancelled:
            self.finished = True
            return
        unfinished = current is not None and not self._reported(current)
        if outcome.timed_out:
            if unfinished and current is not None:
                self.errors[current] = f"It took longer than {self.time_limit:g} s — probably a loop that never exits."
            self._rest_not_run("not run: an earlier case ran out of time")
            return
        if outcome.returncode == 0 and not unfinished and current == len(self.cases) - 1:
            self.finished = True  # every case ran
            return
        if current is None or not unfinished:
            # Died or left outside any case (before the first one, or between two).
            self.problem = f"The test program stopped before running its cases: {self._death(outcome)}."
            self._rest_not_run("not run: the test program stopped")
            return
        reason = self._death(outcome)
        self.errors[current] = reason[0].upper() + reason[1:] + "."
        self.start = current + 1
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            self._rest_not_run(f"not run: the program crashed {self.restarts} times, so the rest were skipped")
        elif self.start >= len(self.cases):
            self.finished = True

    def refuse(self, reasons: list[str]) -> None:
        """Nothing this program reported counts: it carries code that runs outside its functions
        (intruders.py), which could have rewritten every report."""
        self.problem = (f"The test program at -O{self.opt_level} was refused: it has " + "; and ".join(reasons)
                        + ". Only the functions of your file may run")
        self.values.clear()
        self.calls.clear()
        self.ended.clear()
        self.not_run.clear()
        self.errors = {info.index: "Not judged: the test program was refused (see the message above)."
                       for info in self.cases}

    def _reported(self, index: int) -> bool:
        return index in self.values or index in self.ended or index in self.errors

    def _death(self, outcome: Outcome) -> str:
        if outcome.signal is not None:
            return describe_signal(outcome.signal, outcome.output)
        if outcome.returncode == 0:
            return "the program exited in the middle of the case (does the code call `exit`?)"
        return f"the program exited with status {outcome.returncode} in the middle of the case"

    def _panic_text(self, message: str, place: str) -> str:
        message = printable(message)
        match = re.search(r"solution\.rs:(\d+)$", place)
        if match and int(match.group(1)) <= self.learner_lines:
            return f"It panicked at line {match.group(1)} of your file: {message}."
        return f"It panicked: {message}."

    def _rest_not_run(self, message: str) -> None:
        for info in self.cases[self.start:]:
            if not self._reported(info.index):
                self.not_run[info.index] = message
        self.finished = True
