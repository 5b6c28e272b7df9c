"""Text that came from a learner's program or file, made safe to show on a terminal.

A panic message, a value or a line of rustc's output quoting the learner's source may
hold escape sequences (colours, cursor moves, window titles, a fake prompt). They are
shown, not obeyed: every control character but newline and tab becomes a visible
`\\x1b`-style escape, as Rust's own `{:?}` would write it.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 controls (which some terminals obey too).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
