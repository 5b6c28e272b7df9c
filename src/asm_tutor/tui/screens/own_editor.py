"""Your own editor: the draft opened in $VISUAL/$EDITOR (ctrl+o), or its file watched and
checked on every save (ctrl+t), for the course screen."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported
from textual.timer import Timer

from asm_tutor.learner_file import POLL_SECONDS, FileWatch, LearnerFileError, read_learner_file, work_file, write_work_file

if TYPE_CHECKING:
    from asm_tutor.tui.screens.course import CourseScreen


class OwnEditor:
    def __init__(self, screen: CourseScreen) -> None:
        self.screen = screen
        self._watch: FileWatch | None = None
        self._watch_timer: Timer | None = None

    def open(self) -> None:
        """ctrl+o: the draft in the learner's editor, the tutor suspended until it exits."""
        view = self.screen.exercise_view
        exercise = view.exercise
        if exercise is None:
            return
        command = self.screen.app.settings.editor_command()
        if command is None:
            self.screen.notify("Set $VISUAL or $EDITOR (or `editor` in settings.toml) to use your own editor; "
                        "ctrl+t watches the draft file for changes instead.", severity="warning", timeout=10)
            return
        path = work_file(self.screen.pack.id, exercise.id)
        try:
            write_work_file(path, view.source)
            with self.screen.app.suspend():
                subprocess.run([*command, str(path)], check=False)
            text = read_learner_file(path)
        except SuspendNotSupported:
            self.screen.notify("This terminal cannot hand over to another program; use ctrl+t to watch the file instead.",
                        severity="warning")
            return
        except LearnerFileError as err:  # refused before it is read, and not kept as the draft
            self.screen.notify(str(err), severity="error", timeout=10)
            return
        except OSError as err:
            self.screen.notify(f"Could not run {command[0]}: {err.strerror or err}", severity="error")
            return
        if text != view.source:
            view.set_text(text)
            self.screen.app.store.save_draft(self.screen.pack, exercise.id, text)
            self.screen.notify("Your edits are in. F5 checks them.")

    def toggle_watch(self) -> None:
        """ctrl+t: watch the draft file, checking each save, or stop watching."""
        if self._watch is not None:
            self.stop_watching()
            self.screen.notify("Stopped watching; the editor is yours again.")
            return
        view = self.screen.exercise_view
        exercise = view.exercise
        if exercise is None:
            return
        path = work_file(self.screen.pack.id, exercise.id)
        try:
            write_work_file(path, view.source)
        except OSError as err:
            self.screen.notify(f"Could not write {path}: {err.strerror or err}", severity="error")
            return
        self._watch = FileWatch(path)
        self._watch_timer = self.screen.set_interval(POLL_SECONDS, self._poll)
        view.set_watching(path)  # one source of truth while watching: the file

    def _poll(self) -> None:
        if self._watch is None or not self._watch.changed():
            return
        view = self.screen.exercise_view
        try:
            text = read_learner_file(self._watch.path)
        except LearnerFileError as err:
            if self._watch.path.exists():  # gone: mid-save, and the next poll sees the finished file
                self.screen.notify(str(err), severity="error", timeout=10)
            return
        if view.exercise is not None:
            view.set_text(text)
            self.screen.app.store.save_draft(self.screen.pack, view.exercise.id, text)
            view.start_check()

    def stop_watching(self) -> None:
        if self._watch is None:
            return
        if self._watch_timer is not None:
            self._watch_timer.stop()
        self._watch = None
        self._watch_timer = None
        self.screen.exercise_view.set_watching(None)
