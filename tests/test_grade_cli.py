"""`asm-tutor grade SUBMISSIONS`: a class's hand-ins into a gradebook, with the real rustc.

A small class pack (two exercises of the built-in course, one worth 2 points) and students
who hand in right, wrong, non-UTF-8, missing and forged work. The outputs are read back:
the CSV with the csv module, the JSON, Gradescope's results.json against its documented
fields, and the JUnit XML against the common schema's shape.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from asm_tutor.cli import main
from asm_tutor.grader.engine import host_arch
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.progress.file_format import dump_progress
from asm_tutor.progress.model import ExerciseRecord, ExerciseStatus, PackProgress, Progress

FIXTURES = Path(__file__).parent / "fixtures" / "grader"
BUILTIN = builtin_pack_dir()
RIGHT = {ex: (BUILTIN / "exercises" / ex / "x86_64" / "solution.rs").read_text() for ex in ("times_nine", "max_u64")}
WRONG = {"times_nine": (FIXTURES / "tn_imul.rs").read_text(), "max_u64": (FIXTURES / "mx_max.rs").read_text()}
pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")

def manifest(exercises: tuple[str, ...]) -> str:
    """A pack.toml for some of the built-in exercises, with the lessons they name."""
    builtin = load_pack(BUILTIN)
    lessons = dict.fromkeys(builtin.exercises[ex].lesson for ex in exercises if builtin.exercises[ex].lesson)
    return ('format = 1\nid = "class_test"\ntitle = "A class"\nversion = "1.0.0"\n'
            'description = "Two exercises of the built-in course."\n\n'
            + "".join(f'[[course]]\nlesson = "{lesson}"\nfile = "{builtin.lessons[lesson].path.relative_to(BUILTIN)}"\n\n'
                      for lesson in lessons if lesson)
            + "".join(f'[[course]]\nexercise = "{ex}"\n\n' for ex in exercises))


@pytest.fixture
def class_pack(tmp_path: Path) -> Path:
    root = tmp_path / "class_pack"
    for part in ("lessons", "shared"):
        if (BUILTIN / part).is_dir():
            shutil.copytree(BUILTIN / part, root / part)
    for ex in ("times_nine", "max_u64"):
        shutil.copytree(BUILTIN / "exercises" / ex, root / "exercises" / ex)
    spec = root / "exercises" / "max_u64" / "exercise.toml"
    spec.write_text("points = 2\n" + spec.read_text())
    (root / "pack.toml").write_text(manifest(("times_nine", "max_u64")))
    return root


def hand_in(root: Path, student: str, files: dict[str, str | bytes]) -> None:
    folder = root / student
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)


def export(path: Path, records: dict[str, ExerciseRecord], pack_id: str = "class_test", profile: str = "eve") -> None:
    progress = Progress(profile=profile, packs={pack_id: PackProgress(id=pack_id, exercises=records)})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_progress(progress))


def passed(code: str | None, draft: str | None = None) -> ExerciseRecord:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    return ExerciseRecord(status=ExerciseStatus.PASSED, checks=1, passed_at=when, draft=draft if draft else code,
                          passed_code=code if draft else None, passed_code_at=when if draft else None)


@pytest.fixture
def submissions(tmp_path: Path) -> Path:
    root = tmp_path / "submissions"
    hand_in(root, "alice", {"times_nine.rs": RIGHT["times_nine"], "max_u64.rs": RIGHT["max_u64"]})
    hand_in(root, "bob", {"times_nine.rs": WRONG["times_nine"], "max_u64.rs": RIGHT["max_u64"]})
    hand_in(root, "carol", {"times_nine.rs": b"fn times_nine(x: u64) -> u64 { \xff }\n", "notes.rs": "// hi"})
    # dave hands in nothing for max_u64; his folder only has one file.
    hand_in(root, "dave", {"max_u64.rs": "fn max_u64(a: u64, b: u64) -> u64 { a }\nfn main() {}\n"})
    return root


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    return {row["student"]: row for row in csv.DictReader(io.StringIO(path.read_text()))}


def test_a_class_becomes_a_right_gradebook(tmp_path: Path, class_pack: Path, submissions: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    gradebook, detail = tmp_path / "out" / "grades.csv", tmp_path / "out" / "grades.json"
    code = main(["grade", str(submissions), "--pack", str(class_pack), "--csv", str(gradebook),
                 "--json", str(detail), "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = read_csv(gradebook)
    assert list(rows) == ["alice", "bob", "carol", "dave"]
    assert list(rows["alice"]) == ["student", "times_nine", "max_u64", "total", "max"]
    assert rows["alice"] | {} == {"student": "alice", "times_nine": "pass 1/1", "max_u64": "pass 2/2",
                                  "total": "3", "max": "3"}
    assert rows["bob"]["times_nine"].startswith("fail 0/1: ") and rows["bob"]["max_u64"] == "pass 2/2"
    assert rows["bob"]["total"] == "2"
    assert rows["carol"]["times_nine"].startswith("error 0/1: ") and "not UTF-8" in rows["carol"]["times_nine"]
    assert rows["carol"]["max_u64"] == "missing 0/2: nothing handed in" and rows["carol"]["total"] == "0"
    assert rows["dave"]["times_nine"].startswith("missing") and rows["dave"]["max_u64"].startswith("fail 0/2")

    data = json.loads(detail.read_text())
    assert [e["id"] for e in data["exercises"]] == ["times_nine", "max_u64"]
    bob = next(s for s in data["students"] if s["name"] == "bob")["exercises"]["times_nine"]
    assert bob["outcome"] == "fail" and bob["result"]["tests"] and bob["result"]["checks"]
    assert all({"name", "status", "input", "expected", "actual", "message"} <= set(t) for t in bob["result"]["tests"])
    carol = next(s for s in data["students"] if s["name"] == "carol")
    assert carol["notes"] == ["notes.rs left out: class_test has no exercise `notes`"]

    # The summary: a pass rate per exercise, the most common failures, the notes.
    assert "times_nine" in out and "25%" in out and "50%" in out and "Most common failures" in out
    assert "notes.rs left out" in out


def test_forged_and_honest_progress_exports_are_regraded(tmp_path: Path, class_pack: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "submissions"
    # Honest: passed, then broke the draft; the passing code it carries is graded.
    export(root / "erin.toml", {"times_nine": passed(RIGHT["times_nine"], draft="fn broken("),
                                "max_u64": ExerciseRecord(status=ExerciseStatus.ATTEMPTED, draft=WRONG["max_u64"])})
    # Forged: `status = "passed"` typed into an export whose code does not pass.
    export(root / "frank" / "progress.toml", {"times_nine": passed(WRONG["times_nine"]), "max_u64": passed(None)})
    # An export of another pack only.
    export(root / "gina.toml", {"times_nine": passed(RIGHT["times_nine"])}, pack_id="elsewhere")
    gradebook, detail = tmp_path / "grades.csv", tmp_path / "grades.json"
    assert main(["grade", str(root), "--pack", str(class_pack), "--csv", str(gradebook), "--json", str(detail)]) == 0
    out = capsys.readouterr().out
    rows = read_csv(gradebook)
    assert rows["erin"]["times_nine"] == "pass 1/1" and rows["erin"]["max_u64"].startswith("fail 0/2")
    assert rows["frank"]["times_nine"].startswith("fail 0/1: claimed pass does not regrade")
    assert rows["frank"]["max_u64"] == "missing 0/2: the export claims a pass but carries no code to regrade"
    assert rows["gina"]["times_nine"].startswith("missing")
    assert "2 claimed pass(es) do not regrade" in out and "frank/times_nine" in out
    frank = next(s for s in json.loads(detail.read_text())["students"] if s["name"] == "frank")["exercises"]
    assert frank["times_nine"]["claim_broken"] and frank["times_nine"]["source"]["kind"] == "export"
    assert frank["times_nine"]["source"]["passed_at"] == "2026-12-01T00:00:00+00:00"
    assert "holds no progress in pack class_test (it has: elsewhere)" in out


def test_gradescope_results_json_has_its_documented_fields(tmp_path: Path, class_pack: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    submission = tmp_path / "submission"
    # Uploaded as a zip of a folder: Gradescope unpacks it into the submission folder as it is.
    hand_in(submission, "my_work", {"times_nine.rs": RIGHT["times_nine"], "max_u64.rs": WRONG["max_u64"]})
    results = tmp_path / "results" / "results.json"
    assert main(["grade", str(submission), "--one-student", "--pack", str(class_pack), "--format", "gradescope",
                 "--output", str(results), "--quiet"]) == 0
    data = json.loads(results.read_text())
    # https://gradescope-autograders.readthedocs.io/en/latest/specs/ : score, max_score, tests[]
    assert (data["score"], data["max_score"]) == (1, 3)
    assert [(t["name"], t["status"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("Times nine, without a multiply (times_nine)", "passed", 1, 1), ("Branchless max (max_u64)", "failed", 0, 2)]
    for test in data["tests"]:
        assert set(test) == {"name", "status", "score", "max_score", "output", "visibility"}
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert isinstance(test["output"], str) and test["output"]
    assert "no call to a library max" in data["tests"][1]["output"]


def test_gradescope_is_one_students_and_bad_folders_are_bad_usage(tmp_path: Path, class_pack: Path,
                                                                  submissions: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", str(submissions), "--pack", str(class_pack), "--format", "gradescope"]) == 2
    assert "--one-student" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "nowhere"), "--pack", str(class_pack)]) == 2
    assert "is not a folder of submissions" in capsys.readouterr().err


def validate_junit(root: ET.Element) -> None:
    """The shape of the common JUnit schema (Ant's, as Jenkins/GitLab read it)."""
    assert root.tag == "testsuites"
    for suite in root:
        assert suite.tag == "testsuite" and suite.get("name")
        for count in ("tests", "failures", "errors", "skipped"):
            assert suite.get(count, "").isdigit(), count
        float(suite.get("time", "x"))
        cases = [child for child in suite if child.tag == "testcase"]
        assert {child.tag for child in suite} <= {"testcase", "properties", "system-out", "system-err"}
        assert int(suite.get("tests", "")) == len(cases)
        outcomes = [child.tag for case in cases for child in case]
        assert int(suite.get("failures", "")) == outcomes.count("failure")
        assert int(suite.get("errors", "")) == outcomes.count("error")
        for case in cases:
            assert case.get("name") and case.get("classname")
            float(case.get("time", "x"))
            assert len(case) <= 1 and all(child.tag in ("failure", "error", "skipped") for child in case)
            for child in case:
                assert child.get("type") and child.get("message") is not None


def test_junit_parses_back_and_has_the_schemas_shape(tmp_path: Path, class_pack: Path, submissions: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    hand_in(submissions, "mallory", {"times_nine.rs": "fn times_nine(x: u64) -> u64 { \x1b[2J\x00 }"})
    assert main(["grade", str(submissions), "--pack", str(class_pack), "--format", "junit", "--quiet"]) == 0
    root = ET.fromstring(capsys.readouterr().out.encode())
    validate_junit(root)
    suites = {suite.get("name"): suite for suite in root}
    assert set(suites) == {"alice", "bob", "carol", "dave", "mallory"}
    assert suites["alice"].get("failures") == "0" and suites["alice"].get("errors") == "0"
    carol = {case.get("name"): case for case in suites["carol"].findall("testcase")}
    assert carol["times_nine"][0].tag == "error" and carol["max_u64"][0].get("type") == "missing"


def test_the_graders_own_progress_is_never_read_or_written(tmp_path: Path, class_pack: Path,
                                                           submissions: Path, user_dirs: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.progress.store import ProgressStore

    assert main(["--profile", "teacher", "grade", str(submissions), "--pack", str(class_pack), "--quiet"]) == 0
    assert not ProgressStore.file_for("teacher").exists()
    assert not (user_dirs / "data" / "asm-tutor" / "progress").exists()


def test_hidden_tests_that_do_not_build_mean_grading_could_not_run(tmp_path: Path, class_pack: Path,
                                                                    submissions: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    spec = class_pack / "exercises" / "max_u64" / "exercise.toml"
    spec.write_text(spec.read_text().replace('reference = "', 'reference = "undefined_name + ', 1))
    gradebook = tmp_path / "grades.csv"
    assert main(["grade", str(submissions), "--pack", str(class_pack), "--csv", str(gradebook)]) == 1
    out = capsys.readouterr().out
    assert "the hidden tests of max_u64 did not build" in out
    rows = read_csv(gradebook)
    assert rows["alice"]["times_nine"] == "pass 1/1"  # the other exercise is graded all the same
    assert rows["alice"]["max_u64"].startswith("error 0/2: The exercise's hidden tests could not be built")


def test_students_text_reaches_the_terminal_harmless(tmp_path: Path, class_pack: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "submissions"
    hand_in(root, "eve\x1b]0;pwned\x07", {"\x1b[2Jnotes.rs": "// hi", "times_nine.rs": RIGHT["times_nine"]})
    assert main(["grade", str(root), "--pack", str(class_pack)]) == 0
    out = capsys.readouterr().out
    assert "\x1b]0;" not in out and "\x1b[2J" not in out and "\x07" not in out
    assert "\\x1b[2Jnotes.rs left out" in out


def test_a_gradebook_written_to_a_terminal_shows_control_characters(tmp_path: Path, class_pack: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    terminal = Terminal(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", terminal)
    root = tmp_path / "submissions"
    hand_in(root, "eve\x1b]0;pwned\x07", {"times_nine.rs": RIGHT["times_nine"]})
    assert main(["grade", str(root), "--pack", str(class_pack), "--format", "junit", "--quiet"]) == 0
    shown = terminal.buffer.getvalue().decode()  # type: ignore[attr-defined]
    assert "<testsuite" in shown and "]0;pwned" in shown  # the student is there, named harmlessly
    assert "\x1b" not in shown and "\x07" not in shown


def test_a_symbolic_link_handed_in_is_not_followed(tmp_path: Path, class_pack: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "grader_secret.rs"
    secret.write_text("fn times_nine(x: u64) -> u64 { SECRET_TOKEN }\nfn main() {}\n")
    root = tmp_path / "submissions"
    hand_in(root, "eve", {})
    (root / "eve" / "times_nine.rs").symlink_to(secret)
    detail = tmp_path / "grades.json"
    assert main(["grade", str(root), "--pack", str(class_pack), "--json", str(detail)]) == 0
    assert "SECRET_TOKEN" not in detail.read_text() and "SECRET_TOKEN" not in capsys.readouterr().out
    eve = json.loads(detail.read_text())["students"][0]
    assert eve["exercises"]["times_nine"]["outcome"] == "missing"
    assert eve["notes"] == ["times_nine.rs left out: it is a symbolic link, not a file handed in"]


def test_an_exercise_for_another_architecture_is_said_not_graded_here(tmp_path: Path, class_pack: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    spec = class_pack / "exercises" / "times_nine" / "exercise.toml"
    spec.write_text(spec.read_text().replace('arch = ["x86_64", "aarch64"]', 'arch = ["aarch64"]'))
    root = tmp_path / "submissions"
    hand_in(root, "alice", {"max_u64.rs": RIGHT["max_u64"]})
    gradebook = tmp_path / "grades.csv"
    assert main(["grade", str(root), "--pack", str(class_pack), "--csv", str(gradebook)]) == 0
    assert "Not graded here (written for another architecture than this machine's): times_nine" in \
        " ".join(capsys.readouterr().out.split())
    assert list(read_csv(gradebook)["alice"]) == ["student", "max_u64", "total", "max"]


@pytest.mark.own_cache
def test_each_exercises_judge_is_built_once_for_the_whole_class(class_pack: Path, submissions: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.grader import judge
    from asm_tutor.kept import forget_all

    forget_all()  # as a new process: nothing built is known but what is in this test's own cache
    built: list[str] = []
    real = judge.build_job

    def counted(source: str, *args: object, **kwargs: object) -> object:
        built.append(source.splitlines()[0])
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(judge, "build_job", counted)
    assert main(["grade", str(submissions), "--pack", str(class_pack), "--quiet", "--jobs", "4"]) == 0
    assert len(built) == 2 and len(set(built)) == 2  # one per exercise, for 4 students' 7 files
