"""`asm-tutor progress` and friends, run in-process (and through a pty for the confirmation)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from asm_tutor.cli import main
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.progress.store import ProgressStore


@pytest.fixture(autouse=True)
def env(user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASM_TUTOR_PROFILE", "alice")
    monkeypatch.setenv("COLUMNS", "200")
    return user_dirs


@pytest.fixture(scope="module")
def pack():  # the built-in course
    return load_pack(builtin_pack_dir())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _status(data: dict, exercise_id: str) -> str:
    return next(item["status"] for item in data["exercises"] if item["id"] == exercise_id)


def _progress_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code, out, err = run(capsys, *extra, "progress", "--json")
    assert code == 0, err
    return json.loads(out)


def test_progress_json_reports_status_attempts_hints_and_time_to_pass(capsys, pack) -> None:
    store = ProgressStore.open("alice")
    store.set_last(pack, "exercise", "times_nine")
    store.reveal_hint(pack, "times_nine", 1)
    store.record_check(pack, "times_nine", passed=False, draft="x")
    store.record_check(pack, "times_nine", passed=True, draft="y")
    store.record_check(pack, "max_u64", passed=False)
    store.mark_read(pack, "why_asm")

    data = _progress_json(capsys)
    assert data["profile"] == "alice" and data["saving"] is True
    assert data["pack"] == {"id": pack.id, "version": pack.version, "recorded_version": pack.version}
    exercises = {e["id"]: e for e in data["exercises"]}
    assert list(exercises)[: len(pack.exercises)] == [i.id for i in pack.course if i.kind.value == "exercise"]
    nine = exercises["times_nine"]
    assert (nine["status"], nine["checks"], nine["hints"], nine["has_draft"]) == ("passed", 2, 1, True)
    assert isinstance(nine["time_to_pass_seconds"], int) and nine["passed_at"]
    assert exercises["max_u64"]["status"] == "attempted" and exercises["max_u64"]["time_to_pass_seconds"] is None
    assert exercises["cpu_vendor"]["status"] == "not_started"
    lessons = {lesson["id"]: lesson["read"] for lesson in data["lessons"]}
    assert lessons["why_asm"] is True and lessons["templates"] is False
    assert data["last"]["id"] == "max_u64"  # the last check moved the place


def test_progress_table(capsys, pack) -> None:
    store = ProgressStore.open("alice")
    store.record_check(pack, "times_nine", passed=True)
    store.record_check("asm_basics", "renamed_long_ago", passed=True)
    store.mark_read(pack, "why_asm")
    code, out, err = run(capsys, "progress")
    assert code == 0, err
    assert "profile alice" in out and "passed" in out and "not started" in out
    assert "renamed_long_ago (not in this pack version)" in out
    assert "Lessons read: 1 of" in out and f"Exercises passed: 1 of {len(pack.exercises)}" in out
    assert "Resume at" not in out  # the last place is an exercise this pack version no longer has
    store.set_last(pack, "exercise", "times_nine")
    code, out, err = run(capsys, "progress")
    assert "Resume at: exercise times_nine" in out


def test_profile_flag_beats_the_environment(capsys, pack) -> None:
    ProgressStore.open("bob").record_check(pack, "times_nine", passed=True)
    assert _status(_progress_json(capsys, "--profile", "bob"), "times_nine") == "passed"
    assert _status(_progress_json(capsys), "times_nine") == "not_started"


def test_bad_profile_is_one_sentence(capsys) -> None:
    code, out, err = run(capsys, "--profile", "../etc", "progress")
    assert code == 1 and out == ""
    assert err.startswith("asm-tutor: The profile name '../etc' (from --profile) is not usable") and err.count("\n") == 1


def test_reset_refuses_without_a_terminal_or_yes(capsys, pack) -> None:
    ProgressStore.open("alice").record_check(pack, "times_nine", passed=True)
    code, out, err = run(capsys, "progress", "reset", "times_nine")
    assert code == 1 and "add --yes" in err
    assert ProgressStore.open("alice").exercise(pack, "times_nine").passed


def test_reset_one_exercise_then_everything(capsys, pack) -> None:
    store = ProgressStore.open("alice")
    store.record_check(pack, "times_nine", passed=True)
    store.record_check(pack, "max_u64", passed=False)
    store.mark_read(pack, "why_asm")
    code, out, err = run(capsys, "progress", "reset", "times_nine", "--yes")
    assert code == 0, err
    assert "Reset times_nine for profile alice (1 record removed)" in out
    after = ProgressStore.open("alice")
    assert after.exercise(pack, "times_nine").checks == 0 and after.exercise(pack, "max_u64").checks == 1

    code, out, err = run(capsys, "progress", "reset", "--yes")
    assert code == 0 and "Reset all of asm_basics" in out
    assert not ProgressStore.open("alice").has_progress("asm_basics")
    code, out, _ = run(capsys, "progress", "reset", "--yes")
    assert code == 0 and "Nothing to reset" in out


def test_reset_unknown_exercise_is_a_sentence(capsys) -> None:
    code, out, err = run(capsys, "progress", "reset", "no_such_thing", "--yes")
    assert code == 1 and "no exercise 'no_such_thing'" in err and "asm-tutor list" in err


def test_reset_asks_on_a_terminal(env: Path, pack) -> None:
    ProgressStore.open("alice").record_check(pack, "times_nine", passed=True)
    for answer, kept in ((b"n\n", True), (b"y\n", False)):
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "asm_tutor", "progress", "reset", "times_nine"],
                stdin=slave,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=os.environ.copy(),
            )
            os.write(master, answer)
            out, err = proc.communicate(timeout=60)
        finally:
            os.close(master)
            os.close(slave)
        assert b"Forget profile alice's progress and draft for times_nine? [y/N]" in err
        assert ProgressStore.open("alice").exercise(pack, "times_nine").passed is kept
        assert proc.returncode == (1 if kept else 0), err


def test_export_and_import_move_progress_between_profiles(capsys, env: Path, pack) -> None:
    ProgressStore.open("alice").record_check(pack, "times_nine", passed=True, draft="alice")
    target = env / "alice.toml"
    code, out, err = run(capsys, "progress", "export", str(target))
    assert code == 0, err
    assert f"to {target}" in out and tomllib.loads(target.read_text())["schema"] == 2

    code, out, err = run(capsys, "--profile", "teacher", "progress", "import", str(target))
    assert code == 1 and "progress of profile 'alice'" in err and "--from-other-profile" in err
    assert not ProgressStore.open("teacher").has_progress(pack.id)  # never merged silently

    code, out, err = run(capsys, "--profile", "teacher", "progress", "import", str(target), "--from-other-profile")
    assert code == 0, err
    assert "into profile teacher: 1 new, 0 updated, 0 unchanged" in out
    assert "1 pass(es) the file claims are shown as imported" in out
    assert ProgressStore.open("teacher").draft(pack, "times_nine") == "alice"
    code, out, err = run(capsys, "--profile", "teacher", "progress")
    assert "passed (imported)" in out

    code, out, err = run(capsys, "progress", "import", str(env / "nope.toml"))
    assert code == 1 and err.startswith("asm-tutor: Cannot read") and out == ""


def test_damage_notice_is_shown_by_the_command(capsys, pack) -> None:
    store = ProgressStore.open("alice")
    store.record_check(pack, "times_nine", passed=True)
    store.path.write_text(store.path.read_text() + "\n[[[broken\n", encoding="utf-8")
    code, out, err = run(capsys, "progress", "--json")
    assert code == 0
    assert _status(json.loads(out), "times_nine") == "passed"  # stdout stays clean JSON
    assert "damaged" in err and ".corrupt-" in err and "recovered" in err
    code, out, err = run(capsys, "progress")
    assert code == 0 and "damaged" not in err  # told once, then the file is whole again


def test_unwritable_data_folder_says_so_and_still_runs(capsys, env: Path, monkeypatch) -> None:
    blocker = env / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    code, out, err = run(capsys, "progress")
    assert code == 0 and "Progress is off" in err and "Progress is off" in out
    code, out, err = run(capsys, "progress", "reset", "--yes")
    assert code == 1 and "Progress is off" in err and "Nothing was reset." in err
    code, out, err = run(capsys, "list")
    assert code == 0 and "times_nine" in out


def test_list_shows_progress_once_there_is_some(capsys, env: Path, pack) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and "progress" not in out and "passed" not in out
    assert not (env / "data").exists()  # list creates nothing
    store = ProgressStore.open("alice")
    store.record_check(pack, "times_nine", passed=True)
    store.record_check(pack, "max_u64", passed=False)
    store.mark_read(pack, "why_asm")
    store.set_last(pack, "lesson", "operands")
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = {line.split("│")[3].strip(): line for line in out.splitlines() if line.count("│") > 4}
    assert "passed" in lines["times_nine"] and "attempted (1 check)" in lines["max_u64"]
    assert "read" in lines["why_asm"] and "◀ last" in lines["operands"]
    assert "read" not in lines["templates"]
