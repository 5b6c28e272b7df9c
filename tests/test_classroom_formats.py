"""The gradebook's outputs from a gradebook made by hand (no rustc): what a spreadsheet, an XML
parser and Gradescope would make of students' odd names and text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

from asm_tutor.classroom import Cell, Gradebook, Outcome, Row, Student, to_csv, to_gradescope, to_junit
from asm_tutor.classroom.formats import dumps_json, to_json
from asm_tutor.pack.loader import load_pack

BUFFERS = Path(__file__).parent / "packs" / "buffers"


def book(name: str, reason: str) -> Gradebook:
    pack = load_pack(BUFFERS)
    row = Row(Student(name, notes=["a note \x1b[2J"]), {
        "sum_u64": Cell("sum_u64", Outcome.PASS, 1, 1),
        "fill_bytes": Cell("fill_bytes", Outcome.FAIL, 0, 1, reason),
    })
    return Gradebook(pack, ["sum_u64", "fill_bytes"], [row])


def test_a_student_name_like_a_formula_is_not_one_in_the_csv() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(book("=HYPERLINK(\"x\")", "wrong")))))
    assert rows[0] == ["student", "sum_u64", "fill_bytes", "total", "max"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "pass 1/1", "fail 0/1: wrong", "1", "2"]


def test_junit_holds_no_character_xml_cannot_and_parses() -> None:
    root = ET.fromstring(to_junit(book("eve\x00", "got \x1b[31mred\x07 and \ufffe")))
    (suite,) = root
    assert suite.get("name") == "eve\ufffd" and suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.find("testcase[@name='fill_bytes']/failure")
    assert failure is not None and failure.get("type") == "fail" and "\x1b" not in (failure.get("message") or "")


def test_gradescope_and_json_carry_the_notes_and_escape_controls() -> None:
    gradebook = book("eve", "wrong")
    results = to_gradescope(gradebook, gradebook.rows[0])
    assert (results["score"], results["max_score"]) == (1, 2) and "a note" in results["output"]
    text = dumps_json(to_json(gradebook))
    assert "\x1b" not in text and json.loads(text)["students"][0]["notes"] == ["a note \x1b[2J"]
