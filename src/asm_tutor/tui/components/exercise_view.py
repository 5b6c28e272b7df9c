"""The exercise: its prompt, the editor, and the tabs for results, hints and assembly.

Grading runs in a thread worker so the UI keeps drawing; the grader's `cancel`
event is how Escape stops rustc or the test program. This widget knows nothing
about storage: it posts messages (Checked, DraftChanged) and the screen records them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Markdown, Static, TabbedContent, TabPane, TextArea
from textual.worker import Worker, WorkerState

from asm_tutor.grader.result import GradeResult
from asm_tutor.pack.model import Exercise, Pack
from asm_tutor.toolchain import Toolchain
from asm_tutor.trace.model import Trace
from asm_tutor.tui.components.assembly_view import AssemblyView
from asm_tutor.tui.components.code_editor import CodeEditor
from asm_tutor.tui.components.hints_panel import HintsPanel
from asm_tutor.tui.components.panel_scroll import PanelScroll
from asm_tutor.tui.components.results_panel import ResultsPanel

AUTOSAVE_SECONDS = 1.0


def editor_theme_for(theme: Theme) -> str:
    """A TextArea syntax theme readable on the app theme's background."""
    return "vscode_dark" if theme.dark else "github_light"


class ExerciseView(Vertical):
    checking: reactive[bool] = reactive(False)

    class Checked(Message):
        """A check finished (not cancelled): `source` is the code that was checked."""

        def __init__(self, exercise: Exercise, source: str, result: GradeResult) -> None:
            super().__init__()
            self.exercise = exercise
            self.source = source
            self.result = result

    class DraftChanged(Message):
        """The learner paused typing, or is leaving: time to save the draft."""

        def __init__(self, exercise: Exercise, source: str) -> None:
            super().__init__()
            self.exercise = exercise
            self.source = source

    def __init__(self, pack: Pack, detect_toolchain: Callable[[], tuple[Toolchain | None, str | None]], *,
                 id: str | None = None) -> None:
        """`detect_toolchain`: the rustc to grade with (or why there is none), asked before each check."""
        super().__init__(id=id)
        self.pack = pack
        self._detect_toolchain = detect_toolchain
        toolchain, self.toolchain_problem = detect_toolchain()
        self.toolchain = toolchain
        self.exercise: Exercise | None = None
        self.arch = toolchain.arch if toolchain else None
        self.passed = False
        self._cancel: threading.Event | None = None
        self._worker: Worker[GradeResult] | None = None
        self._autosave: Timer | None = None
        # The text last loaded or saved: the editor differs from it only when the learner edited.
        # (TextArea.Changed arrives later as a message, so a flag set around load_text cannot tell.)
        self._baseline = ""
        self.watching: Path | None = None  # the work file while watch mode is on
        self._checked_source = ""
        self._place_index = -1  # which compiler message ctrl+g went to last

    def compose(self) -> ComposeResult:
        yield Static(id="exercise-title")
        # The Rust grammar's highlight query takes a while to prepare: set it when the first
        # exercise opens (load), not while the first screen is being built.
        yield Static(id="watch-banner")
        # Soft-wrapped: a long line stays on screen at 80 columns (the line numbers show where it began).
        yield CodeEditor.code_editor(id="editor", soft_wrap=True)
        with TabbedContent(id="exercise-tabs"):
            with TabPane("Prompt", id="tab-prompt"), PanelScroll(id="prompt-scroll"):
                yield Markdown(id="prompt")
            with TabPane("Results", id="tab-results"):
                yield ResultsPanel(id="results")
            with TabPane("Hints", id="tab-hints"):
                yield HintsPanel(solutions=self.pack.solutions, lessons=self.pack.lessons, id="hints")
            with TabPane("Assembly", id="tab-assembly"):
                yield AssemblyView(id="assembly")

    def watch_checking(self) -> None:
        self.screen.refresh_bindings()  # Escape is offered only while a check runs

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._follow_theme)
        self._follow_theme(self.app.current_theme)

    def _follow_theme(self, theme: Theme) -> None:
        self.editor.theme = editor_theme_for(theme)

    @property
    def editor(self) -> TextArea:
        return self.query_one("#editor", TextArea)

    @property
    def results(self) -> ResultsPanel:
        return self.query_one(ResultsPanel)

    @property
    def hints(self) -> HintsPanel:
        return self.query_one(HintsPanel)

    @property
    def source(self) -> str:
        return self.editor.text

    @property
    def problem(self) -> str | None:
        """Why this exercise cannot be checked here, in one sentence; None if it can."""
        if self.toolchain is None:
            return self.toolchain_problem or "Checking exercises needs rustc; install Rust (https://rustup.rs) and restart."
        if self.exercise is not None and self.arch is not None and not self.exercise.supports(self.arch):
            return (f"This exercise is written for {', '.join(self.exercise.arch)}; this machine is "
                    f"{self.arch}, so it cannot be checked here.")
        return None

    def starter(self) -> str:
        assert self.exercise is not None
        return self.exercise.starter(self.arch or self.exercise.arch[0])

    def solution(self) -> str:
        assert self.exercise is not None
        return self.exercise.solution(self.arch or self.exercise.arch[0])

    def load(self, exercise: Exercise, draft: str | None, *, hints_revealed: int, passed: bool,
             cursor: tuple[int, int] | None = None) -> None:
        """Show an exercise with the learner's draft (or its starter), the cursor where they left it."""
        self.cancel_check()
        self.exercise = exercise
        self.passed = passed
        if draft is None:
            cursor = None  # a cursor belongs to the draft it was saved with
            try:
                draft = self.starter()
            except OSError as err:
                draft = ""
                self.notify(f"The starter code could not be read ({err}); start from an empty file.", severity="warning")
        if self.editor.language is None:
            self.editor.language = "rust"
        self.set_text(draft)
        self.put_cursor(cursor or (0, 0))
        # The title is in the bar above the editor; the prompt starts with what to write.
        self.query_one("#prompt", Markdown).update(f"`{exercise.function.render()}`\n\n{exercise.prompt}")
        self.hints.show(exercise.hints, hints_revealed)
        self.results.clear(self.problem or "Press F5 (or ctrl+r) to check your code.")
        self.query_one(AssemblyView).show(None)
        self.query_one(TabbedContent).active = "tab-prompt"
        self.query_one("#prompt-scroll", PanelScroll).scroll_home(animate=False)
        self.update_title()

    def put_cursor(self, place: tuple[int, int]) -> None:
        """The cursor at (line, column), 0-based, kept inside the text (a draft edited elsewhere may be shorter)."""
        document = self.editor.document
        line = min(max(place[0], 0), document.line_count - 1)
        column = min(max(place[1], 0), len(document[line]))
        self.editor.move_cursor((line, column), center=True)

    def update_title(self) -> None:
        if self.exercise is None:
            return
        state = "✓ passed" if self.passed else self.exercise.difficulty.value
        line = f"{self.exercise.title} · {state}"
        if self.watching:
            line += " · watching your file"
        self.query_one("#exercise-title", Static).update(line)

    def set_watching(self, path: Path | None) -> None:
        """Watch mode on (`path`: the file the learner edits elsewhere) or off. While on, the file
        is the one source of truth: the editor is read-only and a banner says where the file is."""
        self.watching = path
        self.editor.read_only = path is not None
        banner = self.query_one("#watch-banner", Static)
        banner.display = path is not None
        if path is not None:
            shown = f"~/{path.relative_to(Path.home())}" if path.is_relative_to(Path.home()) else str(path)
            banner.update(Text.assemble(("Watching ", "bold"), (shown, "bold underline"), "\nEdit it in your own "
                                        "editor and save: each save is checked here. The editor below is "
                                        "read-only meanwhile; ctrl+t stops watching."))
        self.update_title()

    def on_code_editor_typed_while_read_only(self, event: CodeEditor.TypedWhileReadOnly) -> None:
        event.stop()
        if self.watching is not None:
            banner = self.query_one("#watch-banner", Static)
            banner.remove_class("-flash")
            banner.add_class("-flash")  # draws the eye to why the key did nothing
            self.set_timer(1.5, lambda: banner.remove_class("-flash"))

    def set_text(self, text: str) -> None:
        """Replace the editor's text with code that is already saved (a draft, the starter, a file)."""
        self._baseline = text
        self.editor.load_text(text)

    def mark_saved(self, text: str) -> None:
        self._baseline = text

    # -- drafts

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.exercise is None or self.source == self._baseline:
            return
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_SECONDS, self._autosave_due)

    def _autosave_due(self) -> None:
        unsaved = self.take_unsaved()
        if unsaved is not None:
            self.post_message(self.DraftChanged(*unsaved))

    def take_unsaved(self) -> tuple[Exercise, str] | None:
        """The edits not saved yet, if any, now counted as saved (the caller saves them)."""
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None
        if self.exercise is None or self.source == self._baseline:
            return None
        self._baseline = self.source
        return self.exercise, self.source

    # -- checking

    def redetect(self) -> None:
        """Ask again which toolchain grades (and so for which architecture): before each check, and
        when the profile chose another architecture."""
        self.toolchain, self.toolchain_problem = self._detect_toolchain()
        self.arch = self.toolchain.arch if self.toolchain else None

    def start_check(self) -> None:
        if self.exercise is None:
            return
        self.redetect()
        problem = self.problem
        if problem is not None:
            self.results.clear(problem)
            self.query_one(TabbedContent).active = "tab-results"
            self.notify(problem, severity="warning")
            return
        self.cancel_check(quietly=True)
        self._cancel = threading.Event()
        self.checking = True
        self.results.show_running()
        self.query_one(TabbedContent).active = "tab-results"
        self._checked_source = self.source
        self._worker = self._grade(self.exercise, self._checked_source, self._cancel)

    def cancel_check(self, *, quietly: bool = False) -> None:
        if self._cancel is not None:
            self._cancel.set()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
            if not quietly:
                self.results.clear("Check cancelled.")
        self._cancel = None
        self.checking = False

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _grade(self, exercise: Exercise, source: str, cancel: threading.Event) -> GradeResult:
        from asm_tutor.grader.engine import grade

        return grade(exercise, source, edition=self.pack.edition, toolchain=self.toolchain, cancel=cancel,
                     lessons=self.pack.lessons)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "trace":
            self._traced(worker, event.state)
            return
        if worker.group != "check" or worker is not self._worker:
            return  # a cancelled or superseded check: its result no longer matters
        if event.state is WorkerState.SUCCESS and worker.result is not None and self.exercise is not None:
            self._worker = None
            self._cancel = None
            self.checking = False
            result = worker.result
            if result.passed:
                self.passed = True
                self.update_title()
            tests = self.exercise.tests
            self.results.show_result(result, can_compare=result.passed and self.pack.solutions,
                                     display=tests.display, seeded=tests.random > 0)
            self._place_index = -1
            self.query_one(AssemblyView).show({0: result.assembly, 3: result.assembly_o3})
            self.post_message(self.Checked(self.exercise, self._checked_source, result))
        elif event.state is WorkerState.ERROR:
            self._worker = None
            self._cancel = None
            self.checking = False
            self.results.clear("The check could not run.")
            self.notify(f"The check could not run: {worker.error}", severity="error", timeout=10)

    def go_to(self, line: int, column: int) -> None:
        """Put the editor cursor on a diagnostic's place (1-based, as rustc counts)."""
        self.editor.move_cursor((max(line - 1, 0), max(column - 1, 0)), center=True)
        self.editor.focus()

    def next_place(self) -> bool:
        """Move the editor to the next compiler message's place (cycling); False if there is none."""
        places = self.results.places
        if not places:
            return False
        self._place_index = (self._place_index + 1) % len(places)
        diag = places[self._place_index]
        self.results.highlight(diag)
        self.go_to(diag.line or 1, diag.column or 1)
        return True

    def on_assembly_view_trace(self, event: AssemblyView.Trace) -> None:
        event.stop()
        self.trace_case(None, event.opt_level)

    def on_results_panel_trace_case(self, event: ResultsPanel.TraceCase) -> None:
        event.stop()
        self.trace_case(event.name, event.opt_level)

    def trace_case(self, name: str | None = None, opt_level: int | None = None) -> None:
        """Trace one case of the last check (None: its first failing one) in the emulator, then
        show the trace; a case that cannot be traced says why."""
        if self.exercise is None or self.toolchain is None:
            self.notify(self.problem or "Check your code first (F5).", severity="warning")
            return
        if self.results.result is None:
            self.notify("Check your code first (F5): a trace steps through one of its cases.", severity="warning")
            return
        self.notify("Tracing…", timeout=2)
        self._trace(self.exercise, self._checked_source, name, opt_level, self.results.result.seed)

    @work(thread=True, exclusive=True, group="trace", exit_on_error=False)
    def _trace(self, exercise: Exercise, source: str, name: str | None, opt_level: int | None,
               seed: int | None) -> Trace:
        from asm_tutor.trace.trace import trace

        return trace(exercise, source, edition=self.pack.edition, lessons=self.pack.lessons, seed=seed, case=name,
                     opt_level=opt_level, toolchain=self.toolchain)

    def _traced(self, worker: Worker[Trace], state: WorkerState) -> None:
        from asm_tutor.errors import UserError
        from asm_tutor.tui.screens.trace import TraceScreen

        if state is WorkerState.SUCCESS and worker.result is not None:
            self.app.push_screen(TraceScreen(worker.result))
        elif state is WorkerState.ERROR:
            error = worker.error
            message = str(error) if isinstance(error, UserError) else f"The trace could not run: {error}"
            self.notify(message, severity="warning", timeout=10)

    def on_results_panel_go_to(self, event: ResultsPanel.GoTo) -> None:
        event.stop()
        self.go_to(event.line, event.column)

    def reveal_hint(self) -> int | None:
        """Show the next hint; its level, or None when there are no more."""
        self.query_one(TabbedContent).active = "tab-hints"
        if self.hints.exhausted:
            self.notify("No more hints." if self.hints.hints else "This exercise has no hints.")
            return None
        return self.hints.reveal_next()

    def show_assembly(self) -> None:
        """The Assembly tab; when it is open already, its other optimization level."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-assembly":
            self.query_one(AssemblyView).switch_level()
        tabs.active = "tab-assembly"

    @property
    def panel(self) -> TabbedContent:
        """The bottom panel: prompt, results, hints and assembly."""
        return self.query_one("#exercise-tabs", TabbedContent)

    def focus_panel(self) -> None:
        """Focus the open tab's scrolling pane: the arrows and PageDown read on (the footer says so)."""
        pane = self.panel.active_pane
        if pane is not None:
            pane.query_one(PanelScroll).focus()

    def toggle_zoom(self) -> None:
        """The focused pane (the editor, or the bottom panel) fills the screen; again (or Escape) restores."""
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif self.editor.has_focus:
            screen.maximize(self.editor, container=False)
        else:
            if screen.focused is None or self.panel not in screen.focused.ancestors_with_self:
                self.focus_panel()
            screen.maximize(self.panel, container=False)

    def switch_pane(self) -> None:
        """From the editor to the open tab's pane, and back."""
        if self.editor.has_focus:
            self.focus_panel()
        else:
            self.editor.focus()
