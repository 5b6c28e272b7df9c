"""Running a class: a folder of students' hand-ins graded into a gradebook, and its outputs.

Headless (no Textual, no rich): `asm-tutor grade` (cmd/grade.py) and `pack autograder` are its
front. One module per job:

- `submissions`: who handed in what (files, progress exports), read safely;
- `gradebook`: every hand-in through the grading engine, in parallel, into cells;
- `formats`: the gradebook as CSV, JSON, Gradescope's results.json and JUnit XML;
- `autograder`: a ready Gradescope autograder folder for a pack.
"""

from __future__ import annotations

from asm_tutor.classroom.autograder import Autograder, write_autograder
from asm_tutor.classroom.formats import cell_text, dumps_json, to_csv, to_gradescope, to_json, to_junit
from asm_tutor.classroom.gradebook import Cell, Gradebook, Outcome, Row, gradable_exercises, grade_class
from asm_tutor.classroom.submissions import SourceKind, Student, Submission, find_students

__all__ = [
    "Autograder",
    "Cell",
    "Gradebook",
    "Outcome",
    "Row",
    "SourceKind",
    "Student",
    "Submission",
    "cell_text",
    "dumps_json",
    "find_students",
    "gradable_exercises",
    "grade_class",
    "to_csv",
    "to_gradescope",
    "to_json",
    "to_junit",
    "write_autograder",
]
