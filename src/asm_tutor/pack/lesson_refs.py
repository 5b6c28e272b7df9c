""""See the lesson X, section Y" in a hint or a result, read back as the lesson and section it names.

The grader writes them with curly quotes (checks.py: “Options”, section “nomem”); pack authors
write them in Markdown italics (*Options*, section *nomem*). Both name the lesson by its title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from asm_tutor.pack.model import Lesson

REFERENCE = re.compile(r"[Ss]ee the lesson [“*]([^”*]+)[”*],? section [“*]([^”*]+)[”*]")


@dataclass(frozen=True)
class LessonRef:
    lesson_id: str
    section: str  # the heading's text, as the lesson writes it
    start: int  # where the reference is in the text it was found in
    end: int


def lesson_refs(text: str, lessons: Mapping[str, Lesson]) -> list[LessonRef]:
    """The references in `text` to lessons of this course (one to a lesson it lacks is left out)."""
    by_title = {lesson.title.casefold(): lesson.id for lesson in lessons.values()}
    found = []
    for match in REFERENCE.finditer(text):
        lesson_id = by_title.get(match.group(1).strip().casefold())
        if lesson_id is not None:
            found.append(LessonRef(lesson_id, match.group(2).strip(), match.start(), match.end()))
    return found
