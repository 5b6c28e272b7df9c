"""What the grader builds once and keeps: the test runtime per rustc, a judge per exercise.

Each artifact lives in the user's cache under `<kind>/<key>/<name>`, where the key
covers everything it was built from. It is built in a private staging folder beside
its final place and moved there in one rename, so two tutors building the same thing
at once, or a build stopped half-way, never leave a half-written file where a reader
would take it. A process remembers what it found, so a repeated lookup is a dict hit
plus one stat. When the cache cannot be written, the artifact is built for the one
check that needs it, in that check's own folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from asm_tutor.kept import Kept
from asm_tutor.paths import cache_dir

_known: Kept[tuple[str, str, str], Path] = Kept("(kind, key, name) → a file found or published")


def _remember(kind: str, key: str, name: str, path: Path) -> Path:
    return _known.put((kind, key, name), path, path.is_file)  # while the file is there


def find(kind: str, key: str, name: str) -> Path | None:
    """The artifact, if it was built before (by this process or another)."""
    known = _known.get((kind, key, name))
    if known is not None:
        return known
    path = cache_dir() / kind / key / name
    return _remember(kind, key, name, path) if path.is_file() else None


def staging(kind: str, key: str, fallback: Path) -> Path:
    """A fresh folder to build the artifact in: beside its final place, or inside `fallback`
    (the check's own folder) when the cache cannot be written."""
    folder = cache_dir() / kind / key
    try:
        folder.mkdir(parents=True, exist_ok=True)
        made = Path(tempfile.mkdtemp(dir=folder, prefix=".build-"))
    except OSError:
        fallback.mkdir(parents=True, exist_ok=True)
        made = Path(tempfile.mkdtemp(dir=fallback, prefix=f"{kind}-"))
    made.chmod(0o755)  # what is built here is read by sandboxed jobs, which may run as nobody
    return made


def publish(kind: str, key: str, built: Path) -> Path:
    """Move a built file from its staging folder to its final place; the path to use from now on."""
    final = cache_dir() / kind / key / built.name
    if built.parent.parent != final.parent:
        return built  # built for one check (no cache): used where it is, removed with the check
    try:
        os.replace(built, final)  # atomic: another process may be publishing the same file
    except OSError:
        return built
    shutil.rmtree(built.parent, ignore_errors=True)
    return _remember(kind, key, built.name, final)


def discard(folder: Path) -> None:
    """A staging folder whose build failed or was cancelled."""
    shutil.rmtree(folder, ignore_errors=True)
