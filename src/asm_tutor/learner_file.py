"""The learner's file on disk: read it safely, write the draft for an outside editor, notice saves.

Used by `asm-tutor check` and `watch` and by the TUI's own-editor and watch modes.
What is read is checked before a byte of it is: only a regular file, no larger than
the grader takes (a FIFO would hang the reader, /dev/zero would never end, a 50 MB
file would become a 50 MB draft). A file that is refused is never saved as a draft.

Saves are noticed by polling the file's stamp: a stat is cheap, works on every
filesystem (inotify does not see some network mounts) and needs no dependency.
Editors that save by rename (vim, emacs) change the inode, so nothing is missed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from asm_tutor.errors import UserError
from asm_tutor.paths import data_dir
from asm_tutor.stamp import stamp

MAX_SOURCE_BYTES = 1024 * 1024
POLL_SECONDS = 0.5


class LearnerFileError(UserError):
    """A learner's file that cannot be graded as it is; the message says why and what to do."""


def read_learner_file(path: Path) -> str:
    """The file's text, or LearnerFileError: missing, not a regular file, too large, not UTF-8."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise LearnerFileError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise LearnerFileError(f"{path} is a folder; give the path of your .rs file.") from None
    except OSError as err:
        raise LearnerFileError(f"{path} cannot be read ({err.strerror or err}).") from None
    with open(fd, "rb", closefd=True) as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LearnerFileError(f"{path} is {_kind(info.st_mode)}, not a file: give the path of your .rs file.")
        if info.st_size > MAX_SOURCE_BYTES:
            raise LearnerFileError(_too_large(path, info.st_size))
        data = stream.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:  # it grew while being read
        raise LearnerFileError(_too_large(path, len(data)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise LearnerFileError(f"{path} is not UTF-8 text: byte {err.start} (line {line}, column {column}) is "
                               f"0x{data[err.start]:02x}; save the file as UTF-8.") from None


def _too_large(path: Path, size: int) -> str:
    return (f"{path} is too large to check ({size // 1024} KiB; the limit is {MAX_SOURCE_BYTES // 1024} KiB): "
            "is it really your solution?")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def work_file(pack_id: str, exercise_id: str) -> Path:
    """Where the TUI writes an exercise's draft for an outside editor. Progress keeps the real copy."""
    return data_dir() / "work" / pack_id / f"{exercise_id}.rs"


def write_work_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


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
