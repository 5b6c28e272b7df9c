"""Every test gets its own user folders, so none reads or writes the real progress, settings or cache.

The cache is the exception among them: one folder for the whole run, so the prebuilt test
runtime, each exercise's judge and the grader's results are built once, not once per test
(a result is keyed by everything it depends on, so a test gets the same answer either way;
tests of the sandbox grade with `use_cache=False` and really run). A test about the cache
itself asks for a fresh one with `@pytest.mark.own_cache`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
              shared_cache: Path) -> Path:
    """XDG data/config under this test's tmp_path (as `data`, `config`), the cache shared by the
    run (or `cache` there, with `own_cache`), and no environment that would change the tutor's
    choices (profile, rustc override, editor)."""
    own_cache = request.node.get_closest_marker("own_cache") is not None
    for var, name in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(var, str(tmp_path / name))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache" if own_cache else shared_cache))
    if own_cache:
        # What this process kept in memory (a judge's or the runtime's path in the shared cache)
        # would answer for the fresh cache folder: start as a fresh process would.
        from asm_tutor.kept import forget_all

        forget_all()
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
