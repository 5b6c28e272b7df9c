"""Every test gets its own user folders, so none reads or writes the real progress, settings or cache."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG data/config/cache under this test's tmp_path (as `data`, `config`, `cache`), and no
    environment that would change the tutor's choices (profile, rustc override, editor)."""
    for var, name in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / name))
    for var in ("ASM_TUTOR_PROFILE", "ASM_TUTOR_RUSTC", "VISUAL", "EDITOR"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The grader builds in this folder of the test's own, to look for what is left behind."""
    folder = tmp_path / "builds"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
