"""The course screen: sidebar, home, lesson reader and exercise, and every key that moves between them.

This is the only place that talks to the progress store: components post
messages (a check finished, a draft changed, a lesson was read) and this
screen records them, then refreshes the sidebar marks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Header

from asm_tutor.pack.model import CourseItem, ItemKind, Pack
from asm_tutor.progress.model import ExerciseRecord, ExerciseStatus, PackProgress
from asm_tutor.tui.components.footer import CourseFooter
from asm_tutor.tui.components.home import HomeView
from asm_tutor.tui.components.sidebar import CourseSidebar, ItemState
from asm_tutor.tui.messages import OpenItem
from asm_tutor.tui.screens.own_editor import OwnEditor
from asm_tutor.tui.screens.solution_flow import SolutionFlow

if TYPE_CHECKING:
    from asm_tutor.toolchain import Toolchain
    from asm_tutor.tui.app import TutorApp
    from asm_tutor.tui.components.exercise_view import ExerciseView
    from asm_tutor.tui.components.lesson_reader import LessonReader

_EXERCISE_STATES = {ExerciseStatus.NOT_STARTED: ItemState.NOT_STARTED, ExerciseStatus.ATTEMPTED: ItemState.ATTEMPTED,
                    ExerciseStatus.PASSED: ItemState.PASSED}
# Below this width the sidebar steps aside once an item is open: code needs the columns.
NARROW = 100
EXERCISE_ONLY = frozenset({"check", "hint", "assembly", "solution", "external_editor", "watch", "switch_pane",
                           "zoom", "feedback_lesson"})


class CourseScreen(Screen[None]):
    app: TutorApp

    # Footer order is this order: at 80 columns the last ones scroll out of sight, so the
    # everyday keys come first and the own-editor keys last (the home page lists them too).
    BINDINGS = [
        Binding("f5,ctrl+r,ctrl+enter", "check", "Check", id="check"),
        # Priority, so it works inside the editor (which would otherwise take Escape to leave).
        Binding("escape", "cancel_check", "Cancel check", id="cancel_check", priority=True),
        Binding("ctrl+g", "next_error", "Go to error", id="next_error"),
        Binding("f2", "hint", "Hint", id="hint"),
        Binding("f3", "assembly", "Asm", id="assembly"),
        # Priority: TextArea would take F6 for "select line" (and F7 for "select all").
        Binding("f6", "switch_pane", "Panel", id="switch_pane", priority=True),
        Binding("f7", "zoom", "Zoom", id="zoom", priority=True),
        # Not in the footer (no room at 80 columns): the results say it where a lesson is named.
        Binding("ctrl+l", "feedback_lesson", "Lesson section", show=False, id="feedback_lesson"),
        Binding("f4", "solution", "Solution", id="solution"),
        Binding("f9", "next", "Next", id="next"),
        Binding("f8", "previous", "Prev", id="previous"),
        # A letter is safe here: it is offered only in the lesson reader, where nothing takes typing.
        Binding("e", "practise", "Exercise", id="practise"),
        Binding("ctrl+b", "toggle_sidebar", "Course", id="toggle_sidebar"),
        # Textual's own ctrl+q (hidden) quits on every screen; this one puts it in the footer.
        Binding("ctrl+q", "app.quit", "Quit", id="quit", priority=True),
        Binding("ctrl+o", "external_editor", "Editor", id="external_editor"),
        Binding("ctrl+t", "watch", "Watch", id="watch"),
    ]

    def __init__(self, pack: Pack) -> None:
        super().__init__()
        self.pack = pack
        self.current: CourseItem | None = None
        self._progress = PackProgress(id=pack.id)
        self._own_editor = OwnEditor(self)
        self._solution = SolutionFlow(self)
        self._sidebar_stepped_aside = False  # hidden for lack of width, not by the learner

    # -- layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield CourseSidebar(self.pack, self.state_of, saving=lambda: self.app.store.enabled, id="sidebar")
            # The lesson reader and the exercise view join the switcher when first needed
            # (_lesson_reader, _exercise_view): the first screen is built, styled and shown
            # without them, and without importing the editor's machinery (~60 ms at start-up).
            with ContentSwitcher(initial="home", id="main"):
                yield HomeView(self.pack, id="home")
        yield CourseFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = self.pack.title
        self._reload_progress()
        self.query_one(CourseSidebar).refresh_marks()
        self.show_home()

    def on_resize(self) -> None:
        wide = self.size.width >= NARROW
        if wide and self._sidebar_stepped_aside:
            self._set_sidebar(True)
        elif not wide and self.current is not None and self.query_one(CourseSidebar).display:
            self._step_sidebar_aside()

    @property
    def exercise_view(self) -> ExerciseView:
        """The exercise view; only asked for once an exercise has been opened (on_exercise)."""
        from asm_tutor.tui.components.exercise_view import ExerciseView

        return self.query_one("#exercise", ExerciseView)

    async def _exercise_view(self) -> ExerciseView:
        from asm_tutor.tui.components.exercise_view import ExerciseView

        if not self.query("#exercise"):
            await self._join_switcher(ExerciseView(self.pack, self._toolchain, id="exercise"))
        return self.exercise_view

    def _toolchain(self) -> tuple[Toolchain | None, str | None]:
        toolchain = self.app.detect_toolchain()
        return toolchain, self.app.toolchain_problem

    async def _lesson_reader(self) -> LessonReader:
        from asm_tutor.tui.components.lesson_reader import LessonReader

        if not self.query("#lesson"):
            await self._join_switcher(LessonReader(self.pack, id="lesson"))
        return self.query_one("#lesson", LessonReader)

    async def _join_switcher(self, view: Widget) -> None:
        view.display = False  # shown when the switcher turns to it, not in a frame beside the page open now
        await self.query_one(ContentSwitcher).mount(view)

    @property
    def on_exercise(self) -> bool:
        return self.current is not None and self.current.kind is ItemKind.EXERCISE

    # -- progress (read)

    def _reload_progress(self) -> None:
        self._progress = self.app.store.pack_progress(self.pack.id)

    def state_of(self, item: CourseItem) -> ItemState:
        if item.kind is ItemKind.LESSON:
            return ItemState.READ if self._progress.lesson_read(item.id) else ItemState.UNREAD
        return _EXERCISE_STATES[self._progress.exercise(item.id).status]

    def record(self, exercise_id: str) -> ExerciseRecord:
        return self._progress.exercise(exercise_id)

    def after_store_change(self) -> None:
        self._reload_progress()
        self.query_one(CourseSidebar).refresh_marks()
        for notice in self.app.store.take_notices():
            self.notify(notice, severity="warning", timeout=15)

    # -- navigation

    def show_home(self) -> None:
        self._leave_item()
        self.current = None
        first = self.pack.course[0] if self.pack.course else None
        self.query_one(HomeView).show(self._resume_point(), first, self.app.startup_notices())
        self.query_one(ContentSwitcher).current = "home"
        self._set_sidebar(True)
        self.query_one("#home-continue").focus()
        self.refresh_bindings()

    def _exists(self, item: CourseItem) -> bool:
        return item in self.pack.course

    def _resume_point(self) -> CourseItem | None:
        """Where "Continue" goes: the last item opened if it is not done yet, else the next item
        that is not (a passed exercise or a read lesson is done), wrapping round to the start;
        None on a first start."""
        last = self._progress.last
        if last is None or not self._exists(CourseItem(last.kind, last.id)):
            return None
        course = self.pack.course
        start = course.index(CourseItem(last.kind, last.id))
        return next((item for item in course[start:] + course[:start] if not self._done(item)), course[start])

    def _done(self, item: CourseItem) -> bool:
        if item.kind is ItemKind.LESSON:
            return self._progress.lesson_read(item.id)
        return self.record(item.id).passed

    async def open_item(self, item: CourseItem, section: str | None = None) -> None:
        """Open a lesson or exercise; a lesson at `section` (its heading), else where the learner left it."""
        if not self._exists(item):
            self.notify(f"{item.id} is not in this course.", severity="warning")
            return
        self._leave_item()
        # Mounted before `current` changes: the footer asks check_action about the new item
        # while a view is being mounted.
        reader = await self._lesson_reader() if item.kind is ItemKind.LESSON else None
        view = await self._exercise_view() if item.kind is ItemKind.EXERCISE else None
        self.current = item
        index = self.pack.course.index(item)
        previous = self.pack.course[index - 1] if index > 0 else None
        following = self.pack.course[index + 1] if index + 1 < len(self.pack.course) else None
        if self.size.width < NARROW:  # first: a lesson is laid out (and opened at its place) at its final width
            self._step_sidebar_aside()
        if reader is not None:
            self.query_one(ContentSwitcher).current = "lesson"
            await reader.show(self.pack.lessons[item.id], previous, following,
                              position=self._progress.lesson_position(item.id), section=section)
            self.query_one("#lesson-scroll").focus()
        elif view is not None:
            record = self.record(item.id)
            self.query_one(ContentSwitcher).current = "exercise"
            view.load(self.pack.exercises[item.id], record.draft, hints_revealed=record.hints, passed=record.passed,
                      cursor=record.cursor)
            view.editor.focus()
        self.query_one(CourseSidebar).select(item)
        self.app.store.set_last(self.pack, item.kind, item.id)
        self.after_store_change()
        self.refresh_bindings()

    def _leave_item(self) -> None:
        """Save the draft (and its cursor) and stop anything running for the exercise being left;
        for a lesson, where the learner was in it."""
        if self.current is not None and self.current.kind is ItemKind.LESSON:
            self.app.store.set_lesson_position(self.pack, self.current.id, self._reader().position)
        if not self.on_exercise:
            return
        self._own_editor.stop_watching()
        view = self.exercise_view
        view.cancel_check(quietly=True)
        self._save_unsaved()

    def _save_unsaved(self) -> None:
        view = self.exercise_view
        unsaved = view.take_unsaved()
        cursor = view.editor.cursor_location
        if view.exercise is not None and (unsaved is not None or cursor != (self.record(view.exercise.id).cursor or (0, 0))):
            self.app.store.save_draft(self.pack, view.exercise.id, view.source, cursor=cursor)

    def save_before_quit(self) -> None:
        self._leave_item()

    def _step(self, delta: int) -> CourseItem | None:
        if self.current is None:
            return self.pack.course[0] if delta > 0 and self.pack.course else None
        index = self.pack.course.index(self.current) + delta
        return self.pack.course[index] if 0 <= index < len(self.pack.course) else None

    def _step_sidebar_aside(self) -> None:
        self._set_sidebar(False)
        self._sidebar_stepped_aside = True

    def _set_sidebar(self, shown: bool) -> None:
        self.query_one(CourseSidebar).display = shown
        self._sidebar_stepped_aside = False

    # -- messages from the components

    async def on_open_item(self, event: OpenItem) -> None:
        await self.open_item(event.item, event.section)

    def on_lesson_reader_read(self, event: LessonReader.Read) -> None:
        if not self._progress.lesson_read(event.lesson_id):
            self.app.store.mark_read(self.pack, event.lesson_id)
            self.after_store_change()

    def on_exercise_view_draft_changed(self, event: ExerciseView.DraftChanged) -> None:
        self.app.store.save_draft(self.pack, event.exercise.id, event.source, cursor=self.exercise_view.editor.cursor_location)

    def on_exercise_view_checked(self, event: ExerciseView.Checked) -> None:
        was_passed = self.record(event.exercise.id).passed
        self.exercise_view.mark_saved(event.source)  # the check below saves the code it checked
        self.app.store.record_check(self.pack, event.exercise.id, event.result.passed, draft=event.source)
        self.after_store_change()
        if event.result.passed and not was_passed:
            # In the results, not a toast: a toast would sit over them for seconds.
            following = self._step(1)
            self.exercise_view.results.add_to_summary(
                f"F9 goes on to {self.pack.item_title(following)}." if following else "That was the last item of the course.")
        self.refresh_bindings()

    # -- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in EXERCISE_ONLY:
            return self.on_exercise
        if action == "practise":
            return self.query_one(ContentSwitcher).current == "lesson" and self._practice() is not None
        if action == "next_error":
            return self.on_exercise and bool(self.exercise_view.results.places)
        if action == "cancel_check":
            return self.on_exercise and self.exercise_view.checking
        if action == "previous":
            return self._step(-1) is not None
        if action == "next":
            return self._step(1) is not None
        return True

    def action_check(self) -> None:
        self.exercise_view.start_check()

    def action_cancel_check(self) -> None:
        self.exercise_view.cancel_check()
        self.notify("Check cancelled.")

    def action_next_error(self) -> None:
        self.exercise_view.next_place()

    def action_hint(self) -> None:
        exercise = self.exercise_view.exercise
        level = self.exercise_view.reveal_hint()
        if exercise is not None and level is not None:
            self.app.store.reveal_hint(self.pack, exercise.id, level)
            self.after_store_change()

    def action_assembly(self) -> None:
        self.exercise_view.show_assembly()

    def action_switch_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()  # the other pane is behind the zoomed one
        self.exercise_view.switch_pane()

    async def action_feedback_lesson(self) -> None:
        """ctrl+l: the lesson section the feedback points to: the last check's failures and
        compiler hints first, then the hints revealed (the latest first)."""
        from asm_tutor.grader.result import TestStatus
        from asm_tutor.pack.lesson_refs import lesson_refs

        view = self.exercise_view
        texts: list[str] = []
        if (result := view.results.result) is not None:
            texts += [c.message for c in result.checks if c.status is not TestStatus.PASS]
            texts += [d.hint or "" for d in result.diagnostics]
        texts += reversed(view.hints.hints[:view.hints.revealed])
        ref = next((refs[0] for text in texts if (refs := lesson_refs(text, self.pack.lessons))), None)
        if ref is None:
            self.notify("No hint or result points to a lesson section yet.")
        else:
            await self.open_item(CourseItem(ItemKind.LESSON, ref.lesson_id), ref.section)

    def action_zoom(self) -> None:
        self.exercise_view.toggle_zoom()

    def action_maximize(self) -> None:
        """The palette's Maximize: on an exercise, what F7 does; elsewhere Textual's own."""
        if self.on_exercise:
            self.action_zoom()
        else:
            super().action_maximize()

    def action_solution(self) -> None:
        self._solution.show()

    def action_reset(self) -> None:
        self._solution.reset()

    def _reader(self) -> LessonReader:
        """The lesson reader, which exists once a lesson was opened."""
        from asm_tutor.tui.components.lesson_reader import LessonReader

        return self.query_one("#lesson", LessonReader)

    def _practice(self) -> CourseItem | None:
        """The exercise the open lesson leads to."""
        return self._reader().practice

    async def action_practise(self) -> None:
        target = self._practice()
        if target is not None:
            await self.open_item(target)

    async def action_previous(self) -> None:
        target = self._step(-1)
        if target is not None:
            await self.open_item(target)

    async def action_next(self) -> None:
        target = self._step(1)
        if target is not None:
            await self.open_item(target)

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(CourseSidebar)
        self._set_sidebar(not sidebar.display)
        if sidebar.display:
            sidebar.query_one("#course-list").focus()
        elif self.on_exercise:
            self.exercise_view.editor.focus()

    # -- your own editor (own_editor.py)

    def action_external_editor(self) -> None:
        self._own_editor.open()

    def action_watch(self) -> None:
        self._own_editor.toggle_watch()
