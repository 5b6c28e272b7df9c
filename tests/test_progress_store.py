"""The progress store on real files: resume, drafts, records kept across pack versions, merging."""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from asm_tutor.errors import UserError
from asm_tutor.pack.model import ItemKind
from asm_tutor.progress.file_format import dump_progress, progress_from_toml
from asm_tutor.progress.model import (
    ExerciseRecord,
    ExerciseStatus,
    Progress,
    merge_exercise,
)
from asm_tutor.progress.profile import resolve_profile, sanitise
from asm_tutor.progress.recovery import parse_progress
from asm_tutor.progress.store import ProgressStore
from asm_tutor.progress.transfer import ProgressError


@dataclass(frozen=True)
class FakePack:
    id: str
    version: str


PACK = FakePack("asm_basics", "1.0.0")


def test_file_lives_in_the_xdg_data_folder_per_profile(user_dirs: Path) -> None:
    store = ProgressStore.open("alice")
    assert store.enabled and store.notices == []
    store.mark_read(PACK, "why_asm")
    assert store.path == user_dirs / "data" / "asm-tutor" / "progress" / "alice.toml"
    assert store.path.is_file()
    assert ProgressStore.file_for("alice") == store.path
    data = tomllib.loads(store.path.read_text(encoding="utf-8"))
    assert data["schema"] == 2
    assert data["packs"]["asm_basics"]["lessons"]["why_asm"]["read"] is True
    assert data["packs"]["asm_basics"]["version"] == "1.0.0"


def test_resume_after_restart_restores_place_and_draft() -> None:
    draft = "pub fn times_nine(x: u64) -> u64 {\n    unsafe { core::arch::asm!(\"lea {0}, [{0} + {0}*8]\", inout(reg) x) }\n}\n"
    store = ProgressStore.open("alice")
    store.set_last(PACK, ItemKind.EXERCISE, "times_nine")
    store.reveal_hint(PACK, "times_nine", 1)
    store.reveal_hint(PACK, "times_nine", 2)
    store.record_check(PACK, "times_nine", passed=False, draft="fn nope() {}")
    store.save_draft(PACK, "times_nine", draft)
    store.mark_read(PACK, "operands")
    del store

    again = ProgressStore.open("alice")  # a new process would do exactly this: read from disk
    assert again.notices == []
    last = again.last_place("asm_basics")
    assert last is not None and (last.kind, last.id) == (ItemKind.EXERCISE, "times_nine")
    assert again.draft(PACK, "times_nine") == draft
    record = again.exercise(PACK, "times_nine")
    assert record.status is ExerciseStatus.ATTEMPTED
    assert record.checks == 1 and record.hints == 2 and not record.solution_viewed
    assert record.started is not None and record.first_attempt is not None and record.passed_at is None
    assert again.lesson_read(PACK, "operands") and not again.lesson_read(PACK, "options")


def test_check_semantics_passed_is_kept_and_time_to_pass() -> None:
    store = ProgressStore.open("alice")
    first = store.record_check(PACK, "max_u64", passed=False, draft="a")
    assert first.status is ExerciseStatus.ATTEMPTED and first.checks == 1
    passed = store.record_check(PACK, "max_u64", passed=True, draft="b")
    assert passed.status is ExerciseStatus.PASSED and passed.passed_at is not None
    later = store.record_check(PACK, "max_u64", passed=False, draft="c")
    # A later failing check (the learner experimenting) does not unpass it, nor move the pass time.
    assert later.status is ExerciseStatus.PASSED and later.checks == 3
    assert later.passed_at == passed.passed_at and later.draft == "c"
    assert later.time_to_pass is not None and later.time_to_pass >= timedelta(0)
    store.view_solution(PACK, "max_u64")
    assert ProgressStore.open("alice").exercise(PACK, "max_u64").solution_viewed


def test_reveal_hint_never_lowers_the_level() -> None:
    store = ProgressStore.open("alice")
    assert store.reveal_hint(PACK, "cpu_vendor", 3) == 3
    assert store.reveal_hint(PACK, "cpu_vendor", 1) == 3


NASTY_DRAFTS = [
    "triple single ''' inside",
    'triple double """ inside and at the end """',
    "windows\r\nline\r\nendings\r\n",
    "lone\rcarriage return",
    "nul \x00 bell \x07 escape \x1b[31mred\x1b[0m delete \x7f",
    "backslash at end \\",
    "\\u0041 is not an escape here, nor \\n",
    "unicode: ünïcödé → 🦀 \u2028 line separator \u2029 \ufeff bom",
    "[packs.asm_basics.exercises.times_nine]\nstatus = \"passed\"\n# a header-looking line",
    "\n\n  leading newlines and trailing spaces   \n",
    "",
    "'''\n\"\"\"\n'''\"\"\"'''",
    "\t tabs \t and \x0b vertical \x0c form feed",
]


@pytest.mark.parametrize("draft", NASTY_DRAFTS)
def test_any_draft_round_trips_through_the_file(draft: str) -> None:
    ProgressStore.open("alice").save_draft(PACK, "times_nine", draft)
    assert ProgressStore.open("alice").draft(PACK, "times_nine") == draft


def test_random_drafts_round_trip() -> None:
    rng = random.Random(5)
    alphabet = [chr(c) for c in range(0, 0x250)] + ["'''", '"""', "\r\n", "\\", "🦀", "\u2028"]
    progress = Progress()
    drafts = {}
    for n in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        drafts[f"ex{n}"] = text
        progress.pack("p").exercises[f"ex{n}"] = ExerciseRecord(draft=text)
    loaded = parse_progress(dump_progress(progress))
    assert loaded.damage is None and loaded.problems == []
    assert {k: v.draft for k, v in loaded.progress.packs["p"].exercises.items()} == drafts


def test_lone_surrogate_in_a_draft_is_saved_not_fatal() -> None:
    store = ProgressStore.open("alice")
    store.save_draft(PACK, "times_nine", "bad \ud800 paste")
    saved = ProgressStore.open("alice").draft(PACK, "times_nine")
    assert saved is not None and saved.startswith("bad ") and saved.endswith(" paste") and "\ud800" not in saved


def test_new_pack_version_keeps_records_of_dropped_exercises() -> None:
    store = ProgressStore.open("alice")
    store.record_check(FakePack("asm_basics", "1.0.0"), "old_name", passed=True, draft="kept")
    store.record_check(FakePack("asm_basics", "2.0.0"), "new_name", passed=False)
    progress = ProgressStore.open("alice").pack_progress("asm_basics")
    assert progress.version == "2.0.0"
    assert set(progress.exercises) == {"old_name", "new_name"}
    assert progress.exercises["old_name"].passed and progress.exercises["old_name"].draft == "kept"


def test_packs_are_kept_apart() -> None:
    store = ProgressStore.open("alice")
    store.record_check(FakePack("one", "1"), "x", passed=True)
    store.record_check(FakePack("two", "1"), "x", passed=False)
    assert store.exercise("one", "x").passed and not store.exercise("two", "x").passed
    assert not store.has_progress("three")


def test_reset_one_exercise_or_a_whole_pack() -> None:
    store = ProgressStore.open("alice")
    store.record_check(PACK, "a", passed=True, draft="A")
    store.record_check(PACK, "b", passed=False, draft="B")
    store.mark_read(PACK, "lesson")
    assert store.reset(PACK, "b") == 1
    assert store.reset(PACK, "missing") == 0
    progress = ProgressStore.open("alice").pack_progress("asm_basics")
    assert set(progress.exercises) == {"a"} and progress.lesson_read("lesson")
    assert progress.last is None  # it pointed at "b", which is gone
    assert store.reset(PACK) == 2
    assert not ProgressStore.open("alice").has_progress("asm_basics")


def test_unchanged_update_does_not_rewrite_the_file() -> None:
    store = ProgressStore.open("alice")
    store.save_draft(PACK, "a", "same")
    before = store.path.stat().st_mtime_ns, store.path.read_bytes()
    store.save_draft(PACK, "a", "same")
    assert (store.path.stat().st_mtime_ns, store.path.read_bytes()) == before


def test_two_stores_in_one_process_see_each_other() -> None:
    one = ProgressStore.open("alice")
    two = ProgressStore.open("alice")
    one.record_check(PACK, "a", passed=False)
    two.record_check(PACK, "a", passed=False)  # re-reads under the lock, so it counts on top
    one.reload()
    assert one.exercise(PACK, "a").checks == 2


# --------------------------------------------------------------------------- profiles


def test_profile_from_flag_env_or_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASM_TUTOR_PROFILE", "lab-3")
    assert resolve_profile(None) == "lab-3"
    assert resolve_profile("bob") == "bob"
    monkeypatch.delenv("ASM_TUTOR_PROFILE")
    monkeypatch.setenv("LOGNAME", "jane doe/../x")  # getpass reads LOGNAME first
    assert resolve_profile(None) == "jane_doe_.._x"
    assert ProgressStore.open().profile == "jane_doe_.._x"


@pytest.mark.parametrize("bad", ["", ".hidden", "a/b", "../up", "with space", "x" * 65, "name.lock", "é"])
def test_bad_profile_names_are_one_sentence(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="not usable"):
        resolve_profile(bad)
    monkeypatch.setenv("ASM_TUTOR_PROFILE", bad or "a b")
    with pytest.raises(UserError, match="ASM_TUTOR_PROFILE"):
        resolve_profile(None)


def test_sanitise_never_returns_an_unsafe_name() -> None:
    for name in ["", "...", "/", "ab\x00c", "ü", ".x"]:
        clean = sanitise(name)
        assert clean and not clean.startswith(".") and "/" not in clean and "\x00" not in clean
        assert resolve_profile(clean) == clean


# --------------------------------------------------------------------------- merge, export, import


def t(minute: int) -> datetime:
    return datetime(2026, 1, 1, 12, minute, tzinfo=UTC)


def test_merge_rules() -> None:
    mine = ExerciseRecord(
        status=ExerciseStatus.ATTEMPTED, checks=5, started=t(5), first_attempt=t(6), last_attempt=t(30),
        hints=1, draft="mine, newer", draft_at=t(30),
    )  # fmt: skip
    theirs = ExerciseRecord(
        status=ExerciseStatus.PASSED, checks=2, started=t(1), first_attempt=t(2), last_attempt=t(10),
        passed_at=t(10), hints=3, solution_viewed=True, draft="theirs, older", draft_at=t(10),
    )  # fmt: skip
    for merged in (merge_exercise(mine, theirs), merge_exercise(theirs, mine)):
        assert merged.status is ExerciseStatus.PASSED
        assert merged.checks == 5 and merged.hints == 3 and merged.solution_viewed
        assert merged.started == t(1) and merged.first_attempt == t(2) and merged.last_attempt == t(30)
        assert merged.passed_at == t(10)
        assert merged.draft == "mine, newer" and merged.draft_at == t(30)


def test_export_then_import_into_another_profile_merges(user_dirs: Path) -> None:
    alice = ProgressStore.open("alice")
    alice.record_check(PACK, "times_nine", passed=True, draft="alice's pass")
    alice.mark_read(PACK, "why_asm")
    alice.record_check(FakePack("other_pack", "3"), "x", passed=False)
    exported = alice.export(user_dirs / "alice-export.toml")
    assert tomllib.loads(exported.read_text(encoding="utf-8"))["profile"] == "alice"

    bob = ProgressStore.open("bob")
    bob.record_check(PACK, "max_u64", passed=False, draft="bob's")
    with pytest.raises(ProgressError, match="progress of profile 'alice', not of 'bob'.*--from-other-profile"):
        bob.import_(exported)  # never merged into another profile by accident
    assert not ProgressStore.open("bob").has_progress("other_pack")
    summary = bob.import_(exported, other_profile=True)
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.problems == [] and summary.claimed_passes == 1
    again = ProgressStore.open("bob")
    assert again.exercise(PACK, "times_nine").passed and again.draft(PACK, "times_nine") == "alice's pass"
    # A pass the file claims is shown as imported until a check here passes.
    assert again.exercise(PACK, "times_nine").imported_pass
    assert again.exercise(PACK, "max_u64").draft == "bob's"  # nothing of bob's is lost
    assert again.lesson_read(PACK, "why_asm") and again.has_progress("other_pack")
    # Importing the same file twice changes nothing (max, not sum).
    twice = again.import_(exported, other_profile=True)
    assert (twice.added, twice.updated, twice.unchanged) == (0, 0, 3)
    assert ProgressStore.open("bob").exercise(PACK, "times_nine").checks == 1


def test_import_refuses_unusable_files_with_a_sentence(user_dirs: Path) -> None:
    store = ProgressStore.open("alice")
    with pytest.raises(ProgressError, match="Cannot read"):
        store.import_(user_dirs / "missing.toml")
    broken = user_dirs / "broken.toml"
    broken.write_text("schema = 2\n[packs\n", encoding="utf-8")
    with pytest.raises(ProgressError, match="not a usable progress file"):
        store.import_(broken)
    newer = user_dirs / "newer.toml"
    newer.write_text("schema = 99\n", encoding="utf-8")
    with pytest.raises(ProgressError, match="newer asm-tutor"):
        store.import_(newer)
    assert not store.path.exists()


def test_export_to_a_missing_folder_is_a_sentence(user_dirs: Path) -> None:
    with pytest.raises(ProgressError, match="Cannot write"):
        ProgressStore.open("alice").export(user_dirs / "no" / "such" / "dir" / "x.toml")


def test_model_round_trip_is_exact() -> None:
    store = ProgressStore.open("alice")
    store.record_check(PACK, "a", passed=True, draft="x")
    store.save_draft(PACK, "a", "x\ny", cursor=(1, 1))
    store.set_last(PACK, "lesson", "why_asm")
    store.mark_read(PACK, "why_asm")
    store.set_lesson_position(PACK, "why_asm", 0.25)
    state = store.snapshot()
    reparsed, problems = progress_from_toml(tomllib.loads(dump_progress(state).decode()))
    assert problems == [] and reparsed == state


def test_a_bad_cursor_or_reading_position_is_dropped_and_said() -> None:
    text = dump_progress(ProgressStore.open("bob").snapshot()).decode()
    text += ('[packs.p.exercises.a]\nstatus = "attempted"\ncursor = [1, -2]\n'
             '[packs.p.lessons.l]\nread = false\nposition = 3\n')
    progress, problems = progress_from_toml(tomllib.loads(text))
    assert progress.packs["p"].exercises["a"].cursor is None and progress.packs["p"].lessons["l"].position is None
    assert any("cursor" in p for p in problems) and any("position" in p for p in problems)


def test_the_passing_code_is_kept_beside_a_later_broken_draft(user_dirs: Path) -> None:
    store = ProgressStore.open("alice")
    store.record_check(PACK, "times_nine", passed=True, draft="the pass")
    store.record_check(PACK, "times_nine", passed=False, draft="broken later")
    record = ProgressStore.open("alice").exercise(PACK, "times_nine")
    assert record.passed and record.draft == "broken later"
    assert record.passed_code == "the pass" and record.passed_code_at is not None
    exported = store.export(user_dirs / "export.toml")
    table = tomllib.loads(exported.read_text(encoding="utf-8"))["packs"][PACK.id]["exercises"]["times_nine"]
    assert table["passed_code"] == "the pass" and table["draft"] == "broken later"


def test_importing_ones_own_export_keeps_a_pass_checked_here(user_dirs: Path) -> None:
    store = ProgressStore.open("alice")
    store.record_check(PACK, "times_nine", passed=True, draft="the pass")
    exported = store.export(user_dirs / "export.toml")
    store.import_(exported)  # same profile: no flag needed
    assert not ProgressStore.open("alice").exercise(PACK, "times_nine").imported_pass
