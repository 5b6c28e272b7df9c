"""Problems found in a pack, each naming the file, the line where known, and the field."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the pack root, with forward slashes
    field: str  # dotted field name, or "" when the whole file is at fault
    message: str
    line: int | None = None

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PackError(Exception):
    """A pack failed validation; `problems` holds every problem found, not just the first."""

    def __init__(self, root: str, problems: list[Problem]) -> None:
        self.root = root
        self.problems = problems
        count = len(problems)
        super().__init__(f"the pack at {root} has {count} problem{'s' if count != 1 else ''}")


def find_key_line(text: str, table: str | None, key: str | None, index: int = 0) -> int | None:
    """Best-effort line of a TOML field, so a message can point at it.

    tomllib reports positions only for syntax errors, so look for the table
    header (`[table]`, or the `index`-th `[[table]]`) and then `key =` below it,
    before the next header. Falls back to the header line; None when nothing
    is found (the field may simply be missing).
    """
    lines = text.splitlines()
    start, header_line = 0, None
    if table is not None:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]\]?\s*(#.*)?$")
        seen = 0
        for i, line in enumerate(lines):
            if header.match(line):
                if seen == index:
                    start, header_line = i + 1, i + 1
                    break
                seen += 1
        else:
            return None
    if key is not None:
        assignment = re.compile(r"^\s*(" + re.escape(key) + r'|"' + re.escape(key) + r'")\s*=')
        for i in range(start, len(lines)):
            if lines[i].lstrip().startswith("["):
                break
            if assignment.match(lines[i]):
                return i + 1
    return header_line
