"""Which architectures `pack check` checks, with which toolchain, and why not the others.

The host's own always; another one the pack has code for when this machine has a toolchain
for it (a cross build run under emulation, asm_tutor.targets); else its rows are not
checkable, with the commands that would install one. `only` asks for one architecture alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asm_tutor.authoring.check_report import Outcome
from asm_tutor.pack.lesson_text import parse_blocks
from asm_tutor.pack.model import ARCHES, Pack
from asm_tutor.targets import status
from asm_tutor.toolchain import Toolchain, ToolchainError


@dataclass
class ArchPlan:
    toolchain: Toolchain  # the first one: the host's, or `only`'s (lesson blocks for no architecture)
    toolchains: dict[str, Toolchain] = field(default_factory=dict)  # every architecture checked
    missing: dict[str, str] = field(default_factory=dict)  # architecture → why not, and how to get it

    def unchecked(self, arch: str) -> tuple[Outcome, str]:
        """Code for an architecture without a toolchain here: not checkable (and how to get one),
        or skipped when only another architecture was asked for."""
        if arch in self.missing:
            return Outcome.NOT_CHECKABLE, self.missing[arch]
        return Outcome.SKIPPED, f"for {arch}; only {', '.join(self.toolchains)} was asked for (--arch)"

    def cross(self) -> dict[str, str]:
        """Each architecture built with a cross toolchain → that toolchain, said in words."""
        return {arch: found.describe() for arch, found in self.toolchains.items() if found.cross}


def plan(pack: Pack, toolchain: Toolchain, only: str | None) -> ArchPlan:
    found = ArchPlan(toolchain, {toolchain.arch: toolchain})
    used = _arches_of(pack) if only is None else set()
    for arch in ARCHES:
        if arch == toolchain.arch or arch not in used:
            continue
        try:
            other = status(arch)
        except ToolchainError as err:
            found.missing[arch] = str(err)
            continue
        if other.toolchain is None:
            found.missing[arch] = other.problem()
        else:
            found.toolchains[arch] = other.toolchain
    return found


def _arches_of(pack: Pack) -> set[str]:
    """The architectures the pack has code for: its exercises' and its lesson blocks'."""
    found = {arch for exercise in pack.exercises.values() for arch in exercise.arch}
    return found | {b.arch for lesson in pack.lessons.values() for b in parse_blocks(lesson.text(), "") if b.arch}
