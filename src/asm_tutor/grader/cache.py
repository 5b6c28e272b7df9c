"""Remember results, so re-checking unchanged code answers at once.

The key covers everything the result depends on: the learner's source, the
exercise's spec, the edition, the seed, the exact rustc and the grader itself.
Entries are written atomically (temp file, then rename), so a crash or two
tutors at once never leave a half-written entry; a damaged entry is a miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from asm_tutor import __version__
from asm_tutor.atomic import atomic_write
from asm_tutor.grader.result import GradeResult
from asm_tutor.pack.model import Exercise
from asm_tutor.paths import cache_dir
from asm_tutor.toolchain import Toolchain


@functools.cache
def grader_fingerprint() -> str:
    """A hash of the grader's own code: any change to how grading works makes old entries misses."""
    return file_fingerprint(*sorted(Path(__file__).parent.glob("*.py")))


def results_dir() -> Path:
    return cache_dir() / "results"


def file_fingerprint(*paths: Path) -> str:
    """A hash of the tutor's version and these source files: a change to them makes old entries misses."""
    digest = hashlib.sha256(__version__.encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(exercise: Exercise, source: str, edition: str, seed: int, toolchain: Toolchain) -> str:
    digest = hashlib.sha256()
    try:
        spec = exercise.spec_path.read_bytes()
    except OSError:
        spec = b""
    # The parsed exercise too: a copy changed in memory (pack tools, tests) is another exercise.
    for part in (
        source.encode("utf-8", errors="surrogatepass"), spec, repr(exercise).encode(), edition.encode(),
        str(seed).encode(), toolchain.release.encode(), toolchain.host.encode(), toolchain.commit.encode(),
        grader_fingerprint().encode(),
    ):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def load(entry_key: str) -> GradeResult | None:
    data = load_json(results_dir(), entry_key)
    if data is None:
        return None
    try:
        result = GradeResult.from_json(data["result"], assembly=data.get("assembly", ""))
        for diag, rendered in zip(result.diagnostics, data.get("rendered", []), strict=False):
            diag.rendered = str(rendered)
    except (ValueError, KeyError, TypeError):
        return None
    result.cached = True
    return result


def store(entry_key: str, result: GradeResult) -> None:
    store_json(results_dir(), entry_key, {"result": result.to_json(), "assembly": result.assembly,
                                          "rendered": [d.rendered for d in result.diagnostics]})


def load_json(folder: Path, entry_key: str) -> dict[str, Any] | None:
    """An entry written by store_json, or None (missing or damaged: a miss either way)."""
    try:
        data = json.loads((folder / f"{entry_key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def store_json(folder: Path, entry_key: str, data: dict[str, Any]) -> None:
    """Save an entry atomically; a cache that cannot be written is not an error, only slower next time."""
    # dumps, not dump: dump streams through json's pure-Python encoder (~4 ms for a
    # result with 150 test runs), dumps uses the C one.
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / f"{entry_key}.json", json.dumps(data).encode("utf-8"), mode=0o644, durable=False)
