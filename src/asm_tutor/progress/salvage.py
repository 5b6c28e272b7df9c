"""Salvage of a damaged progress file: the parts of broken TOML that still parse.

One bad line (a crash of an old tutor, an editor accident) must not cost the
learner every other record, so the text is read table by table and each table
that parses on its own is kept. What the pieces mean is the file format's job.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from asm_tutor import toml_text

SALVAGE_LOOKAHEAD = 8
_HEADER = re.compile(r"^\s*\[")


def _deep_merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def salvage_toml(text: str) -> dict[str, Any]:
    """The parts of broken TOML that still parse, table by table.

    The text is cut at each line that looks like a table header; each piece (joined
    with the next few when a header-looking line sits inside a multi-line string)
    that parses on its own is kept.
    """
    lines = text.splitlines(keepends=True)
    starts = [0] + [i for i, line in enumerate(lines) if i and _HEADER.match(line)]
    chunks = ["".join(lines[a:b]) for a, b in zip(starts, starts[1:] + [len(lines)], strict=True)]
    out: dict[str, Any] = {}
    i = 0
    while i < len(chunks):
        for j in range(i + 1, min(i + SALVAGE_LOOKAHEAD, len(chunks)) + 1):
            try:
                part = toml_text.loads("".join(chunks[i:j]))
            except tomllib.TOMLDecodeError:
                continue
            _deep_merge(out, part)
            i = j
            break
        else:
            i += 1
    return out
