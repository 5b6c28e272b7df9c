"""Messages several components send to the course screen."""

from __future__ import annotations

from textual.message import Message

from asm_tutor.pack.model import CourseItem


class OpenItem(Message):
    """The learner chose a lesson or exercise to open (sidebar, home, a lesson's links), or a
    lesson's section (`section`: its heading) that a hint or result points to."""

    def __init__(self, item: CourseItem, section: str | None = None) -> None:
        super().__init__()
        self.item = item
        self.section = section
