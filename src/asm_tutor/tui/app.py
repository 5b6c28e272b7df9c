"""The asm-tutor Textual app: the services (pack, toolchain, progress, settings) and the course screen."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import App
from textual.css.query import NoMatches
from textual.filter import LineFilter

from asm_tutor.context import Context
from asm_tutor.errors import UserError
from asm_tutor.pack.problems import PackError
from asm_tutor.progress.store import ProgressStore
from asm_tutor.settings import Settings, load_settings, save_settings
from asm_tutor.toolchain import Toolchain, ToolchainError, can_grade, require_grading_toolchain
from asm_tutor.tui.commands import CourseCommands
from asm_tutor.tui.screens.course import CourseScreen
from asm_tutor.tui.shown import CONTROL_CHARACTERS

if TYPE_CHECKING:
    from asm_tutor.pack.registry import PackInfo

# settings.toml may say just "dark" or "light"; Textual's themes have longer names.
_THEME_ALIASES = {"dark": "textual-dark", "light": "textual-light"}


class TutorApp(App[None]):
    TITLE = "asm-tutor"
    CSS_PATH = ["styles/app.tcss"]
    COMMANDS = App.COMMANDS | {CourseCommands}
    # Screens get -narrow / -wide classes; app.tcss stacks side-by-side panes when narrow.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    def __init__(self, ctx: Context, *, started: float | None = None) -> None:
        """`started` is when the process began, for the startup time in the log."""
        super().__init__()
        self.ctx = ctx
        self._started = started if started is not None else time.perf_counter()
        self.settings: Settings = load_settings()
        self.store: ProgressStore = ctx.progress
        self.toolchain: Toolchain | None = None
        self.toolchain_problem: str | None = None
        self.detect_toolchain()
        self.course_screen: CourseScreen | None = None
        self._notices: list[str] = []

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the one that keeps control characters off the terminal (shown.py)."""
        return [*super().get_line_filters(), CONTROL_CHARACTERS]

    def on_mount(self) -> None:
        theme = _THEME_ALIASES.get(self.settings.theme, self.settings.theme)
        if theme in self.available_themes:
            self.theme = theme
        self.course_screen = CourseScreen(self.ctx.pack)
        self.push_screen(self.course_screen)
        self.log.info(f"asm-tutor ready in {(time.perf_counter() - self._started) * 1000:.0f} ms")

    def detect_toolchain(self) -> Toolchain | None:
        """The rustc to grade with, asked again before each check: a `rustup update` (or a rustc
        installed) while the tutor runs is seen at the next check. Cheap when nothing changed:
        the answer is kept while rustc's files and rustup's settings keep their stat."""
        try:
            if (arch := self.arch) is not None:  # this profile practises another architecture (settings' [arch])
                from asm_tutor.targets import for_arch

                self.toolchain, self.toolchain_problem = can_grade(for_arch(arch)), None
            else:
                self.toolchain, self.toolchain_problem = require_grading_toolchain(self.settings.rustc), None
        except ToolchainError as err:
            # Lessons still work without rustc; checking says why it cannot run.
            self.toolchain, self.toolchain_problem = None, f"Checking exercises needs rustc: {err}"
        return self.toolchain

    @property
    def arch(self) -> str | None:
        """The architecture this profile practises, when it chose one (None: this machine's)."""
        return self.settings.arch.get(self.store.profile)

    def choose_arch(self, arch: str | None) -> None:
        """Practise `arch` with this profile from the next check on (None: this machine's), and remember it."""
        if arch is None:
            self.settings.arch.pop(self.store.profile, None)
        else:
            self.settings.arch[self.store.profile] = arch
        try:
            save_settings(self.settings)
        except UserError as err:
            self.notify(f"The architecture is used now but was not saved: {err}", severity="warning")
        toolchain = self.detect_toolchain()
        if self.course_screen is not None and self.course_screen.is_mounted:
            with contextlib.suppress(NoMatches):  # no exercise opened yet
                self.course_screen.exercise_view.redetect()
        if toolchain is None:
            self.notify(self.toolchain_problem or "", severity="error", timeout=15)
        else:
            how = " (built with a cross toolchain, run under emulation)" if toolchain.cross else ""
            self.notify(f"Checks now build for {toolchain.arch}{how}. A new exercise starts from its "
                        f"{toolchain.arch} starter; reset one you began to get it.")

    def startup_notices(self) -> list[str]:
        """What the home page says is wrong: kept for the session, as the store hands its notices out once."""
        self._notices.extend(self.store.take_notices())
        notices = [*self._notices, *self.settings.problems]
        if self.store.disabled_reason and self.store.disabled_reason not in notices:
            notices.append(self.store.disabled_reason)
        if self.toolchain_problem:
            notices.append(self.toolchain_problem)
        return notices

    def _save_theme(self) -> str | None:
        """Remember a changed theme; a sentence if that failed. Saved on the way out, not on every
        change, because the theme picker previews each theme it passes."""
        if self.theme == _THEME_ALIASES.get(self.settings.theme, self.settings.theme):
            return None
        self.settings.theme = self.theme
        try:
            save_settings(self.settings)
        except UserError as err:
            return f"asm-tutor: the theme was not saved: {err}"
        return None

    def switchable_packs(self) -> list[PackInfo]:
        from asm_tutor.pack.registry import available_packs  # asked for by the palette only

        return [info for info in available_packs() if info.usable]

    def switch_pack(self, info: PackInfo) -> None:
        ctx = Context(pack_arg=info.pack_arg, profile=self.ctx.profile)
        try:
            pack = ctx.pack
        except (PackError, UserError, OSError) as err:
            self.notify(f"{info.title} could not be opened: {err}", severity="error")
            return
        if self.course_screen is not None:
            self.course_screen.save_before_quit()
        self.ctx = ctx
        self.course_screen = CourseScreen(pack)
        self.switch_screen(self.course_screen)
        self.notify(f"Switched to {pack.title}.")

    async def action_quit(self) -> None:
        if self.course_screen is not None:
            self.course_screen.save_before_quit()
        # The screen is about to go: a failure to save is printed on the terminal afterwards.
        self.exit(message=self._save_theme())
