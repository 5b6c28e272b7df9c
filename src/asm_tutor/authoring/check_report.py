"""What `pack check` found: one Finding per item and aspect, the outcome as an enum, a JSON form.

Plain data, rendered by `asm_tutor.cmd.pack` (a table, or `--json`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from asm_tutor.pack.model import Exercise
from asm_tutor.pack.problems import Problem

REPORT_VERSION = 1


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # a problem: `pack check` exits non-zero
    WARN = "warn"  # worth a look; does not fail the check
    SKIPPED = "skipped"  # not checked: by the author's choice (`ignore=`, `min_rustc=`), or after a problem above
    NOT_CHECKABLE = "not_checkable"  # needs another architecture than this host's


class Aspect(StrEnum):
    """What a finding is about."""

    PACK = "pack"  # the pack loads
    HINTS = "hints"
    TESTS = "tests"  # the hidden tests build from the pack's reference, cases and properties
    SOLUTION = "solution"
    STARTER = "starter"
    CODE_BLOCK = "code_block"
    LESSON = "lesson"  # a lesson with no Rust code blocks


@dataclass(frozen=True)
class Finding:
    """One row of the report: an item of the pack, what was checked, and how it went."""

    item: str  # "exercise ecart", "lesson registres", "pack"
    aspect: Aspect
    checked: str  # in words, e.g. "solution passes its hidden tests (x86_64)"
    outcome: Outcome
    detail: str = ""
    file: str | None = None  # relative to the pack root, forward slashes
    line: int | None = None
    field: str | None = None  # the spec field concerned, e.g. "hints", "starter_passes"
    arch: str | None = None
    duration_ms: int = 0
    cached: bool = False

    @property
    def is_problem(self) -> bool:
        return self.outcome is Outcome.FAIL

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        """`file:line: field: detail`, the form a problem is listed in."""
        parts = [p for p in (self.location(), self.field) if p]
        parts.append(self.detail or self.checked)
        return ": ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item, "aspect": self.aspect.value, "checked": self.checked,
            "outcome": self.outcome.value, "detail": self.detail, "file": self.file,
            "line": self.line, "field": self.field, "arch": self.arch,
            "duration_ms": self.duration_ms, "cached": self.cached,
        }


@dataclass
class PackCheckReport:
    root: Path
    pack_id: str | None = None
    title: str | None = None
    version: str | None = None
    host_arch: str | None = None
    rustc: str | None = None  # e.g. "rustc 1.95.0 (x86_64-unknown-linux-gnu)"
    cross: dict[str, str] = field(default_factory=dict)  # another architecture → the toolchain that built it
    unavailable: dict[str, str] = field(default_factory=dict)  # architecture → why it was not checked, and the fix
    load_problems: list[Problem] = field(default_factory=list)  # non-empty: the pack did not load
    findings: list[Finding] = field(default_factory=list)
    duration_s: float = 0.0
    use_cache: bool = True

    @property
    def loaded(self) -> bool:
        return not self.load_problems

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.is_problem]

    @property
    def ok(self) -> bool:
        return self.loaded and not self.problems

    def count(self, outcome: Outcome) -> int:
        return sum(1 for f in self.findings if f.outcome is outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "root": str(self.root),
            "pack": {"id": self.pack_id, "title": self.title, "version": self.version},
            "host_arch": self.host_arch,
            "rustc": self.rustc,
            "cross": self.cross,
            "unavailable": self.unavailable,
            "ok": self.ok,
            "load_problems": [
                {"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                for p in self.load_problems
            ],
            "findings": [f.to_json() for f in self.findings],
            "counts": {o.value: self.count(o) for o in Outcome},
            "duration_s": round(self.duration_s, 2),
            "use_cache": self.use_cache,
        }


# -- a grade result, in the words of a report ---------------------------------------------


def pass_detail(result: Any) -> str:
    tests = len(getattr(result, "tests", []) or [])
    checks = len(getattr(result, "checks", []) or [])
    return f"{tests} test(s), {checks} check(s)"


def failure(exercise: Exercise, result: Any, spec: str,
            spec_line: Callable[..., int | None]) -> tuple[int | None, str | None, str]:
    """(line in the source, spec field, words) for a result that is not a pass; `spec` is the
    exercise.toml's path as shown, `spec_line(exercise, key, table, index)` finds a line in it."""
    from asm_tutor.grader.result import TestStatus

    parts = [first_line(result.message)] if result.message else []
    line: int | None = None
    field_: str | None = None
    errors = [d for d in result.diagnostics if d.level == "error"]
    if errors:
        first = errors[0]
        line = first.line
        code = f"[{first.code}]" if first.code else ""
        at = f" (line {first.line})" if first.line else ""
        parts.append(f"error{code}: {first.message}{at}")
    failed_tests = [t for t in result.tests if t.status in (TestStatus.FAIL, TestStatus.ERROR)]
    if failed_tests:
        t = failed_tests[0]
        head = f"test `{t.name}` at opt-level {t.opt_level}"
        if t.message:
            head += f": {first_line(t.message).rstrip('.')}"
        bits = [head]
        if t.input:
            bits.append(f"input {t.input}")
        if t.expected or t.actual:
            bits.append(f"expected {t.expected}, got {t.actual}")
        parts.append(", ".join(bits))
        field_ = "tests"
        if t.name.startswith(("edge", "random")) and (note := _short_pointers(exercise)):
            parts.append(note)
    failed_checks = [c for c in result.checks if c.status is not TestStatus.PASS]
    if failed_checks:
        c = failed_checks[0]
        index = next((i for i, chk in enumerate(exercise.checks) if chk.name == c.name), None)
        where = ""
        if index is not None:
            found = spec_line(exercise, "name", "checks", index)
            where = f" ({spec}:{found} checks[{index}])" if found else f" (checks[{index}])"
            field_ = field_ or f"checks[{index}]"
        parts.append(f"check `{c.name}` failed{where}: {first_line(c.message)}")
    seed = getattr(result, "seed", None)
    if failed_tests and seed is not None:
        parts.append(f"seed {seed}")
    unique = list(dict.fromkeys(p.rstrip(".") for p in parts if p))
    return line, field_, "; ".join(unique) or f"status {result.status.value}"


def _short_pointers(exercise: Exercise) -> str:
    """Why a generated case may be the pack's fault: its pointers point at one element only."""
    from asm_tutor.pack.param_types import ParamType

    pointers = [p.name for p in exercise.function.params
                if (kind := ParamType.parse(p.type)).buffer and not kind.type_is_slice
                and not (kind.bytes and exercise.tests.bytes is not None)]
    if not pointers:
        return ""
    return (f"note: a generated `{pointers[0]}` points at one element; if the solution rightly reads more (a "
            "length parameter, a string), the generated cases are too short, not the solution: give strings "
            "with [tests.bytes], take a slice, or write `cases` with `edge = false` and `random = 0`")


def first_line(text: str) -> str:
    text = (text or "").strip()
    return text.splitlines()[0] if text else ""
