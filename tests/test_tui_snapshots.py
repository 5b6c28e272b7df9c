"""Snapshots of the main screens, against a small pack written here so course edits do not move them.

Deterministic on purpose: no clock in the header, the grader's seed derives from the
code (and is shown only on failure), notifications are cleared and the editor's cursor
is held still before the picture, and the spinner is gone once the check has finished. Regenerate with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the pictures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea
from tui_helpers import wait_for_check, wait_for_idle_screen, wait_until

from asm_tutor.context import Context
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.toolchain import ToolchainError, detect
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.components.exercise_view import ExerciseView
from asm_tutor.tui.screens.course import CourseScreen

PACK_TOML = """\
format = 1
id = "snap_demo"
title = "Snapshot demo"
version = "1.0.0"
description = "A two-item course for the TUI's snapshot tests."

[[course]]
lesson = "adding"
file = "lessons/01-adding.md"

[[course]]
exercise = "add_one"
"""

LESSON = """\
# Adding in asm!

`add` adds its second operand to its first. With `inout`, one register is both
the input and the result:

```rust
use std::arch::asm;

fn add_one(x: u64) -> u64 {
    let mut v = x;
    // SAFETY: `add` touches only `v`'s register and the flags.
    unsafe { asm!("add {v}, 1", v = inout(reg) v, options(pure, nomem, nostack)) };
    v
}
# fn main() { assert_eq!(add_one(1), 2); }
```

That is all there is to it.
"""

EXERCISE_TOML = """\
title = "Add one"
lesson = "adding"
arch = ["x86_64"]
prompt = \"\"\"
Write `add_one(x: u64) -> u64` returning `x + 1` (wrapping), with an `add` in an `asm!` block.
\"\"\"
hints = [
    "Use one register for both the input and the result.",
    "`inout(reg) v` and the template `add {v}, 1`.",
]

[function]
name = "add_one"
params = ["x: u64"]
returns = "u64"

[tests]
reference = "x.wrapping_add(1)"
edge = false
cases = [
    { args = ["0"], expected = "1" },
    { args = ["41"], expected = "42" },
    { args = ["u64::MAX"], expected = "0" },
]

[[checks]]
name = "adds in asm!"
kind = "asm_uses"
patterns = ["add", "inc", "lea"]
message = "Do the addition inside the asm! block."

[[error_hints]]
match = "E0133"
hint = "asm! must be inside `unsafe { ... }`."
"""

STARTER = """\
use std::arch::asm;

fn add_one(x: u64) -> u64 {
    let mut v = x;
    // SAFETY: fill in why your block is sound.
    unsafe { asm!("/* add 1 to {v} */", v = inout(reg) v, options(pure, nomem, nostack)) };
    v
}

fn main() {}
"""

SOLUTION = STARTER.replace("/* add 1 to {v} */", "add {v}, 1").replace(
    "fill in why your block is sound.", "`add` touches only `v`'s register and the flags."
)


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    root = tmp_path / "snap_demo"
    files = {
        "pack.toml": PACK_TOML,
        "lessons/01-adding.md": LESSON,
        "exercises/add_one/exercise.toml": EXERCISE_TOML,
        "exercises/add_one/starter.rs": STARTER,
        "exercises/add_one/solution.rs": SOLUTION,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def make_app(pack_dir: Path) -> TutorApp:
    return TutorApp(Context(pack_arg=str(pack_dir), profile="learner"))


async def settle(pilot: Pilot[None]) -> None:
    pilot.app.clear_notifications()
    # The editor's cursor blinks on a timer: hold it still so the picture does not depend on when it is taken.
    for editor in pilot.app.screen.query(TextArea):
        editor.cursor_blink = False
    await wait_for_idle_screen(pilot)


def test_home_first_start(snap_compare, pack_dir: Path) -> None:
    assert snap_compare(make_app(pack_dir), terminal_size=(80, 24), run_before=settle)


def test_lesson_reader(snap_compare, pack_dir: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("enter")  # Start: the first lesson
        await settle(pilot)

    assert snap_compare(make_app(pack_dir), terminal_size=(80, 24), run_before=run_before)


async def settle_unfocused(pilot: Pilot[None], view: ExerciseView) -> None:
    view.editor.move_cursor((0, 0))
    # No focus at all: whether the focused editor's cursor is drawn in the picture
    # depended on what ran before in the same process (it failed one full run in three).
    pilot.app.set_focus(None)
    await settle(pilot)


def _has_rustc() -> bool:
    try:
        detect()
    except ToolchainError:
        return False
    return True


needs_rustc = pytest.mark.skipif(not _has_rustc(), reason="needs the real rustc")


async def check_add_one(pilot: Pilot[None], edit: Callable[[str], str]) -> ExerciseView:
    """Open the demo exercise, put `edit(reference solution)` in the editor and check it."""
    screen = pilot.app.screen
    assert isinstance(screen, CourseScreen)
    await screen.open_item(CourseItem(ItemKind.EXERCISE, "add_one"))
    view = screen.query_one(ExerciseView)
    view.editor.load_text(edit(view.solution()))
    await pilot.press("f5")
    await wait_for_check(pilot, view)
    return view


@needs_rustc
def test_exercise_after_a_passing_check(snap_compare, pack_dir: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        view = await check_add_one(pilot, lambda solution: solution)
        assert view.results.result is not None and view.results.result.passed, view.results.result
        await settle_unfocused(pilot, view)

    assert snap_compare(make_app(pack_dir), terminal_size=(120, 40), run_before=run_before)


@needs_rustc
def test_exercise_with_a_compile_error(snap_compare, pack_dir: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await check_add_one(pilot, lambda solution: solution.replace("unsafe { asm!", "{ asm!"))
        await pilot.press("ctrl+g")
        await settle(pilot)

    assert snap_compare(make_app(pack_dir), terminal_size=(80, 24), run_before=run_before)


@needs_rustc
def test_exercise_with_wrong_answers(snap_compare, pack_dir: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        view = await check_add_one(pilot, lambda solution: solution.replace("add {v}, 1", "add {v}, 2"))
        assert view.results.result is not None and not view.results.result.passed
        await settle_unfocused(pilot, view)

    assert snap_compare(make_app(pack_dir), terminal_size=(80, 24), run_before=run_before)


@needs_rustc
def test_trace_of_a_wrong_answer(snap_compare, pack_dir: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        from asm_tutor.tui.screens.trace import TraceScreen

        view = await check_add_one(pilot, lambda solution: solution.replace("add {v}, 1", "add {v}, 2"))
        view.trace_case()  # the first failing case: add_one(0) at -O0
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TraceScreen), "the trace was shown", limit=30)
        await settle(pilot)

    assert snap_compare(make_app(pack_dir), terminal_size=(80, 24), run_before=run_before)
