"""A file's stamp: what changes when the file is written or replaced.

Long-lived processes (the TUI, `asm-tutor watch`) compare stamps to know whether what
they loaded (a pack, rustc's answer, a watched draft) is still current.
"""

from __future__ import annotations

import os

Stamp = tuple[int, int, int]  # inode, size, modification time in ns


def stamp(path: str | os.PathLike[str]) -> Stamp | None:
    """The file's stamp, or None when it cannot be read (missing, no permission)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns
