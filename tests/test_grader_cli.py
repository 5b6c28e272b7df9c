"""`asm-tutor check EXERCISE FILE`: exit codes, the JSON form, the readable form, bad usage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asm_tutor.cli import main
from asm_tutor.grader.engine import host_arch
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "grader"
pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def test_json_pass_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    solution = builtin_pack_dir() / "exercises" / "times_nine" / "x86_64" / "solution.rs"
    assert main(["check", "times_nine", str(solution), "--json", "--seed", "7"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "pass" and data["exercise"] == "times_nine" and data["seed"] == 7
    assert set(data) == {"version", "exercise", "status", "message", "seed", "tests", "checks", "diagnostics",
                         "sandbox", "duration_ms"}
    assert data["sandbox"].startswith("bubblewrap") or data["sandbox"] is None


def test_readable_failure_exit_1_shows_cases_checks_and_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "times_nine", str(FIXTURES / "tn_crash.rs"), "--seed", "11"]) == 1
    out = capsys.readouterr().out
    assert "fail" in out and "example 3" in out and "times_nine(1)" in out and "SIGSEGV" in out
    assert "-O0, -O3" in out  # the same failure at both levels is one row
    assert "uses asm!" in out and "--seed 11" in out


def test_compile_error_shows_the_learners_file_line_and_hint(capsys: pytest.CaptureFixture[str]) -> None:
    broken = FIXTURES / "diag" / "pure_alone.rs"
    assert main(["check", "times_nine", str(broken), "--pack", str(builtin_pack_dir())]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:5:" in out and "`pure` option must be combined" in out and "hint:" in out
    assert "solution.rs" not in out and "__asm_tutor_driver" not in out


def test_rejected_shortcut_json_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "max_u64", str(FIXTURES / "mx_max.rs"), "--json", "--no-cache"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "fail"
    assert {c["name"] for c in data["checks"] if c["status"] == "fail"} >= {"no call to a library max"}


def test_unknown_exercise_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "no_such_thing", str(FIXTURES / "tn_helper.rs")]) == 2
    err = capsys.readouterr().err
    assert "no exercise `no_such_thing`" in err and err.count("\n") == 1


@pytest.mark.parametrize(("content", "words"), [
    (b"fn \xff\xfe main() {}", "not UTF-8 text: byte 3 (line 1, column 4) is 0xff"),
    (None, "does not exist"),
    (b"// big\n" * 200_000, "too large to check"),
])
def test_a_file_that_cannot_be_graded_is_one_sentence_and_json_with_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, words: str) -> None:
    from asm_tutor.progress.store import ProgressStore

    path = tmp_path / "mine.rs"
    if content is not None:
        path.write_bytes(content)
    assert main(["--profile", "ada", "check", "times_nine", str(path)]) == 1
    assert words in " ".join(capsys.readouterr().out.split()), "said (wrapped at words)"
    assert main(["--profile", "ada", "check", "times_nine", str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "error" and words in data["message"] and data["tests"] == []
    assert not ProgressStore.file_for("ada").exists()  # neither an attempt nor a draft


def test_a_fifo_or_a_device_is_refused_before_it_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    fifo = tmp_path / "pipe.rs"
    os.mkfifo(fifo)  # nobody writes: reading it would wait for ever
    assert main(["check", "times_nine", str(fifo), "--json"]) == 1
    assert "a pipe (FIFO), not a file" in json.loads(capsys.readouterr().out)["message"]
    assert main(["check", "times_nine", "/dev/zero", "--json"]) == 1  # would never end
    assert "a device, not a file" in json.loads(capsys.readouterr().out)["message"]


def test_the_grader_and_check_command_import_no_textual() -> None:
    code = ("import sys, asm_tutor.grader.engine, asm_tutor.cmd.check, asm_tutor.grader.checks; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_check_records_the_attempt_and_draft_unless_no_save(capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.progress.model import ExerciseStatus
    from asm_tutor.progress.store import ProgressStore

    crash = FIXTURES / "tn_crash.rs"
    solution = builtin_pack_dir() / "exercises" / "times_nine" / "x86_64" / "solution.rs"
    assert main(["--profile", "ada", "check", "times_nine", str(crash), "--no-save"]) == 1
    assert not ProgressStore.file_for("ada").exists()

    assert main(["--profile", "ada", "check", "times_nine", str(crash)]) == 1
    assert main(["--profile", "ada", "check", "times_nine", str(solution)]) == 0
    record = ProgressStore.open("ada").exercise("asm_basics", "times_nine")
    assert record.status is ExerciseStatus.PASSED and record.checks == 2
    assert record.draft == solution.read_text()


def test_failure_table_names_big_values_and_says_a_long_reason_once(capsys: pytest.CaptureFixture[str]) -> None:
    starter = builtin_pack_dir() / "exercises" / "max_u64" / "starter.rs"
    assert main(["check", "max_u64", str(starter), "--seed", "3"]) == 1
    out = capsys.readouterr().out
    assert "u64::MAX" in out and "18446744073709551615" not in out
    assert main(["check", "times_nine", str(FIXTURES / "tn_crash.rs"), "--seed", "11"]) == 1
    out = capsys.readouterr().out
    assert out.count("SIGSEGV") == 1 and "(as above)" in out
    assert "not run: not run" not in out


def test_the_seed_is_only_offered_when_there_are_random_cases(capsys: pytest.CaptureFixture[str]) -> None:
    starter = builtin_pack_dir() / "exercises" / "write_byte" / "x86_64" / "starter.rs"
    assert main(["check", "write_byte", str(starter)]) == 1
    out = capsys.readouterr().out
    assert "Tests:" in out and "--seed" not in out
