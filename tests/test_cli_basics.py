"""The CLI's promises from the foundation issue: doctor, version, bad arguments, bad packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from asm_tutor import __version__
from asm_tutor.cli import main


def test_doctor_reports_rustc_and_the_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "rustc" in out and "asm!" in out and "supported" in out and "asm_basics" in out
    assert "Ready to grade." in out


def test_doctor_takes_pack_after_the_command_as_check_does(capsys: pytest.CaptureFixture[str]) -> None:
    buffers = Path(__file__).parent / "packs" / "buffers"
    assert main(["doctor", "--pack", str(buffers)]) == 0
    assert "buffers" in capsys.readouterr().out


def test_doctor_says_whether_learner_code_is_sandboxed(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.grader import sandbox

    monkeypatch.setenv("COLUMNS", "200")
    assert main(["doctor"]) == 0
    confined = sandbox.status()
    assert (confined.tool if confined.available else confined.problem) in capsys.readouterr().out
    missing = sandbox.SandboxStatus("", "bubblewrap (bwrap) is not installed")
    monkeypatch.setattr(sandbox, "status", lambda: missing)
    assert main(["doctor"]) == 0  # it can still grade, unconfined
    assert "none — bubblewrap (bwrap) is not installed" in capsys.readouterr().out


def test_doctor_without_rustc_on_path_exits_1_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "cannot grade on this machine" in out and "install Rust" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"asm-tutor {__version__}"


def test_a_bad_argument_is_one_sentence_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--no-such-flag"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("asm-tutor: ") and "Traceback" not in err


def test_a_pack_that_fails_validation_names_its_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pack.toml").write_text('format = 1\nid = "Bad Id"\n', encoding="utf-8")
    assert main(["--pack", str(tmp_path), "list"]) == 1
    err = capsys.readouterr().err
    assert "pack.toml:2" in err and "id" in err and "Traceback" not in err


def test_a_missing_pack_folder_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--pack", "/no/such/folder", "list"]) == 2
    assert "No pack folder at /no/such/folder" in capsys.readouterr().err
