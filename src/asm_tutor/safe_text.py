"""Text made safe to show on a terminal: the one sanitizer the CLI and the TUI both use.

A panic message, a value, a line of rustc's output quoting the learner's source, a pack's
title or an exercise id in an imported progress file may hold escape sequences (colours,
cursor moves, window titles, an OSC 52 clipboard write, a clear screen, a fake "✓ pass").
They are shown, not obeyed:

- `printable` turns every control character but newline and tab into a visible
  `\\x1b`-style escape, as Rust's own `{:?}` would write it (grader data, CLI output);
- `without_controls` drops them, for a screen whose layout is already measured (the
  TUI's last pass over every line, where a control character has no width to fill);
- `json_text` writes JSON exactly, every control character JSON-escaped (json.dumps
  leaves DEL and the C1 controls raw when it keeps other characters as they are).
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls except tab and newline, DEL, and the C1 controls (which some terminals obey too).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f]")  # what json.dumps(ensure_ascii=False) leaves unescaped


def printable(text: str) -> str:
    return CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def without_controls(text: str) -> str:
    return CONTROL.sub("", text)


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """`data` as JSON, non-ASCII text kept readable, every control character escaped."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
