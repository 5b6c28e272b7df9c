"""Run a test binary and turn the driver's report lines into TestResults.

One process runs every case. When it dies (a signal, an exit in the middle),
the last START line names the case it was on: that case gets a plain
explanation, the cases before it keep their results, and the binary is started
again from the next case, a bounded number of times. A time-out ends the run.
"""

from __future__ import annotations

import math
import re
import resource
from dataclasses import dataclass, field
from pathlib import Path

from asm_tutor.grader.driver import CaseInfo, CaseKind
from asm_tutor.grader.result import TestResult, TestStatus
from asm_tutor.grader.sandbox import CHANNEL_FD, Job, Limits, Outcome, describe_signal

TEST_ADDRESS_SPACE = 1 << 30  # 1 GiB: generous for a test, fatal for a runaway allocation
TEST_FILE_SIZE = 1 << 20
MAX_RESTARTS = 3


def rlimit_args(time_limit: float) -> list[str]:
    """The test binary's resource limits, as `resource=soft:hard` arguments its runtime applies
    to itself (runtime.py): CPU time, address space, file size, and no core dumps."""
    cpu = math.ceil(time_limit) + 1
    limits = ((resource.RLIMIT_CPU, cpu, cpu + 1), (resource.RLIMIT_AS, TEST_ADDRESS_SPACE, TEST_ADDRESS_SPACE),
              (resource.RLIMIT_FSIZE, TEST_FILE_SIZE, TEST_FILE_SIZE), (resource.RLIMIT_CORE, 0, 0))
    return [f"{number}={soft}:{hard}" for number, soft, hard in limits]


@dataclass
class CaseRun:
    """The state of running every case on one binary (one optimization level)."""

    binary: Path
    opt_level: int
    cases: tuple[CaseInfo, ...]
    seed: int
    time_limit: float
    learner_lines: int
    results: dict[int, TestResult] = field(default_factory=dict)
    inputs: dict[int, tuple[str, str]] = field(default_factory=dict)  # case → (input, expected)
    start: int = 0
    restarts: int = 0
    finished: bool = False
    problem: str = ""  # why the binary could not run at all, if it could not
    env: dict[str, str] | None = None  # e.g. where the shared std is (runtime.Runtime.env)

    def job(self) -> Job:
        argv = [str(self.binary), CHANNEL_FD, str(self.seed), str(self.start), *rlimit_args(self.time_limit)]
        return Job(argv, Limits(wall_time=self.time_limit), cwd=self.binary.parent, channel=True, env=self.env)

    def absorb(self, outcome: Outcome) -> None:
        """Take one process's report; afterwards either finished, or ready to restart at self.start."""
        if outcome.start_error:
            self.problem = outcome.start_error
            self.finished = True
            return
        current: int | None = None
        panics: dict[int, str] = {}
        done = False
        for raw in outcome.channel.decode("utf-8", errors="replace").splitlines():
            kind, *fields = raw.split("\t")
            if kind == "DONE":
                done = True
                continue
            if not fields or not fields[0].isdigit() or int(fields[0]) >= len(self.cases):
                continue  # not a line the driver wrote for one of its cases
            index = int(fields[0])
            if kind == "START":
                current = index
            elif kind == "INPUT" and len(fields) >= 3:
                self.inputs[index] = (fields[1], fields[2])
            elif kind == "PANIC" and len(fields) >= 2:
                panics[index] = self._panic_text(fields[1], fields[2] if len(fields) > 2 else "")
            elif kind == "RESULT" and len(fields) >= 2:
                self.results[index] = self._result(index, fields[1:], panics.get(index, "it panicked"))
                if current == index:
                    current = None
        if done or outcome.cancelled:
            self.finished = True
            return
        if outcome.timed_out:
            if current is not None:
                self.results[current] = self._error(
                    current, f"It took longer than {self.time_limit:g} s — probably a loop that never exits.")
            self._rest_not_run("not run: an earlier case ran out of time")
            return
        reason = self._death(outcome)
        if current is None:
            # Died outside any case (before the first one, or between two).
            self.problem = f"The test program stopped before running its cases: {reason}."
            self._rest_not_run("not run: the test program stopped")
            return
        self.results[current] = self._error(current, reason[0].upper() + reason[1:] + ".")
        self.start = current + 1
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            self._rest_not_run(f"not run: the program crashed {self.restarts} times, so the rest were skipped")
        elif self.start >= len(self.cases):
            self.finished = True

    def _death(self, outcome: Outcome) -> str:
        if outcome.signal is not None:
            return describe_signal(outcome.signal, outcome.output)
        if outcome.returncode == 0:
            return "the program exited in the middle of the case (does the code call `exit`?)"
        return f"the program exited with status {outcome.returncode} in the middle of the case"

    def _panic_text(self, message: str, place: str) -> str:
        match = re.search(r"solution\.rs:(\d+)$", place)
        if match and int(match.group(1)) <= self.learner_lines:
            return f"it panicked at line {match.group(1)} of your file: {message}"
        return f"it panicked: {message}"

    def _result(self, index: int, values: list[str], panic: str) -> TestResult:
        """A RESULT line's values: status, input, expected, actual, how (which call was wrong)."""
        info = self.cases[index]
        status = values[0]
        if status == "panic":
            return self._error(index, panic[0].upper() + panic[1:] + ".")
        text_input, expected, actual, how = (values[1:5] + ["", "", "", ""])[:4]
        text_input = text_input or info.input
        if status == "pass":
            return TestResult(info.name, TestStatus.PASS, "", text_input, expected, actual, self.opt_level)
        if info.kind is CaseKind.PROPERTY:
            message = "The property does not hold."
        elif how == "pointer":
            message = ("Wrong answer when called through a function pointer, though right when inlined: "
                       "check which registers your block reads and writes (in/out/lateout).")
        else:
            message = "Wrong answer."
        return TestResult(info.name, TestStatus.FAIL, message, text_input, expected, actual, self.opt_level)

    def _error(self, index: int, message: str) -> TestResult:
        info = self.cases[index]
        text_input, expected = self.inputs.get(index, (info.input, ""))
        return TestResult(info.name, TestStatus.ERROR, message, text_input, expected, "", self.opt_level)

    def _rest_not_run(self, message: str) -> None:
        for info in self.cases:
            if info.index not in self.results:
                self.results[info.index] = TestResult(info.name, TestStatus.NOT_RUN, message, info.input,
                                                      opt_level=self.opt_level)
        self.finished = True

    def test_results(self) -> list[TestResult]:
        return [
            self.results.get(info.index)
            or TestResult(info.name, TestStatus.NOT_RUN, "not run", info.input, opt_level=self.opt_level)
            for info in self.cases
        ]
