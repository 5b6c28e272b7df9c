"""Never lose progress: interrupted writes, killed processes, two tutors at once, unwritable folders."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from asm_tutor import atomic
from asm_tutor.progress.recovery import parse_progress
from asm_tutor.progress.store import ProgressStore


@dataclass(frozen=True)
class FakePack:
    id: str
    version: str


PACK = FakePack("asm_basics", "1.0.0")


class Crash(BaseException):
    """Stands in for the process dying: nothing in the store catches it."""


def _crash(*args: object, **kwargs: object) -> None:
    raise Crash


def _crash_on_first_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.os, "fsync", _crash)


def _crash_before_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.os, "replace", _crash)


def _crash_after_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "fsync_dir", _crash)


def _crash_on_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fd: int, mode: str) -> None:
            self.handle = real_fdopen(fd, mode)

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> None:
            self.handle.write(data[: len(data) // 2])  # half the bytes reach the temp file
            raise Crash

    monkeypatch.setattr(atomic.os, "fdopen", HalfWriter)


CRASH_POINTS = {
    "mid-write of the temp file": (_crash_on_write, "old"),
    "temp written, before its fsync": (_crash_on_first_fsync, "old"),
    "temp synced, before os.replace": (_crash_before_replace, "old"),
    "after os.replace, before the folder fsync": (_crash_after_replace, "new"),
}


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_interrupted_write_leaves_the_old_or_the_new_file(point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    arrange, expected = CRASH_POINTS[point]
    store = ProgressStore.open("alice")
    store.record_check(PACK, "times_nine", passed=False, draft="old draft")
    old_bytes = store.path.read_bytes()

    with monkeypatch.context() as patch:
        arrange(patch)
        with pytest.raises(Crash):
            store.record_check(PACK, "times_nine", passed=True, draft="new draft " * 1000)

    loaded = parse_progress(store.path.read_bytes())
    assert loaded.damage is None and loaded.problems == []
    draft = loaded.progress.packs["asm_basics"].exercises["times_nine"].draft
    if expected == "old":
        assert store.path.read_bytes() == old_bytes and draft == "old draft"
    else:
        assert draft == "new draft " * 1000
    reopened = ProgressStore.open("alice")
    assert reopened.enabled and reopened.notices == []
    reopened.record_check(PACK, "times_nine", passed=True)  # and the lock was released
    assert [p.name for p in store.path.parent.glob("*.tmp")] == []


def test_a_crashed_writers_temp_file_is_cleaned_up_under_the_lock() -> None:
    store = ProgressStore.open("alice")
    store.mark_read(PACK, "why_asm")
    leftover = store.path.parent / f".{store.path.name}.abc123de.tmp"
    leftover.write_text("half a file", encoding="utf-8")
    other_profiles = [
        store.path.parent / ".bob.toml.abc123de.tmp",
        store.path.parent / ".alice.toml.x.toml.abc123de.tmp",  # profile "alice.toml.x"
    ]
    for other in other_profiles:
        other.write_text("another profile's writer may be running", encoding="utf-8")
    store.mark_read(PACK, "templates")
    assert not leftover.exists() and all(other.exists() for other in other_profiles)


def test_failed_write_turns_saving_off_and_keeps_the_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    store = ProgressStore.open("alice")
    store.record_check(PACK, "times_nine", passed=False, draft="on disk")
    old_bytes = store.path.read_bytes()

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", no_space)
    record = store.record_check(PACK, "times_nine", passed=True, draft="in memory")
    assert record.passed  # the session goes on
    assert not store.enabled and "No space left on device" in (store.disabled_reason or "")
    assert any("not saved" in notice for notice in store.notices)
    assert store.draft(PACK, "times_nine") == "in memory"
    monkeypatch.undo()
    store.save_draft(PACK, "times_nine", "still in memory only")  # a disabled store writes nothing
    assert store.path.read_bytes() == old_bytes
    assert list(store.path.parent.glob("*.tmp")) == []


CHILD_WRITER = textwrap.dedent(
    """
    import sys
    from asm_tutor.progress.model import ExerciseRecord
    from asm_tutor.progress.store import ProgressStore

    store = ProgressStore.open("alice")
    assert store.enabled, store.disabled_reason
    i = store.exercise("p", "x").checks
    while True:
        i += 1
        def apply(state, i=i):
            record = state.pack("p").exercises.setdefault("x", ExerciseRecord())
            record.checks = i
            record.draft = f"<{i}>" * 20000  # each version is ~100 KB, so a kill lands mid-write
        store.update(apply)
        if i % 3 == 0:
            print("wrote", i, flush=True)
    """
)


def test_killing_a_writer_at_random_moments_never_breaks_the_file(user_dirs: Path) -> None:
    rng = random.Random(1234)
    path = ProgressStore.file_for("alice")
    seen = set()
    for _round in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD_WRITER], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("wrote"), child.stderr.read() if child.stderr else ""
            time.sleep(rng.uniform(0, 0.05))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        loaded = parse_progress(path.read_bytes())
        assert loaded.damage is None and loaded.problems == []
        record = loaded.progress.packs["p"].exercises["x"]
        assert record.draft == f"<{record.checks}>" * 20000  # one whole version, not a mix
        seen.add(record.checks)
    store = ProgressStore.open("alice")
    assert store.enabled and store.notices == []
    assert len(seen) > 1


CHILD_COUNTER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from asm_tutor.progress.store import ProgressStore

    name, go = sys.argv[1], Path(sys.argv[2])
    store = ProgressStore.open("shared-lab")
    assert store.enabled, store.disabled_reason
    while not go.exists():
        time.sleep(0.001)
    for n in range(200):
        store.record_check("asm_basics", "shared", passed=False, draft=f"{name} {n}")
        store.reveal_hint("asm_basics", f"only_{name}", n + 1)
    assert store.enabled, store.disabled_reason
    print("done", flush=True)
    """
)


def test_two_processes_doing_200_updates_each_lose_none(user_dirs: Path) -> None:
    go = user_dirs / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD_COUNTER, name, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("one", "two")
    ]
    time.sleep(0.5)  # let both import and open before either starts
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        assert out.strip() == "done"
    store = ProgressStore.open("shared-lab")
    assert store.notices == []
    assert store.exercise("asm_basics", "shared").checks == 400
    assert store.exercise("asm_basics", "only_one").hints == 200
    assert store.exercise("asm_basics", "only_two").hints == 200


def test_data_folder_that_cannot_be_written_gives_a_disabled_store(user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, so chmod cannot make a folder unwritable: a file where the folder should be can.
    blocker = user_dirs / "not-a-folder"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    store = ProgressStore.open("alice")
    assert not store.enabled
    reason = store.disabled_reason or ""
    assert reason.startswith("Progress is off:") and str(blocker) in reason and "XDG_DATA_HOME" in reason
    assert store.notices == [reason]
    record = store.record_check(PACK, "times_nine", passed=True, draft="kept for the session")
    assert record.passed and store.draft(PACK, "times_nine") == "kept for the session"
    store.mark_read(PACK, "why_asm")
    store.set_last(PACK, "lesson", "why_asm")
    assert store.reset(PACK) == 2
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


def test_progress_path_that_is_a_folder_disables_instead_of_crashing() -> None:
    path = ProgressStore.file_for("alice")
    path.mkdir(parents=True)
    store = ProgressStore.open("alice")
    assert not store.enabled and "cannot be read" in (store.disabled_reason or "")
    store.mark_read(PACK, "why_asm")
    assert path.is_dir()
