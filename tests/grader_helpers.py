"""Helpers shared by the grader's tests."""

from __future__ import annotations

from pathlib import Path


def processes_under(folder: Path) -> list[str]:
    """Command lines of live processes started from inside `folder` (a test's build folder)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in text:
            found.append(text)
    return found
