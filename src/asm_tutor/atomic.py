"""Crash-safe file writes and an inter-process lock, shared by progress, settings and the caches.

`atomic_write` leaves either the old file or the new one at `path`, never a torn
mix: the bytes go to a temp file in the same folder, are flushed and fsynced,
then `os.replace` swaps it in and the folder is fsynced so the rename survives
a power cut. Caches skip the fsyncs (`durable=False`): an entry lost to a power
cut is only a miss. `FileLock` is an exclusive `fcntl.flock` on a separate lock file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable. Some filesystems refuse; that is not an error."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o600, *, durable: bool = True) -> None:
    """Replace `path` with `data` atomically (temp file, fsync, os.replace, fsync folder;
    without the fsyncs unless `durable`)."""
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=folder)
    tmp = Path(tmp_name)
    done = False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        done = True
        if durable:
            fsync_dir(folder)
    finally:
        if not done:
            with contextlib.suppress(OSError):
                tmp.unlink()


def remove_stale_temps(path: Path) -> None:
    """Delete temp files a crashed writer left next to `path`. Call only while holding its lock.

    Only `path`'s own temps match (mkstemp's 8 random characters exactly), never those of a
    file whose name merely starts the same way, whose writer may be running.
    """
    own = re.compile(re.escape(temp_prefix(path)) + r"[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f"{temp_prefix(path)}*{TEMP_SUFFIX}"):
            if own.fullmatch(leftover.name):
                with contextlib.suppress(OSError):
                    leftover.unlink()


class LockTimeout(OSError):
    """Another process held the lock for too long."""


@contextlib.contextmanager
def file_lock(lock_path: Path, timeout: float = 15.0) -> Iterator[None]:
    """Hold an exclusive flock on `lock_path` (created if missing) for the `with` body."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        errno.ETIMEDOUT, f"another asm-tutor kept {lock_path.name} locked for {timeout:g} s"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class NotARegularFile(OSError):
    """A path the user named holds a symbolic link, a folder, a device or a pipe: nothing is written."""


def write_user_file(path: Path, data: bytes, *, replace: bool = False, mode: int = 0o644) -> None:
    """Write `data` to `path`, a place the user named, never through a symbolic link and never into
    anything but a regular file. New files are created with O_EXCL | O_NOFOLLOW (a dangling link
    is not followed: it is refused); with `replace`, an existing regular file is swapped atomically
    (the rename replaces the entry itself, never what a link points to). NotARegularFile otherwise."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(found.st_mode) else "not a regular file"
        raise NotARegularFile(errno.EEXIST, f"{path} is {kind}; nothing was written to it", str(path))
    if found is not None:
        if not replace:
            raise FileExistsError(errno.EEXIST, f"{path} exists already", str(path))
        atomic_write(path, data, mode=mode)
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode)
    except FileExistsError:  # made meanwhile (a link, say): look again, refusing what is not a file
        raise NotARegularFile(errno.EEXIST, f"{path} appeared while it was being written; nothing was written "
                                            "to it", str(path)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
