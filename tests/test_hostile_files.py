"""Files a hostile pack, progress file or working folder holds: TOML nested without end, symbolic
links where the tutor writes, a pack posing as the course, escape sequences in what is shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_pack_loader import only_problem, write_pack

from asm_tutor import toml_text
from asm_tutor.atomic import NotARegularFile, write_user_file
from asm_tutor.progress.recovery import parse_progress

BOMB = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"


# -- TOML nesting bombs are located problems, never a traceback ---------------------------------------

def test_a_nesting_bomb_is_a_located_toml_error() -> None:
    text = 'a = 1\n# [[[ in a comment\nb = "[[[["\n' + "c = " + "{ d = " * 20_000 + "1" + " }" * 20_000
    with pytest.raises(toml_text.TOMLDecodeError, match=r"nested more than 100 deep \(at line 4, column "):
        toml_text.loads(text)


def test_a_nesting_bomb_in_a_pack_names_file_and_line(tmp_path: Path) -> None:
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": 'title = "t"\n' + BOMB}))
    assert problem.file == "exercises/double/exercise.toml" and problem.line == 2
    assert "nested more than 100 deep" in problem.message


def test_a_nesting_bomb_in_a_progress_file_is_damage_kept_not_a_traceback() -> None:
    loaded = parse_progress(b'schema = 2\n' + BOMB.encode())
    assert loaded.damage is not None and "nested more than 100 deep" in loaded.damage


# -- files written where the user names them ------------------------------------------------------------

def test_a_user_file_is_never_written_through_a_link_or_into_a_pipe(tmp_path: Path) -> None:
    target = tmp_path / "bash_aliases"
    link = tmp_path / "EXERCISE.rs"
    link.symlink_to(target)  # dangling: exists() is False
    with pytest.raises(NotARegularFile, match="symbolic link"):
        write_user_file(link, b"starter")
    assert not target.exists()
    target.write_text("mine")
    with pytest.raises(NotARegularFile):
        write_user_file(link, b"starter", replace=True)
    assert target.read_text() == "mine"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile, match="not a regular file"):
        write_user_file(fifo, b"x", replace=True)
    plain = tmp_path / "plain.toml"
    write_user_file(plain, b"one")
    with pytest.raises(FileExistsError):
        write_user_file(plain, b"two")
    write_user_file(plain, b"two", replace=True)
    assert plain.read_bytes() == b"two"


def test_watch_refuses_a_dangling_link_in_place_of_its_default_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main

    target = tmp_path / "home" / ".bash_aliases"
    target.parent.mkdir()
    (tmp_path / "times_nine.rs").symlink_to(target)
    monkeypatch.chdir(tmp_path)
    assert main(["watch", "times_nine", "--no-save"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not target.exists()


def test_pack_new_export_and_progress_export_write_no_link(tmp_path: Path) -> None:
    from asm_tutor.authoring.export import export_handout
    from asm_tutor.authoring.scaffold import new_pack
    from asm_tutor.errors import UserError
    from asm_tutor.progress.model import Progress
    from asm_tutor.progress.transfer import ProgressError, write_export

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "new").symlink_to(elsewhere)
    with pytest.raises(UserError, match="symbolic link"):
        new_pack(tmp_path / "new")
    with pytest.raises(UserError, match="symbolic link"):
        export_handout(write_pack(tmp_path / "pack"), tmp_path / "new")
    assert not any(elsewhere.iterdir())
    secret = tmp_path / "secret"
    secret.write_text("mine")
    (tmp_path / "progress.toml").symlink_to(secret)
    with pytest.raises(ProgressError, match="symbolic link"):
        write_export(tmp_path / "progress.toml", Progress())
    assert secret.read_text() == "mine"
