"""Files a hostile pack, progress file or working folder holds: TOML nested without end, symbolic
links where the tutor writes, a pack posing as the course, escape sequences in what is shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_pack_loader import EXERCISE, MANIFEST, only_problem, write_pack

from asm_tutor import toml_text
from asm_tutor.atomic import NotARegularFile, write_user_file
from asm_tutor.pack.loader import load_pack
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


# -- a pack posing as the course (or as an installed pack) ----------------------------------------------

def test_a_pack_with_the_courses_id_is_refused_naming_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main
    from asm_tutor.paths import builtin_pack_dir
    from asm_tutor.progress.store import ProgressStore

    poser = write_pack(tmp_path / "poser", **{"pack.toml": MANIFEST.replace('id = "mini"', 'id = "asm_basics"')})
    assert main(["--pack", str(poser), "list"]) == 2
    err = capsys.readouterr().err
    assert "asm_basics" in err and "built-in course" in err
    assert str(builtin_pack_dir()) in " ".join(err.split()) and str(poser) in " ".join(err.split())
    assert not ProgressStore.file_for(None).exists()  # nothing was read into or saved as the course's


def test_a_pack_with_an_installed_packs_id_from_another_folder_is_refused(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main

    assert main(["pack", "install", str(write_pack(tmp_path / "mine"))]) == 0
    assert main(["--pack", "mini", "list"]) == 0  # the installed one opens
    capsys.readouterr()
    assert main(["--pack", str(write_pack(tmp_path / "other")), "list"]) == 2
    assert "the installed pack at" in " ".join(capsys.readouterr().err.split())


def test_this_repository_checks_clean_from_another_install_and_a_poser_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asm_tutor import paths
    from asm_tutor.authoring import check

    repository = paths.builtin_pack_dir()
    shipped = tmp_path / "site-packages" / "builtin_pack"  # the course as a wheel ships it
    shipped.mkdir(parents=True)
    (shipped / "pack.toml").write_text((repository / "pack.toml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(paths, "builtin_pack_dir", lambda: shipped)
    assert check._identity(load_pack(repository)) == []
    poser = write_pack(tmp_path / "poser", **{"pack.toml": MANIFEST.replace('id = "mini"', 'id = "asm_basics"')})
    (finding,) = check._identity(load_pack(poser))
    assert finding.outcome.value == "fail"


# -- escape sequences are shown, never obeyed -------------------------------------------------------------

# A window title, an OSC 52 clipboard write, a clear screen, a C1 CSI and a fake green "✓ pass".
HOSTILE = r"\u001b]0;pwned\u0007 \u001b]52;c;cm0gLXJmIH4=\u0007 \u001b[2J \u009b31m \u001b[32m✓ pass\u001b[0m"
RAW = ("\x1b", "\x07", "\x9b")


def hostile_pack(root: Path) -> Path:
    manifest = MANIFEST.replace('title = "Mini pack"', f'title = "{HOSTILE}"')
    return write_pack(root, **{"pack.toml": manifest,
                               "exercises/double/exercise.toml": EXERCISE.replace("Double it", HOSTILE)})


def shown_safely(text: str) -> None:
    assert not any(raw in text for raw in RAW), repr(text)


def test_pack_fields_are_shown_not_obeyed_in_list_and_pack_list(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main

    pack = hostile_pack(tmp_path / "pack")
    assert main(["--pack", str(pack), "list"]) == 0
    out = capsys.readouterr().out
    shown_safely(out)
    assert "\\x1b]0;pwned" in out and "\\x9b31m" in out  # (rich itself drops the BEL)
    assert main(["pack", "install", str(pack)]) == 0
    assert main(["pack", "list"]) == 0
    shown_safely(capsys.readouterr().out)
    assert main(["pack", "list", "--json"]) == 0
    out = capsys.readouterr().out
    shown_safely(out)
    assert json.loads(out)[1]["title"].startswith("\x1b]0;pwned\x07")  # JSON exact, escaped


def test_ids_from_an_imported_progress_file_are_shown_not_obeyed(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main

    hostile = tmp_path / "hostile.toml"
    hostile.write_text(f'schema = 2\n[packs.asm_basics.exercises."{HOSTILE}"]\nstatus = 7\n'
                       f'[packs."{HOSTILE}".exercises.x]\nstatus = "passed"\n', encoding="utf-8")
    main(["progress", "import", str(hostile)])
    main(["progress"])
    captured = capsys.readouterr()
    shown_safely(captured.out + captured.err)
    assert main(["progress", "--json"]) == 0
    shown_safely(capsys.readouterr().out)


async def test_the_tui_never_sends_a_control_character(tmp_path: Path) -> None:
    from asm_tutor.context import Context
    from asm_tutor.tui.app import TutorApp

    app = TutorApp(Context(pack_arg=str(hostile_pack(tmp_path / "pack")), profile=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        drawn = [segment.text for widget in app.screen.walk_children() if widget.display and widget.region
                 for strip in widget.render_lines(widget.region.reset_offset) for segment in strip]
        assert any("pwned" in text for text in drawn)  # the title is on the screen
        shown_safely("".join(drawn))
