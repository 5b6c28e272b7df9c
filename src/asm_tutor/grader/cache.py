"""Remember results, so re-checking unchanged code answers at once.

The key covers everything the result depends on: the learner's source, the
exercise's spec, the edition, the seed, the exact rustc and the grader itself.
Entries are written atomically (temp file, then rename), so a crash or two
tutors at once never leave a half-written entry; a damaged entry is a miss.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from asm_tutor import __version__
from asm_tutor.grader.result import GradeResult
from asm_tutor.memo import load_json, store_json
from asm_tutor.paths import cache_dir

if TYPE_CHECKING:
    from asm_tutor.grader.request import Request


@functools.cache
def grader_fingerprint() -> str:
    """A hash of the grader's own code: any change to how grading works makes old entries misses."""
    here = Path(__file__).parent
    return file_fingerprint(*sorted(here.glob("*.py")), *sorted(here.glob("rust/*.rs")))


def results_dir() -> Path:
    return cache_dir() / "results"


def file_fingerprint(*paths: Path) -> str:
    """A hash of the tutor's version and these source files: a change to them makes old entries misses."""
    digest = hashlib.sha256(__version__.encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(request: Request) -> str:
    exercise, toolchain = request.exercise, request.toolchain
    digest = hashlib.sha256()
    try:
        spec = exercise.spec_path.read_bytes()
    except OSError:
        spec = b""
    # The parsed exercise too: a copy changed in memory (pack tools, tests) is another exercise.
    # The course's lessons: feedback names their sections.
    lessons = sorted((lesson_id, lesson.title, str(lesson.path)) for lesson_id, lesson in request.lessons.items())
    for part in (
        request.source.encode("utf-8", errors="surrogatepass"), spec, repr(exercise).encode(), request.edition.encode(),
        str(request.seed).encode(), toolchain.release.encode(), toolchain.host.encode(), toolchain.commit.encode(),
        toolchain.target_id.encode(),
        repr(lessons).encode(), grader_fingerprint().encode(),
    ):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def load(entry_key: str) -> GradeResult | None:
    data = load_json(results_dir(), entry_key)
    if data is None:
        return None
    try:
        result = GradeResult.from_json(data["result"], assembly=data.get("assembly", ""),
                                       assembly_o3=data.get("assembly_o3", ""))
        for diag, rendered in zip(result.diagnostics, data.get("rendered", []), strict=False):
            diag.rendered = str(rendered)
    except (ValueError, KeyError, TypeError):
        return None
    result.cached = True
    return result


def store(entry_key: str, result: GradeResult) -> None:
    store_json(results_dir(), entry_key, {"result": result.to_json(), "assembly": result.assembly,
                                          "assembly_o3": result.assembly_o3,
                                          "rendered": [d.rendered for d in result.diagnostics]})
