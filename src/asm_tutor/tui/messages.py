"""Messages several components send to the course screen."""

from __future__ import annotations

from textual.message import Message

from asm_tutor.pack.model import CourseItem


class OpenItem(Message):
    """The learner chose a lesson or exercise to open (sidebar, home, a lesson's links)."""

    def __init__(self, item: CourseItem) -> None:
        super().__init__()
        self.item = item
