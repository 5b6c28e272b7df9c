"""User settings: `settings.toml` in platformdirs' config folder (XDG_CONFIG_HOME honoured).

    theme = "dark"                 # the TUI theme name
    editor = "nvim -p"             # command to edit a draft; default $VISUAL, $EDITOR
    rustc = "/opt/rust/bin/rustc"  # rustc override (ASM_TUTOR_RUSTC still wins)
    aarch64_rustc = "/usr/bin/rustc"         # the rustc that builds for aarch64 on another host
    aarch64_sysroot = "/opt/aarch64-std/usr"  # ... and where its aarch64 std is (ASM_TUTOR_AARCH64_* win)

    [arch]                         # the architecture each learner profile practises (default: the host's)
    alice = "aarch64"

Read with tomllib, written atomically with tomli-w. A file the user broke by
hand is never rewritten behind their back: loading returns the defaults for what
it cannot read, with a sentence per problem in `Settings.problems`, and `save`
refuses to overwrite a file that does not parse.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asm_tutor import paths
from asm_tutor.errors import UserError

SETTINGS_FILE = "settings.toml"
DEFAULT_THEME = "dark"
_FIELDS = ("theme", "editor", "rustc", "aarch64_rustc", "aarch64_sysroot")


@dataclass
class Settings:
    theme: str = DEFAULT_THEME
    editor: str | None = None
    rustc: str | None = None
    aarch64_rustc: str | None = None
    aarch64_sysroot: str | None = None
    arch: dict[str, str] = field(default_factory=dict)  # profile → the architecture it practises
    problems: list[str] = field(default_factory=list, compare=False)

    def editor_command(self) -> list[str] | None:
        """The editor as an argv list: the setting, else $VISUAL, else $EDITOR; None if none is set."""
        for command in (self.editor, os.environ.get("VISUAL"), os.environ.get("EDITOR")):
            if command and command.strip():
                try:
                    return shlex.split(command)
                except ValueError:
                    continue
        return None

    def target_rustc(self, arch: str) -> str | None:
        """The rustc set for building `arch` code on another host (targets.py), if any."""
        return getattr(self, f"{arch}_rustc", None)

    def target_sysroot(self, arch: str) -> str | None:
        return getattr(self, f"{arch}_sysroot", None)

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"theme": self.theme}
        for name in _FIELDS[1:]:
            if value := getattr(self, name):
                out[name] = value
        if self.arch:
            out["arch"] = dict(self.arch)
        return out


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> Settings:
    """The settings, never raising: unreadable parts fall back to defaults and are listed in `problems`."""
    path = path or settings_path()
    settings = Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return settings  # the usual case: nothing to parse, so the parser is not even imported
    except (OSError, UnicodeDecodeError) as err:
        settings.problems.append(f"{path} could not be read ({err}); the default settings are used.")
        return settings
    import tomllib

    from asm_tutor import toml_text

    try:
        data = toml_text.loads(text)
    except tomllib.TOMLDecodeError as err:
        settings.problems.append(f"{path} could not be read ({err}); the default settings are used.")
        return settings
    for key, value in data.items():
        if key == "arch":
            if isinstance(value, dict) and all(isinstance(v, str) and v.strip() for v in value.values()):
                settings.arch = {str(profile): arch.strip() for profile, arch in value.items()}
            else:
                settings.problems.append(f"{path}: `arch` must be a table of profile = \"architecture\"; "
                                         "it is ignored.")
        elif key not in _FIELDS:
            settings.problems.append(f"{path}: `{key}` is not a setting (known: {', '.join(_FIELDS)}, arch); it is ignored.")
        elif not isinstance(value, str) or not value.strip():
            settings.problems.append(f"{path}: `{key}` must be a non-empty string; the default is used.")
        else:
            setattr(settings, key, value.strip() if key == "theme" else value)
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically. Raises UserError if it cannot, or if the file on disk is broken."""
    import tomllib

    import tomli_w

    from asm_tutor import toml_text
    from asm_tutor.atomic import atomic_write

    path = path or settings_path()
    if path.is_file():
        try:
            toml_text.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise UserError(f"{path} is not valid TOML ({err}); fix or remove it before changing settings.") from err
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, tomli_w.dumps(settings.to_toml()).encode("utf-8"), mode=0o644)
    except OSError as err:
        raise UserError(f"The settings could not be saved to {path} ({err.strerror or err}).") from err
    return path
