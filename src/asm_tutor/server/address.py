"""Where the server listens, and who it is: shared by the client and the server.

Kept to `os` and `sys`: the client imports this on every served command, and its whole
budget is a few milliseconds.
"""

from __future__ import annotations

import os
import stat
import sys
import zlib

from asm_tutor import __version__

PROTOCOL = "asm-tutor-server/1"
SWITCH = "ASM_TUTOR_SERVER"  # "off" (or 0, no, false): neither use nor start a server
IDLE_MINUTES = 15  # the server leaves after this long without a request
MAX_SOCKET_PATH = 100  # bytes: a Unix socket's path must fit in sun_path (108 on Linux, 104 on macOS)


def enabled() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() not in ("off", "0", "no", "false")


def identity() -> str:
    """A server answers only clients of the same tutor: same version, same Python and
    environment (`python` and `python3` of one venv are the same), same code."""
    package = os.path.dirname(os.path.abspath(__file__))
    return f"{PROTOCOL}|{__version__}|{sys.prefix}|{sys.version}|{package}"


def folder() -> str:
    """The user's private folder for the socket.

    The XDG rule ($XDG_RUNTIME_DIR, else a folder of one's own in the temp folder),
    written out rather than taken from platformdirs: importing platformdirs costs the
    client ~16 ms, more than all the rest of its work.
    """
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base):
        return os.path.join(base, "asm-tutor")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"asm-tutor-{os.getuid()}")


def socket_path() -> str:
    return os.path.join(folder(), f"server-{zlib.crc32(identity().encode()):08x}.sock")


def is_private(path: str) -> bool:
    """A real folder of this user's that nobody else can write to (or read): safe to trust."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077 == 0


def encode(fields: list[str]) -> bytes:
    """NUL-separated fields, prefixed by their length (arguments, paths and the environment hold no NUL)."""
    body = b"\0".join(os.fsencode(field) for field in fields)
    return len(body).to_bytes(4, "big") + body


def decode(body: bytes) -> list[str]:
    return [os.fsdecode(field) for field in body.split(b"\0")]


def running_pid() -> int | None:
    """The pid of this tutor's server when one is listening, else None."""
    path = socket_path()
    try:
        with open(path + ".pid", encoding="utf-8") as file:
            pid = int(file.read().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid if os.path.exists(path) else None
