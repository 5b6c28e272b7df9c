"""A gradebook written out: CSV for a spreadsheet, JSON with every case, Gradescope, JUnit.

    csv         student, one column per exercise ("pass 1/1", "fail 0/2: why", "missing 0/1"), total, max
    json        every cell with the grader's whole result (the `check --json` form), and the notes
    gradescope  Gradescope's results.json for one student: score, max_score, tests[]
    junit       JUnit XML: a <testsuite> per student, a <testcase> per exercise
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from xml.etree import ElementTree as ET

from asm_tutor.classroom.gradebook import Cell, Gradebook, Outcome, Row
from asm_tutor.grader.result import TestStatus
from asm_tutor.safe_text import json_text

JSON_VERSION = 1
MAX_CASES_SHOWN = 10  # failing cases listed in a Gradescope/JUnit test's output
# Characters XML 1.0 cannot hold at all (a learner's output may carry any byte).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A spreadsheet runs a cell that starts like a formula: a student folder named `=cmd|...` must not.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(cell: Cell) -> str:
    """The gradebook's cell: outcome first, then points, then why (`fail 0/1: 3 of 40 runs failed`)."""
    text = f"{cell.outcome.value} {cell.points}/{cell.max_points}"
    return f"{text}: {cell.reason}" if cell.reason else text


def to_csv(book: Gradebook) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *book.exercises, "total", "max"])
    for row in book.rows:
        name = row.student.name
        writer.writerow([("'" + name) if name.startswith(_FORMULA_START) else name,
                         *(cell_text(row.cells[ex]) for ex in book.exercises), row.points, row.max_points])
    return out.getvalue()


def to_json(book: Gradebook) -> dict[str, Any]:
    pack = book.pack
    return {
        "version": JSON_VERSION,
        "pack": {"id": pack.id, "title": pack.title, "version": pack.version},
        "exercises": [{"id": ex, "title": pack.exercises[ex].title, "points": pack.exercises[ex].points,
                       "passed": book.pass_rate(ex)[0], "problem": book.pack_problems.get(ex)}
                      for ex in book.exercises],
        "not_graded_here": book.other_arch,  # exercises for another architecture than this machine's
        "students": [_student_json(row) for row in book.rows],
        "seconds": round(book.seconds, 2),
    }


def _student_json(row: Row) -> dict[str, Any]:
    return {
        "name": row.student.name,
        "points": row.points,
        "max_points": row.max_points,
        "notes": row.student.notes,
        "exercises": {ex: _cell_json(cell) for ex, cell in row.cells.items()},
    }


def _cell_json(cell: Cell) -> dict[str, Any]:
    submission = cell.submission
    return {
        "outcome": cell.outcome.value,
        "points": cell.points,
        "max_points": cell.max_points,
        "reason": cell.reason,
        "failures": cell.failures(),
        "source": None if submission is None else {
            "kind": submission.kind.value, "path": str(submission.path),
            # when the export says it passed (its word, not checked)
            "passed_at": submission.passed_at.isoformat() if submission.passed_at else None},
        "claimed_pass": bool(submission and submission.claimed_pass),
        "claim_broken": cell.claim_broken,
        "result": cell.result.to_json() if cell.result is not None else None,
    }


def details(cell: Cell) -> str:
    """A cell in plain words for a test report: why, the failing cases, the checks, the first errors."""
    lines = [cell_text(cell)]
    result = cell.result
    if result is None:
        return "\n".join(lines)
    if result.message and result.message != cell.reason:
        lines.append(result.message)
    bad = [t for t in result.tests if t.status not in (TestStatus.PASS, TestStatus.NOT_RUN)]
    for test in bad[:MAX_CASES_SHOWN]:
        lines.append(f"- {test.name} (-O{test.opt_level}): {test.input} expected {test.expected}, got "
                     f"{test.actual or '-'}{': ' + test.message if test.message else ''}")
    if len(bad) > MAX_CASES_SHOWN:
        lines.append(f"- … and {len(bad) - MAX_CASES_SHOWN} more failing runs")
    for check in result.checks:
        if check.status is not TestStatus.PASS:
            lines.append(f"- check `{check.name}`: {check.message}")
    for diag in result.diagnostics[:3]:
        where = f"line {diag.line}: " if diag.line is not None else ""
        lines.append(f"- {where}{diag.level}: {diag.message}")
    return "\n".join(lines)


def to_gradescope(book: Gradebook, row: Row) -> dict[str, Any]:
    """Gradescope's results.json for one student (its autograder grades one submission at a time)."""
    tests = [{
        "name": f"{book.pack.exercises[ex].title} ({ex})",
        "status": "passed" if cell.outcome is Outcome.PASS else "failed",
        "score": cell.points,
        "max_score": cell.max_points,
        "output": details(cell),
        "visibility": "visible",
    } for ex, cell in row.cells.items()]
    out: dict[str, Any] = {"score": row.points, "max_score": row.max_points, "tests": tests,
                           "visibility": "visible", "stdout_visibility": "visible"}
    if row.student.notes:
        out["output"] = "\n".join(row.student.notes)
    return out


def to_junit(book: Gradebook) -> bytes:
    """JUnit XML (the common Ant/Jenkins shape): <testsuites> of one <testsuite> per student."""
    suites = ET.Element("testsuites", name=_xml(f"asm-tutor grade: {book.pack.title}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in book.rows:
        suite = ET.SubElement(suites, "testsuite", name=_xml(row.student.name))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        seconds = 0.0
        for ex, cell in row.cells.items():
            took = (cell.result.duration_ms / 1000) if cell.result else 0.0
            seconds += took
            case = ET.SubElement(suite, "testcase", name=ex, classname=_xml(row.student.name), time=f"{took:.3f}")
            counts["tests"] += 1
            if cell.outcome is Outcome.PASS:
                continue
            tag = "error" if cell.outcome is Outcome.ERROR else "failure"
            counts["errors" if tag == "error" else "failures"] += 1
            problem = ET.SubElement(case, tag, message=_xml(cell.reason), type=cell.outcome.value)
            problem.text = _xml(details(cell))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{seconds:.3f}")
        if row.student.notes:
            ET.SubElement(suite, "system-out").text = _xml("\n".join(row.student.notes))
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("time", f"{book.seconds:.3f}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def dumps_json(data: dict[str, Any]) -> str:
    return json_text(data) + "\n"  # exact, every control character escaped (a gradebook may reach a terminal)
