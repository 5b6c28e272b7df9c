"""Damaged files are kept aside and reported, what can be recovered survives; old schemas are migrated."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asm_tutor.pack.model import ItemKind
from asm_tutor.progress.model import ExerciseStatus
from asm_tutor.progress.recovery import parse_progress
from asm_tutor.progress.salvage import salvage_toml
from asm_tutor.progress.store import ProgressStore


@dataclass(frozen=True)
class FakePack:
    id: str
    version: str


PACK = FakePack("asm_basics", "1.0.0")


def _aside(store: ProgressStore, label: str) -> list[Path]:
    return sorted(store.path.parent.glob(f"{store.profile}.{label}-*.toml"))


def _seed() -> ProgressStore:
    store = ProgressStore.open("alice")
    store.record_check(PACK, "times_nine", passed=True, draft="fn good() {}\n[looks like a header]\n")
    store.record_check(PACK, "max_u64", passed=False, draft="fn other() {}")
    store.mark_read(PACK, "why_asm")
    store.set_last(PACK, ItemKind.LESSON, "why_asm")
    return store


def test_bad_toml_is_kept_aside_reported_and_good_tables_recovered() -> None:
    store = _seed()
    text = store.path.read_text(encoding="utf-8")
    table = "[packs.asm_basics.exercises.max_u64]\n"
    broken = text.replace(table + 'status = "attempted"', table + "status = attempted ???")
    assert broken != text
    store.path.write_text(broken, encoding="utf-8")

    reopened = ProgressStore.open("alice")
    [aside] = _aside(reopened, "corrupt")
    assert aside.read_text(encoding="utf-8") == broken  # kept byte for byte
    [notice] = reopened.notices
    assert "damaged" in notice and "not valid TOML" in notice and str(aside) in notice and "recovered" in notice
    # The good tables survive, the multi-line draft with a header-looking line included.
    record = reopened.exercise(PACK, "times_nine")
    assert record.passed and record.draft == "fn good() {}\n[looks like a header]\n"
    assert reopened.lesson_read(PACK, "why_asm")
    last = reopened.last_place(PACK)
    assert last is not None and last.id == "why_asm"
    assert "max_u64" not in reopened.pack_progress("asm_basics").exercises
    # The file on disk is whole again: the next start is quiet.
    assert ProgressStore.open("alice").notices == []
    assert len(_aside(reopened, "corrupt")) == 1


def test_wrong_types_keep_every_valid_value() -> None:
    store = _seed()
    text = store.path.read_text(encoding="utf-8")
    text = text.replace("hints = 0", 'hints = "two"', 1)  # in max_u64 (tables are sorted)
    text = text.replace('status = "passed"', "status = 7", 1)  # times_nine: rebuilt from passed_at
    text = text.replace("read = true", 'read = "yes"', 1)
    store.path.write_text(text, encoding="utf-8")

    reopened = ProgressStore.open("alice")
    [aside] = _aside(reopened, "corrupt")
    assert aside.read_text(encoding="utf-8") == text
    [notice] = reopened.notices
    assert "hints: must be a whole number" in notice and str(aside) in notice
    other = reopened.exercise(PACK, "max_u64")
    assert other.hints == 0 and other.checks == 1 and other.draft == "fn other() {}"
    nine = reopened.exercise(PACK, "times_nine")
    assert nine.status is ExerciseStatus.PASSED and nine.checks == 1
    assert not reopened.lesson_read(PACK, "why_asm")  # the one bad value is dropped, not guessed
    assert ProgressStore.open("alice").notices == []


def test_a_table_where_a_record_should_be_is_dropped_alone() -> None:
    store = _seed()
    text = store.path.read_text(encoding="utf-8")
    store.path.write_text(text + "\n[packs.asm_basics.lessons]\nbroken = 5\n", encoding="utf-8")
    reopened = ProgressStore.open("alice")
    assert reopened.exercise(PACK, "times_nine").passed and reopened.lesson_read(PACK, "why_asm")
    assert len(_aside(reopened, "corrupt")) == 1


def test_not_utf8_and_total_garbage() -> None:
    store = _seed()
    store.path.write_bytes(b"\xff\xfe\x00garbage" + store.path.read_bytes())
    reopened = ProgressStore.open("alice")
    assert "not UTF-8" in reopened.notices[0]
    assert reopened.exercise(PACK, "max_u64").checks == 1  # the tables after the bad bytes survive

    reopened.path.write_bytes(b"\x00\x01 this is not toml at all [[[ \n = = =\n")
    again = ProgressStore.open("alice")
    assert "nothing in it could be recovered" in again.notices[0]
    assert again.enabled and not again.has_progress("asm_basics")
    again.mark_read(PACK, "why_asm")
    assert len(_aside(again, "corrupt")) == 2


def test_empty_file_is_empty_progress_not_damage() -> None:
    path = ProgressStore.file_for("alice")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    store = ProgressStore.open("alice")
    assert store.enabled and store.notices == [] and not store.has_progress("asm_basics")


def test_salvage_joins_pieces_split_by_a_header_inside_a_string() -> None:
    text = 'a = 1\n[t]\nd = """\n[not.a.header]\n"""\n[u]\nx = = broken\n[v]\ny = 2\n'
    assert salvage_toml(text) == {"a": 1, "t": {"d": "[not.a.header]\n"}, "v": {"y": 2}}


# --------------------------------------------------------------------------- schema migration

V1_FILE = """\
# asm-tutor progress, schema 1 (before packs had ids)
schema = 1
last = "max_u64"
lessons_read = ["why_asm", "templates"]

[exercises.times_nine]
solved = true
attempts = 3
hints = [1, 2]
solution_viewed = false
draft = '''
pub fn times_nine(x: u64) -> u64 {
    let out: u64;
    unsafe { core::arch::asm!("lea {o}, [{x} + {x}*8]", x = in(reg) x, o = out(reg) out) }
    out
}
'''
last_attempt = "2026-01-05T10:00:00+00:00"
solved_at = "2026-01-05T10:00:00+00:00"

[exercises.max_u64]
solved = false
attempts = 1
hints = []
draft = "fn max_u64() {}"
last_attempt = "2026-01-06T09:30:00+00:00"
"""


def test_schema_1_file_is_migrated_to_schema_2() -> None:
    path = ProgressStore.file_for("alice")
    path.parent.mkdir(parents=True)
    path.write_text(V1_FILE, encoding="utf-8")

    store = ProgressStore.open("alice")
    [notice] = store.notices
    assert "upgraded from schema 1 to 2" in notice
    [backup] = _aside(store, "schema1")
    assert backup.read_text(encoding="utf-8") == V1_FILE and str(backup) in notice
    assert _aside(store, "corrupt") == []

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == 2 and "exercises" not in data
    nine = store.exercise("asm_basics", "times_nine")
    assert nine.status is ExerciseStatus.PASSED and nine.checks == 3 and nine.hints == 2
    assert nine.passed_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert nine.draft is not None and 'asm!("lea {o}, [{x} + {x}*8]"' in nine.draft
    other = store.exercise("asm_basics", "max_u64")
    assert other.status is ExerciseStatus.ATTEMPTED and other.hints == 0 and other.draft == "fn max_u64() {}"
    assert store.lesson_read("asm_basics", "why_asm") and store.lesson_read("asm_basics", "templates")
    last = store.last_place("asm_basics")
    assert last is not None and (last.kind, last.id) == (ItemKind.EXERCISE, "max_u64")
    # Upgraded once: the next start has nothing to say, and new progress lands on top.
    again = ProgressStore.open("alice")
    assert again.notices == []
    again.record_check("asm_basics", "max_u64", passed=True)
    assert ProgressStore.open("alice").exercise("asm_basics", "max_u64").checks == 2


def test_schema_1_without_the_schema_key_is_recognised() -> None:
    loaded = parse_progress(V1_FILE.replace("schema = 1\n", "").encode())
    assert loaded.from_schema == 1 and loaded.damage is None and loaded.problems == []
    assert loaded.progress.packs["asm_basics"].exercises["times_nine"].passed


def test_a_newer_schema_is_left_untouched() -> None:
    path = ProgressStore.file_for("alice")
    path.parent.mkdir(parents=True)
    future = "schema = 3\n[learners.alice]\nstuff = true\n"
    path.write_text(future, encoding="utf-8")
    store = ProgressStore.open("alice")
    assert not store.enabled and "newer asm-tutor (schema 3)" in (store.disabled_reason or "")
    store.record_check(PACK, "times_nine", passed=True)
    assert path.read_text(encoding="utf-8") == future
    assert _aside(store, "corrupt") == []
