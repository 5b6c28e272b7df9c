"""Moving progress between machines: writing an export, and reading and merging one in.

An export is an ordinary progress file holding every pack of one profile, so
another profile's own file can be imported just the same. Importing merges with
`merge_progress`: better records win and nothing already in the profile is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from asm_tutor.atomic import NotARegularFile, write_user_file
from asm_tutor.errors import UserError
from asm_tutor.progress.file_format import SCHEMA, dump_progress
from asm_tutor.progress.migrate import NewerSchemaError
from asm_tutor.progress.model import PackProgress, Progress, merge_progress
from asm_tutor.progress.recovery import LoadedFile, parse_progress


class ProgressError(UserError):
    """A progress operation the user asked for cannot be done; the message says why."""


@dataclass
class ImportSummary:
    source: Path
    added: int = 0  # exercise and lesson records new to this profile
    updated: int = 0  # records that changed when merged
    unchanged: int = 0
    claimed_passes: int = 0  # passes the file claims, kept as imported (not checked here)
    problems: list[str] = field(default_factory=list)  # values in the file that were skipped
    from_schema: int = SCHEMA


def write_export(path: Path, progress: Progress) -> None:
    """`progress` written to `path` as a progress file others may read; ProgressError if it cannot be."""
    try:
        write_user_file(path, dump_progress(progress), replace=True)
    except NotARegularFile as err:
        raise ProgressError(f"{err.strerror}; export to a regular file.") from err
    except OSError as err:
        raise ProgressError(f"Cannot write {path} ({err.strerror or err}); choose a file in a folder you can write to.") from err


def read_import(path: Path) -> LoadedFile:
    """What a file to import holds; ProgressError if it cannot be read or is no usable progress file.

    A file with values of the wrong type is still used (they are listed in
    `problems`); one that is not valid TOML is refused rather than half imported.
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ProgressError(f"Cannot read {path} ({err.strerror or err}); check the file name.") from err
    try:
        loaded = parse_progress(raw)
    except NewerSchemaError as err:
        raise ProgressError(
            f"{path} was written by a newer asm-tutor (schema {err.found}); update asm-tutor to import it."
        ) from err
    if loaded.damage:
        raise ProgressError(f"{path} is not a usable progress file ({loaded.damage}); nothing was imported.")
    return loaded


def merge_in(state: Progress, incoming: Progress, summary: ImportSummary) -> None:
    """`incoming` merged into `state`, each incoming record counted in `summary` as added, updated or unchanged.

    A pass the file claims is marked imported: this tutor did not see it checked (a hand-edited
    `status = "passed"` looks the same), and says so wherever progress is shown."""
    incoming = incoming.copy()
    for pack in incoming.packs.values():
        for record in pack.exercises.values():
            record.imported_pass = record.passed
            summary.claimed_passes += record.passed
    merged = merge_progress(state, incoming)
    for pack_id, pack in incoming.packs.items():
        old = state.packs.get(pack_id) or PackProgress(id=pack_id)
        new = merged.packs[pack_id]
        for kind in ("exercises", "lessons"):
            old_records, new_records = getattr(old, kind), getattr(new, kind)
            for item_id in getattr(pack, kind):
                if item_id not in old_records:
                    summary.added += 1
                elif old_records[item_id] != new_records[item_id]:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
    state.packs = merged.packs
