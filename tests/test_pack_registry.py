"""`pack new`, `pack install`, `pack list` and `--pack <id>`: no grading needed, so no rustc."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from asm_tutor.authoring.scaffold import FILES, default_id, new_pack
from asm_tutor.cli import main
from asm_tutor.errors import UserError
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.locate import resolve_pack_dir
from asm_tutor.pack.registry import (
    PackExistsError,
    available_packs,
    install_pack,
    installed_packs,
)
from asm_tutor.paths import installed_packs_dir

TEST_PACK = Path(__file__).parent / "packs" / "cours_fr"


@pytest.fixture(autouse=True)
def isolated(user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASM_TUTOR_PROFILE", "tester")
    return user_dirs


def copy_test_pack(dest: Path) -> Path:
    shutil.copytree(TEST_PACK, dest)
    return dest


# -- pack new ------------------------------------------------------------------------------


def test_new_writes_a_pack_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "Mon Cours-2"
    assert main(["pack", "new", str(dest)]) == 0
    pack = load_pack(dest)
    assert pack.id == "mon_cours_2"
    assert [i.id for i in pack.course] == ["first_block", "double"]
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == sorted(FILES)
    assert "pack check" in capsys.readouterr().out


def test_new_comments_every_field(tmp_path: Path) -> None:
    """Every `key = value` line of the generated TOML has a comment on it or just above it."""
    import re

    new_pack(tmp_path / "p", pack_id="p")
    for rel in ("pack.toml", "exercises/double/exercise.toml"):
        lines = (tmp_path / "p" / rel).read_text().splitlines()
        keys = [i for i, line in enumerate(lines) if re.match(r"^[a-z_]+ = ", line)]
        assert len(keys) >= 5
        for index in keys:
            near = lines[max(0, index - 6):index + 1]
            assert any(c.lstrip().startswith("#") or " # " in c for c in near), f"{rel}:{index + 1} has no comment"


def test_new_takes_id_and_title(tmp_path: Path) -> None:
    new_pack(tmp_path / "x", pack_id="kurs", title='Ein "Kurs"')
    pack = load_pack(tmp_path / "x")
    assert (pack.id, pack.title) == ("kurs", 'Ein "Kurs"')


def test_new_refuses_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    assert main(["pack", "new", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and len(err.strip().splitlines()) == 1
    assert (dest / "notes.txt").read_text() == "mine" and not (dest / "pack.toml").exists()


def test_new_into_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    new_pack(tmp_path / "empty")
    assert load_pack(tmp_path / "empty").id == "empty"


def test_default_id() -> None:
    assert default_id(Path("/x/My Course")) == "my_course"
    assert default_id(Path("/x/---")) == "my_pack"


def test_new_rejects_a_bad_id(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a valid pack id"):
        new_pack(tmp_path / "p", pack_id="Bad-Id")


# -- pack install / list / --pack <id> ------------------------------------------------------


def test_install_list_and_open_by_id(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["pack", "install", str(TEST_PACK)]) == 0
    dest = installed_packs_dir() / "cours_fr"
    assert (dest / "pack.toml").is_file()
    assert load_pack(dest).title == load_pack(TEST_PACK).title
    capsys.readouterr()

    assert main(["pack", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in listed] == ["asm_basics", "cours_fr"]
    assert listed[0]["builtin"] and not listed[1]["builtin"]
    assert listed[1] | {"path": None} == {"id": "cours_fr", "title": "Assembleur en ligne : premiers pas",
                                         "version": "0.2.0", "path": None, "builtin": False, "problem": None}
    assert Path(listed[1]["path"]) == dest

    assert main(["pack", "list"]) == 0
    out = capsys.readouterr().out
    assert "cours_fr" in out and "asm_basics" in out and "built-in" in out

    assert resolve_pack_dir("cours_fr") == dest
    assert main(["--pack", "cours_fr", "list"]) == 0
    out = capsys.readouterr().out
    assert "echange_moities" in out and "ecart" in out and "times_nine" not in out

    # A folder here named like the installed pack: neither wins silently.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cours_fr").mkdir()
    with pytest.raises(UserError, match="both a folder here and an installed pack's id"):
        resolve_pack_dir("cours_fr")
    assert resolve_pack_dir("./cours_fr") == (tmp_path / "cours_fr").resolve()


def test_list_with_nothing_installed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "list"]) == 0
    assert "No packs installed" in capsys.readouterr().out
    assert [p.id for p in available_packs()] == ["asm_basics"]


def test_reinstall_needs_confirmation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = copy_test_pack(tmp_path / "src")
    assert main(["pack", "install", str(src)]) == 0
    newer = (src / "pack.toml").read_text().replace('version = "0.2.0"', 'version = "0.3.0"')
    (src / "pack.toml").write_text(newer)
    capsys.readouterr()
    # Not a tty and no --yes: refused in one sentence, the old install untouched.
    assert main(["pack", "install", str(src)]) == 1
    err = capsys.readouterr().err
    assert "installed already" in err and "--yes" in err
    assert installed_packs()[0].version == "0.2.0"
    assert main(["pack", "install", "--yes", str(src)]) == 0
    assert "Replaced" in capsys.readouterr().out
    assert [(p.id, p.version) for p in installed_packs()] == [("cours_fr", "0.3.0")]


def test_replace_callback_is_asked(tmp_path: Path) -> None:
    install_pack(TEST_PACK)
    asked = []
    with pytest.raises(PackExistsError):
        install_pack(TEST_PACK, replace=lambda old, new: asked.append((old.version, new.version)) or False)
    assert asked == [("0.2.0", "0.2.0")]
    result = install_pack(TEST_PACK, replace=lambda old, new: True)
    assert result.replaced is not None and result.replaced.id == "cours_fr"


def test_install_refuses_a_broken_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = copy_test_pack(tmp_path / "src")
    spec = src / "exercises/ecart/exercise.toml"
    spec.write_text(spec.read_text().replace("random = 32", "randon = 32"))
    assert main(["pack", "install", str(src)]) == 1
    err = capsys.readouterr().err
    assert "exercises/ecart/exercise.toml:" in err and "tests.randon" in err
    assert not (installed_packs_dir() / "cours_fr").exists()


def test_install_refuses_the_builtin_id(tmp_path: Path) -> None:
    src = copy_test_pack(tmp_path / "src")
    manifest = src / "pack.toml"
    manifest.write_text(manifest.read_text().replace('id = "cours_fr"', 'id = "asm_basics"'))
    with pytest.raises(UserError, match="built-in course's id"):
        install_pack(src)
    assert installed_packs() == []


def test_install_copies_no_file_from_outside(tmp_path: Path) -> None:
    src = copy_test_pack(tmp_path / "src")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy me")
    os.symlink(secret, src / "README.md")  # not used by the pack, so the loader does not mind
    os.symlink(src / "lessons", src / "lessons_link")  # a folder link, even inside: not followed
    os.symlink(src / "pack.toml", src / "manifest_copy.toml")  # a file inside: copied as a file
    (src / ".git").mkdir()
    (src / ".git" / "config").write_text("[core]")
    result = install_pack(src)
    dest = result.pack.path
    assert not (dest / "README.md").exists()
    assert not (dest / "lessons_link").exists()
    assert not (dest / ".git").exists()
    copy = dest / "manifest_copy.toml"
    assert copy.is_file() and not copy.is_symlink()
    assert not any(p.is_symlink() for p in dest.rglob("*"))
    assert all("do not copy me" not in p.read_text(errors="replace") for p in dest.rglob("*") if p.is_file())
    assert any("README.md" in s and "outside" in s for s in result.skipped)
    assert any("lessons_link" in s for s in result.skipped)


def test_two_packs_stay_apart(tmp_path: Path) -> None:
    """Installed packs are kept by id: installing a second never touches the first."""
    other = copy_test_pack(tmp_path / "other")
    manifest = other / "pack.toml"
    manifest.write_text(manifest.read_text().replace('id = "cours_fr"', 'id = "cours_fr_bis"'))
    install_pack(TEST_PACK)
    install_pack(other)
    assert [p.id for p in installed_packs()] == ["cours_fr", "cours_fr_bis"]
    assert load_pack(installed_packs_dir() / "cours_fr").id == "cours_fr"
    assert load_pack(installed_packs_dir() / "cours_fr_bis").id == "cours_fr_bis"


def test_a_hand_edited_install_is_listed_with_its_problem(tmp_path: Path) -> None:
    install_pack(TEST_PACK)
    (installed_packs_dir() / "cours_fr" / "pack.toml").write_text("format = 1\n")
    [info] = installed_packs()
    assert info.id == "cours_fr" and not info.usable and "pack.toml" in (info.problem or "")


def test_install_of_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "install", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_list_of_the_test_pack_by_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--pack", str(TEST_PACK), "list"]) == 0
    out = capsys.readouterr().out
    assert "Assembleur en ligne" in out
    for item in ("registres", "echange_moities", "drapeaux", "ecart"):
        assert item in out


def test_the_pack_command_imports_no_textual(tmp_path: Path) -> None:
    import subprocess
    import sys

    probe = (
        "import sys\nfrom asm_tutor.cli import main\n"
        f"main(['pack', 'list'])\nmain(['pack', 'new', {str(tmp_path / 'p')!r}])\n"
        "import asm_tutor.authoring.check, asm_tutor.pack.registry\n"
        "print('TEXTUAL:' + ','.join(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rsplit("TEXTUAL:", 1)[1].strip() == ""


def test_installing_and_switching_keep_progress_apart(tmp_path: Path) -> None:
    """Progress is kept per pack id: reinstalling a pack keeps its records, and packs never share them."""
    from asm_tutor.context import Context
    from asm_tutor.progress.store import ProgressStore

    src = copy_test_pack(tmp_path / "src")
    install_pack(src)
    ctx = Context(pack_arg="cours_fr", profile="tester")
    builtin = Context(pack_arg=None, profile="tester")
    assert (ctx.pack.id, builtin.pack.id) == ("cours_fr", "asm_basics")
    store = ProgressStore.open("tester")
    store.record_check(ctx.pack, "ecart", True, draft="// mon brouillon")
    store.record_check(builtin.pack, "times_nine", False, draft="// my draft")

    manifest = src / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "0.2.0"', 'version = "0.3.0"'))
    install_pack(src, replace=True)

    store = ProgressStore.open("tester")
    assert store.exercise("cours_fr", "ecart").passed
    assert store.draft("cours_fr", "ecart") == "// mon brouillon"
    assert store.draft("asm_basics", "times_nine") == "// my draft"
    assert not store.exercise("asm_basics", "ecart").passed
    assert store.exercise("cours_fr", "times_nine").draft is None
    # Every pack the TUI can switch to opens under its own id.
    for info in available_packs():
        assert Context(pack_arg=info.pack_arg, profile="tester").pack.id == info.id
