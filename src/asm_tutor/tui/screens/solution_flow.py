"""The reference solution (F4) and the reset to the starter code, each behind a question, for the course screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asm_tutor.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from asm_tutor.pack.model import Exercise
    from asm_tutor.tui.screens.course import CourseScreen


class SolutionFlow:
    def __init__(self, screen: CourseScreen) -> None:
        self.screen = screen

    def show(self) -> None:
        """F4: the reference solution beside the draft; before a pass, only once the learner confirms."""
        screen = self.screen
        view = screen.exercise_view
        exercise = view.exercise
        if exercise is None:
            return
        if not screen.pack.solutions:
            screen.notify("This copy of the course was handed out without its reference solutions; "
                          "your instructor has them.", title="No solution here")
            return
        record = screen.record(exercise.id)
        if view.passed or record.passed or record.solution_viewed:
            self._show(exercise)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                screen.app.store.view_solution(screen.pack, exercise.id)
                screen.after_store_change()
                self._show(exercise)

        screen.app.push_screen(
            ConfirmScreen(
                "You have not passed this exercise yet.\n\nSeeing the reference solution now is noted in "
                "your progress, and it is more rewarding to try the hints (F2) first. Show it anyway?",
                yes="Show solution",
            ),
            answered,
        )

    def _show(self, exercise: Exercise) -> None:
        from asm_tutor.tui.components.exercise_view import editor_theme_for
        from asm_tutor.tui.screens.solution import SolutionScreen

        screen = self.screen
        view = screen.exercise_view
        try:
            reference = view.solution()
        except OSError as err:
            screen.notify(f"The solution could not be read: {err}", severity="error")
            return
        screen.app.push_screen(SolutionScreen(exercise.title, view.source, reference, editor_theme_for(screen.app.current_theme)))

    def reset(self) -> None:
        """The palette's reset: the starter code back, once the learner confirms."""
        screen = self.screen
        exercise = screen.exercise_view.exercise
        if exercise is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and screen.exercise_view.exercise is exercise:
                try:
                    starter = screen.exercise_view.starter()
                except OSError as err:
                    screen.notify(f"The starter code could not be read: {err}", severity="error")
                    return
                screen.exercise_view.set_text(starter)
                screen.app.store.save_draft(screen.pack, exercise.id, starter)
                screen.notify("Back to the starter code. Your results and hints are kept.")

        question = f"Replace your code for {exercise.title} with the starter code?\nYour current draft is lost."
        screen.app.push_screen(ConfirmScreen(question, yes="Reset"), answered)
