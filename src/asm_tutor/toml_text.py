"""TOML read with tomllib, where every malformed document is a located TOMLDecodeError.

tomllib parses nested arrays and inline tables by recursion: a file of ten thousand `[`
(a "nesting bomb", in a pack or a progress file) ends in a RecursionError, not in the
TOMLDecodeError every reader handles. Here it is one, with the line and column where the
nesting went past what any real file needs, worded as tomllib words its own.
"""

from __future__ import annotations

import tomllib
from typing import Any

MAX_NESTING = 100  # arrays and inline tables inside one another; real files use a handful

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """tomllib.loads(text); TOMLDecodeError for any malformed text, however deep."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        pos = _too_deep(text)
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise TOMLDecodeError(f"Arrays or inline tables nested more than {MAX_NESTING} deep "
                              f"(at line {line}, column {column})") from None


def _too_deep(text: str) -> int:
    """Where the nesting of `[`/`{` first goes past MAX_NESTING, strings and comments skipped (0 if nowhere)."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return i
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return 0
