"""The command palette (ctrl+p): jump to any lesson or exercise, reset the exercise, switch pack.

Themes come from Textual's own "Change theme" system command, which the app keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from asm_tutor.pack.model import ARCHES, ItemKind

if TYPE_CHECKING:
    from asm_tutor.tui.app import TutorApp


class CourseCommands(Provider):
    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.tutor.course_screen
        if screen is None:
            return []
        found: list[tuple[str, Callable[[], object], str]] = []
        for item in screen.pack.course:
            kind = "Lesson" if item.kind is ItemKind.LESSON else "Exercise"
            title = f"{kind}: {screen.pack.item_title(item)}"
            found.append((title, partial(screen.open_item, item), f"Open the {kind.lower()} {item.id}"))
        if screen.on_exercise:
            help_text = "Replace your draft with the starter (asks first)"
            found.append(("Reset exercise to starter code", screen.action_reset, help_text))
            found.append(("Trace the first failing case", screen.exercise_view.trace_case,
                          "Step through the last check's first failing case, register by register"))
        found.append(("Home", screen.show_home, "The start page"))
        toolchain = self.tutor.toolchain
        for arch in ARCHES:
            if toolchain is not None and arch != toolchain.arch:
                native = arch == toolchain.host.split("-", 1)[0]
                found.append((f"Practise {arch} with this profile",
                              partial(self.tutor.choose_arch, None if native else arch),
                              "Check exercises for that architecture (another one under emulation, if its "
                              "toolchain is installed: see `asm-tutor doctor`)"))
        for info in self.tutor.switchable_packs():
            if info.id != screen.pack.id:
                found.append((f"Switch pack: {info.title}", partial(self.tutor.switch_pack, info), f"{info.id} {info.version}"))
        return found

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
