"""The TUI without grading: home, the lesson reader, hints, drafts, resume after a restart.

Every test runs the real app headless (Pilot) against the built-in course, with
the XDG folders pointed at a temporary directory so no real progress is touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, ContentSwitcher, Markdown, OptionList, Static
from tui_helpers import wait_for_palette_matches, wait_until

from asm_tutor.context import Context
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.progress.store import ProgressStore
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.exercise_view import ExerciseView
from asm_tutor.tui.components.hints_panel import HintsPanel
from asm_tutor.tui.screens.course import CourseScreen

SIZE = (120, 40)


def make_app() -> TutorApp:
    return TutorApp(Context(pack_arg=None, profile="learner"))


def course(app: TutorApp) -> CourseScreen:
    screen = app.screen
    assert isinstance(screen, CourseScreen)
    return screen


def pack_shown(app: TutorApp) -> str | None:
    screen = app.screen
    return screen.pack.id if isinstance(screen, CourseScreen) else None


def store() -> ProgressStore:
    return ProgressStore.open("learner")


async def wait_for_lesson_layout(pilot: Pilot[None], screen: CourseScreen) -> None:
    """Until the open lesson has been laid out (a long one can scroll) and what that set off has run:
    a read reported too early (before the layout) would be in the store by then."""
    scroll = screen.query_one("#lesson-scroll")
    await wait_until(pilot, lambda: scroll.max_scroll_y > 0, "the lesson was laid out taller than the screen")
    await pilot.pause()


async def test_first_start_welcomes_and_starts_the_course() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        assert screen.query_one(ContentSwitcher).current == "home"
        assert "Welcome to asm-tutor" in str(screen.query_one("#home-heading", Static).render())
        button = screen.query_one("#home-continue", Button)
        assert str(button.label).startswith("Start:")
        await pilot.press("enter")
        await pilot.pause()
        first = app.ctx.pack.course[0]
        assert screen.current == first
        assert screen.query_one(ContentSwitcher).current == "lesson"


async def test_the_reader_and_the_exercise_view_are_built_when_first_opened_and_then_kept() -> None:
    from asm_tutor.tui.components.lesson_reader import LessonReader

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        assert not screen.query(LessonReader) and not screen.query(ExerciseView)  # the first screen is lighter
        exercises = [item for item in app.ctx.pack.course if item.kind is ItemKind.EXERCISE]
        await screen.open_item(exercises[0])
        await pilot.pause()
        view = screen.query_one(ExerciseView)
        assert view.display and screen.query_one(ContentSwitcher).current == "exercise"
        await screen.open_item(app.ctx.pack.course[0])
        await pilot.pause()
        assert screen.query_one(LessonReader).display and not view.display
        await screen.open_item(exercises[1])
        await pilot.pause()
        assert screen.query_one(ExerciseView) is view and view.exercise is not None
        assert view.exercise.id == exercises[1].id and not screen.query_one(LessonReader).display


async def test_next_and_previous_walk_the_course() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        await pilot.press("enter")
        await pilot.press("f9")
        await pilot.pause()
        assert screen.current == app.ctx.pack.course[1]
        await pilot.press("f8")
        await pilot.pause()
        assert screen.current == app.ctx.pack.course[0]


async def test_lesson_is_read_only_once_scrolled_to_its_end() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        lesson = app.ctx.pack.course[0]
        await screen.open_item(lesson)
        await wait_for_lesson_layout(pilot, screen)
        assert not store().lesson_read(app.ctx.pack, lesson.id), "a long lesson is not read on opening"
        await pilot.press("end")
        await wait_until(pilot, lambda: store().lesson_read(app.ctx.pack, lesson.id), "the lesson was marked read at its end")
        marks = str(screen.query_one(OptionList).get_option(f"lesson:{lesson.id}").prompt)
        assert marks.startswith("✓")


async def test_sidebar_opens_an_exercise_with_its_starter() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        course_list = screen.query_one(OptionList)
        course_list.focus()
        course_list.highlighted = course_list.get_option_index("exercise:times_nine")
        await pilot.press("enter")
        await pilot.pause()
        view = screen.query_one(ExerciseView)
        assert screen.query_one(ContentSwitcher).current == "exercise"
        assert view.source == app.ctx.pack.exercises["times_nine"].starter(view.arch or "x86_64")
        assert app.focused is view.editor


async def test_hints_reveal_in_order_and_are_recorded() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        exercise = app.ctx.pack.exercises["times_nine"]
        await screen.open_item(CourseItem(ItemKind.EXERCISE, exercise.id))
        hints = screen.query_one(HintsPanel)
        for level in range(1, len(exercise.hints) + 1):
            await pilot.press("f2")  # the editor has focus: F2 must still reach the screen
            await pilot.pause()
            shown = hints.query_one(Markdown).source
            assert f"Hint {level} of {len(exercise.hints)}" in shown
            assert hints.linked(exercise.hints[level - 1]) in shown  # a lesson it names is a link
            if level < len(exercise.hints):
                assert exercise.hints[level] not in shown
            assert store().exercise(app.ctx.pack, exercise.id).hints == level
        await pilot.press("f2")
        await pilot.pause()
        assert store().exercise(app.ctx.pack, exercise.id).hints == len(exercise.hints)


async def test_restart_resumes_at_the_same_exercise_with_the_draft() -> None:
    draft_marker = "// my work in progress"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "max_u64"))
        view = screen.query_one(ExerciseView)
        view.editor.move_cursor((0, 0))
        await pilot.press(*"// my work in progress", "enter")
        await pilot.pause()
        assert view.source.startswith(draft_marker)
        await pilot.press("ctrl+q")  # quitting saves at once, without waiting for the idle delay

    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(again)
        button = screen.query_one("#home-continue", Button)
        assert "Branchless max" in str(button.label) or again.ctx.pack.exercises["max_u64"].title in str(button.label)
        assert str(button.label).startswith("Continue:")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == CourseItem(ItemKind.EXERCISE, "max_u64")
        assert screen.query_one(ExerciseView).source.startswith(draft_marker)


async def test_draft_autosaves_after_a_pause_in_typing() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.pause()
        view = screen.query_one(ExerciseView)
        # The autosave saves exactly what take_unsaved() hands over: after opening, nothing.
        assert view.take_unsaved() is None, "opening is not editing"
        assert store().draft(app.ctx.pack, "times_nine") is None, "opening is not editing"
        await pilot.press(*"// typed")
        await wait_until(pilot, lambda: store().draft(app.ctx.pack, "times_nine") is not None,
                         "the draft was saved after a pause in typing")
        draft = store().draft(app.ctx.pack, "times_nine")
        assert draft is not None and draft.startswith("// typed")


async def test_reset_asks_first_then_restores_the_starter() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        view = screen.query_one(ExerciseView)
        starter = view.source
        await pilot.press(*"// scribble")
        screen.action_reset()
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert view.source.startswith("// scribble")
        screen.action_reset()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert view.source == starter
        assert store().draft(app.ctx.pack, "times_nine") == starter


async def test_solution_before_passing_needs_a_confirmation_and_is_recorded() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.press("f4")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert not store().exercise(app.ctx.pack, "times_nine").solution_viewed
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert type(app.screen).__name__ == "SolutionScreen"
        assert store().exercise(app.ctx.pack, "times_nine").solution_viewed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def open_from_palette(pilot: Pilot[None], text: str) -> None:
    """Type `text` into the command palette, take its first match, and wait until the palette is gone."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*text)
    await wait_for_palette_matches(pilot)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CourseScreen), "the palette closed")


async def test_palette_jumps_to_an_exercise() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_from_palette(pilot, "Who made")
        await wait_until(pilot, lambda: course(app).current == CourseItem(ItemKind.EXERCISE, "cpu_vendor"),
                         lambda: f"the palette opened cpu_vendor (open: {course(app).current})")


async def test_a_long_lesson_opened_from_the_palette_is_not_read_yet() -> None:
    # Seen in tmux: opened from the palette, a long lesson counted as read at once, because
    # the end-of-lesson check ran before the new text was laid out.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_from_palette(pilot, "Pitfalls")
        await wait_until(pilot, lambda: course(app).current == CourseItem(ItemKind.LESSON, "pitfalls"),
                         lambda: f"the palette opened pitfalls (open: {course(app).current})")
        await wait_for_lesson_layout(pilot, course(app))
        assert not store().lesson_read(app.ctx.pack, "pitfalls")


async def test_without_rustc_lessons_open_and_checking_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-rust"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("ASM_TUTOR_RUSTC", raising=False)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        notices = str(screen.query_one("#home-notices", Static).render())
        assert "needs rustc" in notices and "rustup.rs" in notices
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(ContentSwitcher).current == "lesson"
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.press("f5")
        await pilot.pause()
        view = screen.query_one(ExerciseView)
        assert not view.checking
        assert "needs rustc" in str(view.query_one("#results-summary", Static).render())


async def test_palette_switches_to_an_installed_pack_and_back() -> None:
    import shutil

    from asm_tutor.paths import installed_packs_dir

    source = Path(__file__).parent / "packs" / "cours_fr"
    shutil.copytree(source, installed_packs_dir() / "cours_fr")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await course(app).open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.press(*"// before switching")
        await open_from_palette(pilot, "Switch pack")
        await wait_until(pilot, lambda: pack_shown(app) == "cours_fr", "switched to cours_fr")
        assert store().draft(app.ctx.pack, "times_nine") is None  # a different pack's record
        draft = ProgressStore.open("learner").draft("asm_basics", "times_nine")
        assert draft is not None and draft.startswith("// before switching"), "leaving a pack saves the draft"
        await open_from_palette(pilot, "Switch pack")
        await wait_until(pilot, lambda: pack_shown(app) == "asm_basics", "switched back to asm_basics")


async def test_an_unwritable_data_folder_leaves_progress_off_but_the_app_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        assert "Progress is off" in str(screen.query_one("#home-notices", Static).render())
        assert "not being saved" in str(screen.query_one("#sidebar-summary", Static).render())
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.press("f2")
        await pilot.pause()
        assert screen.query_one(HintsPanel).revealed == 1


async def test_own_editor_needs_one_set_and_never_crashes_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert any("$EDITOR" in str(n.message) for n in app._notifications)
        monkeypatch.setenv("EDITOR", "true")
        await pilot.press("ctrl+o")  # headless: the terminal cannot be handed over, and the app says so
        await pilot.pause()
        assert any("cannot hand over" in str(n.message) for n in app._notifications)
        assert app.screen is screen


async def test_a_lesson_jumps_to_the_exercise_that_practises_it() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = course(app)
        pack = app.ctx.pack
        lesson = next(i for i in pack.course if i.kind is ItemKind.LESSON and pack.exercises_for_lesson(i.id))
        await screen.open_item(lesson)
        await pilot.press("e")
        await pilot.pause()
        assert screen.current == CourseItem(ItemKind.EXERCISE, pack.exercises_for_lesson(lesson.id)[0].id)
        await pilot.press("e")  # in the editor, a letter is just a letter
        await pilot.pause()
        assert screen.query_one(ExerciseView).source.startswith("e")


async def test_at_80_columns_the_sidebar_steps_aside_and_returns_when_wide() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = course(app)
        sidebar = screen.query_one("#sidebar")
        assert sidebar.display, "home shows the course"
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "times_nine"))
        await pilot.pause()
        assert not sidebar.display, "the editor gets the columns"
        await pilot.press("ctrl+b")
        assert sidebar.display and app.focused is screen.query_one(OptionList)
        await pilot.press("ctrl+b")
        assert not sidebar.display and app.focused is screen.query_one(ExerciseView).editor
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "max_u64"))
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert sidebar.display
