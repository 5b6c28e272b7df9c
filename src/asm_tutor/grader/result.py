"""The grading result: plain dataclasses with a stable JSON form (modeled on Exercism's results.json).

JSON shape (version 2):
    {version, exercise, status: pass|fail|error, message, seed,
     tests: [{name, status, message, input, expected, actual, opt_level}],
     checks: [{name, status, message}],
     diagnostics: [{level, code, message, line, column, hint}],
     sandbox: "bubblewrap 0.8.0" | null (null: the learner's code ran unconfined),
     duration_ms}
Version 2 added `sandbox`; a pass now always means every case ran and passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

RESULT_VERSION = 2


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # it ran, and a test or check failed (time-outs and crashes included)
    ERROR = "error"  # it did not compile, or could not run at all


class TestStatus(StrEnum):
    __test__ = False  # a pytest hint: not a test class despite the name
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # crashed, panicked or timed out on this case
    NOT_RUN = "not_run"  # an earlier case took the process down and it was not retried


@dataclass
class TestResult:
    __test__ = False  # a pytest hint: not a test class despite the name
    name: str
    status: TestStatus
    message: str = ""
    input: str = ""
    expected: str = ""
    actual: str = ""
    opt_level: int = 0


@dataclass
class CheckResult:
    name: str
    status: TestStatus  # PASS or FAIL (ERROR when the check could not be evaluated)
    message: str = ""


@dataclass
class Diagnostic:
    level: str  # "error" | "warning" | "note" | "help", as rustc says it
    message: str  # rustc's own wording
    code: str | None = None  # e.g. "E0133"
    line: int | None = None  # 1-based, in the learner's file; None when not in it
    column: int | None = None  # 1-based
    hint: str | None = None  # the tutor's advice, when one applies
    rendered: str = ""  # rustc's full rendered text, mapped to the learner's file name


@dataclass
class GradeResult:
    exercise: str
    status: Status
    message: str
    tests: list[TestResult] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    duration_ms: int = 0
    seed: int | None = None
    cached: bool = False
    # Disassembly of the learner's functions from the O0 build (the one the checks read) and
    # from the O3 build, for the assembly view.
    assembly: str = ""
    assembly_o3: str = ""
    sandbox: str = ""  # the sandbox the learner's code ran in; "" when it ran unconfined

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    def to_json(self) -> dict[str, Any]:
        return {
            "version": RESULT_VERSION,
            "exercise": self.exercise,
            "status": self.status.value,
            "message": self.message,
            "seed": self.seed,
            # vars(), not asdict(): the fields are flat, and asdict's deep copy costs
            # milliseconds on a result with a few hundred test runs.
            "tests": [vars(t) | {"status": t.status.value} for t in self.tests],
            "checks": [vars(c) | {"status": c.status.value} for c in self.checks],
            "diagnostics": [
                {k: v for k, v in vars(d).items() if k != "rendered"} for d in self.diagnostics
            ],
            "sandbox": self.sandbox or None,
            "duration_ms": self.duration_ms,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], assembly: str = "", assembly_o3: str = "") -> GradeResult:
        return cls(
            exercise=data["exercise"],
            status=Status(data["status"]),
            message=data["message"],
            seed=data.get("seed"),
            tests=[TestResult(**(t | {"status": TestStatus(t["status"])})) for t in data["tests"]],
            checks=[CheckResult(**(c | {"status": TestStatus(c["status"])})) for c in data["checks"]],
            diagnostics=[Diagnostic(**d) for d in data["diagnostics"]],
            duration_ms=data["duration_ms"],
            assembly=assembly,
            assembly_o3=assembly_o3,
            sandbox=data.get("sandbox") or "",
        )
