"""Watch mode: the draft as a file on disk, for learners who keep their own editor open on it.

The tutor writes the draft to a work file and polls its (mtime, size) twice a
second: a stat is cheap, works on every filesystem (inotify does not see some
network mounts) and needs no extra dependency. Editors that save by rename
(vim, emacs) change both, so nothing is missed.
"""

from __future__ import annotations

from pathlib import Path

from asm_tutor.paths import data_dir
from asm_tutor.stamp import stamp

POLL_SECONDS = 0.5


def work_file(pack_id: str, exercise_id: str) -> Path:
    """Where an exercise's draft is written for an external editor. Progress keeps the real copy."""
    return data_dir() / "work" / pack_id / f"{exercise_id}.rs"


def write_work_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def read_work_file(path: Path) -> str:
    # A stray non-UTF-8 byte must not stop the learner: the grader reports it as a compile error.
    return path.read_bytes().decode("utf-8", errors="replace")


class FileWatch:
    """Says when a file changed on disk since it was last seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = stamp(path)

    def changed(self) -> bool:
        current = stamp(self.path)
        if current == self._stamp:
            return False
        self._stamp = current
        # A file that vanished (mid-save by rename) is not a change to check yet.
        return current is not None
