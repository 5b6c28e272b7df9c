"""The course sidebar: every lesson and exercise in course order, with its mark, and overall progress."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from asm_tutor.pack.model import CourseItem, ItemKind, Pack
from asm_tutor.tui.messages import OpenItem


class ItemState(Enum):
    """Where the learner is with an item, as the line's mark before its title: text marks, so
    colour is never the only signal."""

    UNREAD = ("·", "dim")
    READ = ("✓", "green")
    NOT_STARTED = ("○", "dim")
    ATTEMPTED = ("◐", "yellow")
    PASSED = ("●", "green")

    @property
    def mark(self) -> tuple[str, str]:
        """(symbol, style)"""
        return self.value


def item_key(item: CourseItem) -> str:
    return f"{item.kind.value}:{item.id}"


class CourseList(OptionList):
    """The item list; Enter or a click opens an item."""

    ALLOW_MAXIMIZE = False  # the palette's Maximize made it cover the page it opens


class CourseSidebar(Vertical):
    """Lessons flush left, the exercises that practise them indented beneath."""

    def __init__(self, pack: Pack, state_of: Callable[[CourseItem], ItemState], *, saving: Callable[[], bool],
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.pack = pack
        self._state_of = state_of
        self._saving = saving

    def compose(self) -> ComposeResult:
        yield Static(self.pack.title, id="sidebar-title")
        yield CourseList(*self._options(), id="course-list")
        yield Static(id="sidebar-summary")
        yield ProgressBar(show_eta=False, show_percentage=False, id="sidebar-progress")

    def on_mount(self) -> None:
        self.border_title = "Course"
        self._update_summary()

    def _prompt(self, item: CourseItem) -> Text:
        symbol, style = self._state_of(item).mark
        indent = "" if item.kind is ItemKind.LESSON else "  "
        return Text.assemble(indent, (symbol, style), " ", self.pack.item_title(item))

    def _options(self) -> list[Option]:
        return [Option(self._prompt(item), id=item_key(item)) for item in self.pack.course]

    def refresh_marks(self) -> None:
        """Re-read every item's state (after a check, a read, a reset)."""
        course_list = self.query_one(CourseList)
        for item in self.pack.course:
            course_list.replace_option_prompt(item_key(item), self._prompt(item))
        self._update_summary()

    def _update_summary(self) -> None:
        exercises = [i for i in self.pack.course if i.kind is ItemKind.EXERCISE]
        lessons = [i for i in self.pack.course if i.kind is ItemKind.LESSON]
        passed = sum(self._state_of(i) is ItemState.PASSED for i in exercises)
        read = sum(self._state_of(i) is ItemState.READ for i in lessons)
        summary = f"{passed}/{len(exercises)} exercises passed\n{read}/{len(lessons)} lessons read"
        if not self._saving():
            summary += "\n⚠ progress is not being saved"  # the reason is on the home page
        self.query_one("#sidebar-summary", Static).update(summary)
        self.query_one(ProgressBar).update(total=max(len(self.pack.course), 1), progress=passed + read)

    def select(self, item: CourseItem) -> None:
        """Highlight the open item, without opening it again."""
        course_list = self.query_one(CourseList)
        course_list.highlighted = course_list.get_option_index(item_key(item))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _, item_id = (event.option.id or "").partition(":")
        self.post_message(OpenItem(CourseItem(ItemKind(kind), item_id)))
