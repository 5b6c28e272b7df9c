"""Installed packs: list them, install one, and say which packs a learner can switch between.

Headless (no Textual, no Rich): the CLI (`asm-tutor pack install|list`) and the TUI's
pack switcher both call these functions.

An installed pack lives in `paths.installed_packs_dir()/<pack id>/`, so the folder name
is the pack id, `--pack <id>` finds it (see `locate.resolve_pack_dir`), and progress,
which is keyed by pack id, follows it. Installing copies regular files only: a symlink
is copied as the file it points to when that file is inside the pack, and skipped when
it points outside (or at a folder), so nothing from outside the pack folder is copied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asm_tutor import paths
from asm_tutor.errors import UserError
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import Pack
from asm_tutor.pack.problems import PackError

# Never copied into an installed pack: version control, editor and build leftovers.
_SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", "target", ".DS_Store"})
# Staging folders inside installed_packs_dir(); never listed as packs.
_STAGING_PREFIX = ".staging-"
_OLD_PREFIX = ".replaced-"


@dataclass(frozen=True)
class PackInfo:
    """One pack a learner can open: the built-in course or an installed pack."""

    id: str
    title: str
    version: str
    path: Path
    builtin: bool = False
    description: str = ""
    problem: str | None = None  # set when the pack no longer loads (e.g. edited by hand)

    @property
    def pack_arg(self) -> str | None:
        """What to pass as `--pack` (or to `Context(pack_arg=...)`) to open this pack."""
        return None if self.builtin else str(self.path)

    @property
    def usable(self) -> bool:
        return self.problem is None


def _info(pack: Pack, *, builtin: bool = False) -> PackInfo:
    return PackInfo(id=pack.id, title=pack.title, version=pack.version, path=pack.root,
                    builtin=builtin, description=pack.description)


def builtin_pack() -> PackInfo:
    """The built-in course."""
    root = paths.builtin_pack_dir()
    try:
        return _info(load_pack(root), builtin=True)
    except PackError as err:
        return PackInfo(id="?", title="built-in course", version="?", path=root, builtin=True,
                        problem=f"{err}: {err.problems[0]}" if err.problems else str(err))


def installed_packs() -> list[PackInfo]:
    """Packs installed with `asm-tutor pack install`, sorted by id.

    A folder that no longer loads is listed with `problem` set rather than hidden,
    so `pack list` can say what is wrong with it."""
    root = paths.installed_packs_dir()
    if not root.is_dir():
        return []
    found: list[PackInfo] = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            pack = load_pack(folder)
        except PackError as err:
            first = str(err.problems[0]) if err.problems else str(err)
            found.append(PackInfo(id=folder.name, title="?", version="?", path=folder, problem=first))
            continue
        if pack.id != folder.name:
            found.append(PackInfo(id=folder.name, title=pack.title, version=pack.version, path=folder,
                                  problem=f"its pack.toml says id `{pack.id}`, but it is installed as `{folder.name}`; reinstall it"))
            continue
        found.append(_info(pack))
    return found


def available_packs() -> list[PackInfo]:
    """Everything a learner can switch to: the built-in course first, then installed packs."""
    return [builtin_pack(), *installed_packs()]


# -- installing ------------------------------------------------------------------------


@dataclass
class InstallResult:
    pack: PackInfo  # the installed copy
    replaced: PackInfo | None = None  # the older install it replaced, if any
    skipped: list[str] = field(default_factory=list)  # "path: reason", for symlinks not copied
    files: int = 0


class PackExistsError(UserError):
    """A pack with this id is installed already and replacing it was not confirmed."""

    def __init__(self, existing: PackInfo, new: Pack) -> None:
        super().__init__(
            f"A pack with id `{new.id}` is installed already ({existing.title} {existing.version} at "
            f"{existing.path}); run again with --yes to replace it with {new.title} {new.version}."
        )
        self.existing = existing


def _existing(dest: Path) -> PackInfo:
    try:
        return _info(load_pack(dest))
    except PackError:
        return PackInfo(id=dest.name, title="(a pack that no longer loads)", version="?", path=dest)


def copy_pack_tree(src: Path, dest: Path) -> tuple[int, list[str]]:
    """Copy the pack folder `src` into the new folder `dest`: regular files only.

    A symlink is copied as the file it names if that file is inside `src`, and skipped
    otherwise (pointing outside, dangling, or at a folder). Returns (files copied, skipped)."""
    real_src = src.resolve()
    copied = 0
    skipped: list[str] = []
    dest.mkdir(parents=True)
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(src)
        kept_dirs = []
        for name in sorted(dirnames):
            path = here / name
            if name in _SKIP_NAMES:
                continue
            if path.is_symlink():
                skipped.append(f"{(rel_dir / name).as_posix()}: a symlink to a folder (copy the folder in instead)")
                continue
            kept_dirs.append(name)
            (dest / rel_dir / name).mkdir()
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            if name in _SKIP_NAMES or name.endswith((".pyc", "~")):
                continue
            path = here / name
            rel = (rel_dir / name).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(real_src):
                    skipped.append(f"{rel}: a symlink pointing outside the pack folder")
                    continue
                if not target.is_file():
                    skipped.append(f"{rel}: a symlink to something that is not a file")
                    continue
                path = target
            elif not path.is_file():
                skipped.append(f"{rel}: not a regular file")
                continue
            shutil.copyfile(path, dest / rel_dir / name, follow_symlinks=False)
            copied += 1
    return copied, skipped


def install_pack(
    src: Path,
    *,
    replace: bool | Callable[[PackInfo, Pack], bool] = False,
) -> InstallResult:
    """Validate the pack at `src` and copy it to `installed_packs_dir()/<id>`.

    `replace` says whether an existing install of the same id may be replaced: a bool, or
    a function asked with (existing, new) — e.g. a tty prompt. Raises PackError when the
    pack does not load, PackExistsError when replacing is refused, UserError for a pack
    that would share the built-in course's id (and so its progress records).

    The copy is staged next to the destination and swapped in with renames, so a failed
    install leaves the older one untouched."""
    src = Path(src).expanduser()
    pack = load_pack(src)  # raises PackError with every problem
    src = pack.root.resolve()
    builtin_root = paths.builtin_pack_dir().resolve()
    if src == builtin_root:
        raise UserError("That is the built-in course; it is always available and needs no installing.")
    builtin = builtin_pack()
    if pack.id == builtin.id:
        raise UserError(
            f"The pack's id `{pack.id}` is the built-in course's id; give your pack its own id in "
            f"pack.toml so its progress is kept apart."
        )
    root = paths.installed_packs_dir()
    dest = root / pack.id
    if root.resolve().is_relative_to(src) or src.is_relative_to(root.resolve()):
        raise UserError(f"{src} is an installed pack (or holds the installed packs); install from your working folder instead.")
    replaced: PackInfo | None = None
    if dest.exists():
        replaced = _existing(dest)
        allowed = replace(replaced, pack) if callable(replace) else replace
        if not allowed:
            raise PackExistsError(replaced, pack)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{pack.id}-", dir=root))
    try:
        target = staging / pack.id
        files, skipped = copy_pack_tree(src, target)
        installed = load_pack(target)  # the copy must load on its own (nothing missing)
        old = staging / f"{_OLD_PREFIX}{pack.id}"
        if dest.exists():
            dest.rename(old)
        try:
            target.rename(dest)
        except OSError:
            if old.exists():
                old.rename(dest)  # put the older install back
            raise
    except PackError as err:
        raise UserError(
            f"The copied pack does not load ({err.problems[0] if err.problems else err}); "
            "is a file it needs a symlink to something outside the pack folder?"
        ) from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    info = PackInfo(id=installed.id, title=installed.title, version=installed.version, path=dest,
                    description=installed.description)
    return InstallResult(pack=info, replaced=replaced, skipped=skipped, files=files)


# -- whose id is it --------------------------------------------------------------------


class PackIdTaken(UserError):
    """A pack opened from a folder takes the id of the built-in course or of an installed pack."""


def require_own_id(pack: Pack) -> None:
    """Refuse a pack whose id belongs to the built-in course or to an installed pack kept in
    another folder: progress is kept per pack id, so opening it would mark the other pack's
    exercises passed and overwrite its drafts. PackIdTaken names both folders."""
    here = pack.root.resolve()
    builtin_root = paths.builtin_pack_dir()
    if here != builtin_root.resolve() and pack.id == manifest_id(builtin_root):
        raise PackIdTaken(
            f"The pack at {pack.root} has id `{pack.id}`, the id of the built-in course ({builtin_root}); progress "
            "is kept per pack id, so the two would share it. Give the pack its own id in its pack.toml.", 2)
    installed = paths.installed_packs_dir() / pack.id
    if installed.is_dir() and here != installed.resolve():
        raise PackIdTaken(
            f"The pack at {pack.root} has id `{pack.id}`, the id of the installed pack at {installed}; progress is "
            f"kept per pack id, so the two would share it. Open the installed one (`--pack {pack.id}`), install "
            "this one over it (`asm-tutor pack install DIR --yes`), or give it its own id.", 2)


def manifest_id(root: Path) -> str | None:
    """The id in a pack's manifest, read alone (the built-in course is not loaded for it)."""
    from asm_tutor import toml_text

    try:
        found = toml_text.loads((root / "pack.toml").read_text(encoding="utf-8")).get("id")
    except (OSError, UnicodeDecodeError, toml_text.TOMLDecodeError):
        return None
    return found if isinstance(found, str) else None
