"""What a command runs against: the chosen pack and learner profile, loaded once on demand."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_tutor.pack.model import Pack
    from asm_tutor.progress.store import ProgressStore


@dataclass(frozen=True)
class Context:
    pack_arg: str | None
    profile: str | None

    @functools.cached_property
    def pack_dir(self) -> Path:
        from asm_tutor.pack.locate import resolve_pack_dir

        return resolve_pack_dir(self.pack_arg)

    @functools.cached_property
    def pack(self) -> Pack:
        from asm_tutor.pack.loader import load_pack
        from asm_tutor.pack.registry import require_own_id

        pack = load_pack(self.pack_dir)
        require_own_id(pack)  # never another pack's progress: refused before anything is read or saved
        return pack

    @functools.cached_property
    def progress(self) -> ProgressStore:
        """The chosen profile's progress; a disabled store (not an error) if its folder cannot be written."""
        from asm_tutor.progress.store import ProgressStore

        return ProgressStore.open(self.profile)
