"""Settings (theme, editor, rustc override) in the XDG config folder, and the headless rule."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from asm_tutor.errors import UserError
from asm_tutor.settings import Settings, load_settings, save_settings, settings_path


def test_defaults_when_there_is_no_file(user_dirs: Path) -> None:
    assert settings_path() == user_dirs / "config" / "asm-tutor" / "settings.toml"
    settings = load_settings()
    assert settings == Settings() and settings.problems == []
    assert settings.editor_command() is None


def test_save_and_load_round_trip() -> None:
    path = save_settings(Settings(theme="light", editor="code --wait", rustc="/opt/rust/bin/rustc"))
    assert tomllib.loads(path.read_text()) == {"theme": "light", "editor": "code --wait", "rustc": "/opt/rust/bin/rustc"}
    loaded = load_settings()
    assert (loaded.theme, loaded.editor, loaded.rustc) == ("light", "code --wait", "/opt/rust/bin/rustc")
    assert loaded.editor_command() == ["code", "--wait"]


def test_editor_falls_back_to_visual_then_editor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "nano")
    assert Settings().editor_command() == ["nano"]
    monkeypatch.setenv("VISUAL", "vim -p")
    assert Settings().editor_command() == ["vim", "-p"]
    assert Settings(editor="'my editor' --flag").editor_command() == ["my editor", "--flag"]


def test_bad_values_fall_back_and_are_reported() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = 3\neditor = "hx"\ncolour = "red"\n', encoding="utf-8")
    settings = load_settings()
    assert settings.theme == "dark" and settings.editor == "hx"
    assert len(settings.problems) == 2 and any("`colour` is not a setting" in p for p in settings.problems)


def test_broken_file_is_not_overwritten() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("theme = [unclosed\n", encoding="utf-8")
    settings = load_settings()
    assert settings == Settings() and "could not be read" in settings.problems[0]
    with pytest.raises(UserError, match="not valid TOML"):
        save_settings(Settings(theme="light"))
    assert path.read_text(encoding="utf-8") == "theme = [unclosed\n"


def test_progress_and_settings_import_no_textual() -> None:
    probe = (
        "import sys, asm_tutor.progress, asm_tutor.progress.store, asm_tutor.progress.migrate, "
        "asm_tutor.settings, asm_tutor.cmd.progress, asm_tutor.cmd.list\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
