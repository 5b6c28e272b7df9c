"""The TUI's last pass over every line it draws: control characters are dropped, not sent.

Textual passes an escape sequence inside a widget's text on to the terminal as it is, so
a pack's title or a line of a learner's output could set the window title or clear the
screen. The grader's texts arrive already printable (safe_text.printable, shown as
`\\x1b`); this filter (the same definition of a control character) catches whatever
else reaches a widget. A control character has no width, so dropping it keeps the
measured layout.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from asm_tutor.safe_text import CONTROL, without_controls


class ControlCharacters(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not segment.control and CONTROL.search(segment.text) for segment in segments):
            return segments
        return [segment if segment.control else Segment(without_controls(segment.text), segment.style)
                for segment in segments]


CONTROL_CHARACTERS = ControlCharacters()
