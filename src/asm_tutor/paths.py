"""Where things live: the built-in pack, and the user's data, config and cache folders."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "asm-tutor"
_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_pack_dir() -> Path:
    """The built-in course: shipped inside the wheel, or the checkout's top level when run from source."""
    shipped = _PACKAGE_DIR / "builtin_pack"
    if (shipped / "pack.toml").is_file():
        return shipped
    return _PACKAGE_DIR.parent.parent  # src/asm_tutor -> checkout root


def data_dir() -> Path:
    """Per-user data (progress, installed packs). Honours XDG_DATA_HOME through platformdirs."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def installed_packs_dir() -> Path:
    return data_dir() / "packs"


def rustc_override() -> str | None:
    """An explicit rustc from the environment; the config file's override is read by settings."""
    return os.environ.get("ASM_TUTOR_RUSTC") or None
