"""Which pack folder a `--pack` argument means."""

from __future__ import annotations

from pathlib import Path

from asm_tutor.errors import UserError
from asm_tutor.paths import builtin_pack_dir, installed_packs_dir


def resolve_pack_dir(arg: str | None) -> Path:
    """No argument: the built-in pack. A folder: that folder. Otherwise an installed pack's id."""
    if arg is None:
        return builtin_pack_dir()
    path = Path(arg).expanduser()
    installed = installed_packs_dir() / arg
    bare = "/" not in arg and arg not in (".", "..")
    if path.is_dir():
        if bare and installed.is_dir() and installed.resolve() != path.resolve():
            # Neither may silently win: the folder here would shadow the installed pack.
            raise UserError(f"`{arg}` is both a folder here and an installed pack's id: write ./{arg} for the "
                            f"folder, or {installed} for the installed pack.", 2)
        return path.resolve()
    if path.parent == Path(".") and installed.is_dir():
        return installed
    raise UserError(f"No pack folder at {arg}: give the path of a folder with a pack.toml, or the id of an installed pack.", 2)
