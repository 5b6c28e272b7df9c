"""The exercise's hints, revealed one level at a time; later hints say more.

"See the lesson X, section Y" in a hint is a link: a click opens that lesson at that section.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, unquote

from textual.app import ComposeResult
from textual.widgets import Markdown

from asm_tutor.pack.lesson_refs import lesson_refs
from asm_tutor.pack.model import CourseItem, ItemKind, Lesson
from asm_tutor.tui.components.panel_scroll import PanelScroll
from asm_tutor.tui.messages import OpenItem

LINK_SCHEME = "lesson:"  # lesson:ID#section, the section quoted


class HintsPanel(PanelScroll):
    def __init__(self, *, solutions: bool = True, lessons: Mapping[str, Lesson] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.lessons = lessons or {}
        self.hints: tuple[str, ...] = ()
        self.revealed = 0
        self.solutions = solutions  # False in a hand-out: there is no reference solution to show

    def compose(self) -> ComposeResult:
        yield Markdown(id="hints-text", open_links=False)

    def show(self, hints: tuple[str, ...], revealed: int) -> None:
        self.hints = hints
        self.revealed = min(revealed, len(hints))
        self._render_hints()

    @property
    def exhausted(self) -> bool:
        return self.revealed >= len(self.hints)

    def reveal_next(self) -> int:
        """Show one more hint; returns its level (1-based)."""
        if not self.exhausted:
            self.revealed += 1
            self._render_hints()
            self.scroll_end(animate=False)
        return self.revealed

    def _render_hints(self) -> None:
        total = len(self.hints)
        if total == 0:
            text = "This exercise has no hints. The lesson it practises is the best help."
        else:
            parts = [f"**Hint {n} of {total}.** {self.linked(hint)}"
                     for n, hint in enumerate(self.hints[: self.revealed], 1)]
            if self.revealed < total:
                parts.append(f"*F2 reveals hint {self.revealed + 1} of {total}.*")
            else:
                parts.append("*That was the last hint. F4 shows the reference solution.*" if self.solutions else
                             "*That was the last hint. This copy of the course has no reference solutions: "
                             "ask your instructor.*")
            text = "\n\n".join(parts)
        self.query_one(Markdown).update(text)

    def linked(self, hint: str) -> str:
        """The hint with each reference to a lesson's section made a link to it."""
        for ref in reversed(lesson_refs(hint, self.lessons)):
            shown = hint[ref.start:ref.end]
            hint = f"{hint[:ref.start]}[{shown}]({LINK_SCHEME}{ref.lesson_id}#{quote(ref.section)}){hint[ref.end:]}"
        return hint

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        if event.href.startswith(LINK_SCHEME):
            lesson_id, _, section = event.href.removeprefix(LINK_SCHEME).partition("#")
            self.post_message(OpenItem(CourseItem(ItemKind.LESSON, lesson_id), unquote(section) or None))
        else:
            self.app.open_url(event.href)
