"""Answers kept on disk for the next process, each valid while what it came from is unchanged.

A one-shot command (`asm-tutor check`) would otherwise ask rustc for its version,
try the sandbox and parse the whole pack every time: each is kept under a key made
of everything its answer depends on (stamps of files, the user, the tutor's
version), so a changed input is simply a miss. Entries are written atomically and
skip fsync: a lost or damaged entry is only a miss. The grader's result cache and
the lesson-block cache store their entries the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

from asm_tutor import __version__
from asm_tutor.atomic import atomic_write
from asm_tutor.paths import cache_dir


def key_of(*parts: object) -> str:
    """A key for an answer that depends on `parts` (and on the tutor's version)."""
    return hashlib.sha256(repr((__version__, *parts)).encode("utf-8", errors="surrogatepass")).hexdigest()[:32]


def folder(name: str) -> Path:
    return cache_dir() / "memo" / name


def load_json(where: Path, entry_key: str) -> dict[str, Any] | None:
    """An entry written by store_json, or None (missing or damaged: a miss either way)."""
    try:
        data = json.loads((where / f"{entry_key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def store_json(where: Path, entry_key: str, data: dict[str, Any]) -> None:
    """Save an entry atomically; a cache that cannot be written is not an error, only slower next time."""
    # dumps, not dump: dump streams through json's pure-Python encoder (~4 ms for a
    # result with 150 test runs), dumps uses the C one.
    with contextlib.suppress(OSError):
        where.mkdir(parents=True, exist_ok=True)
        atomic_write(where / f"{entry_key}.json", json.dumps(data).encode("utf-8"), mode=0o644, durable=False)


def load_object(where: Path, entry_key: str) -> Any | None:
    """An object stored by store_object (the tutor's own data, in the user's own cache), or None."""
    try:
        return pickle.loads((where / f"{entry_key}.pickle").read_bytes())
    except Exception:  # any damage, or a class that changed shape, is a miss
        return None


def store_object(where: Path, entry_key: str, value: Any) -> None:
    with contextlib.suppress(OSError, pickle.PicklingError):
        where.mkdir(parents=True, exist_ok=True)
        atomic_write(where / f"{entry_key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                     mode=0o644, durable=False)
