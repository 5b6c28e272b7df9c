"""`asm-tutor watch EXERCISE [FILE]`: a check on start and on every save, hints and quit on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asm_tutor.grader.engine import host_arch
from asm_tutor.paths import builtin_pack_dir

pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the sources are x86_64 asm")
SOLUTION = builtin_pack_dir() / "exercises" / "times_nine" / "x86_64" / "solution.rs"


class Watcher:
    """`asm-tutor watch` in a process of its own, its output collected as it comes (see `watch`)."""

    def __init__(self, *args: str, cwd: Path, columns: int = 120) -> None:
        env = {**os.environ, "COLUMNS": str(columns)}
        self.proc = subprocess.Popen([sys.executable, "-m", "asm_tutor", "watch", *args], cwd=cwd, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output += line

    def wait_for(self, text: str, count: int = 1, limit: float = 120.0) -> None:
        deadline = time.monotonic() + limit
        while self.output.count(text) < count:
            assert self.proc.poll() is None, f"watch ended early:\n{self.output}"
            assert time.monotonic() < deadline, f"never saw {text!r} {count} times:\n{self.output}"
            time.sleep(0.05)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def quit(self) -> int:
        self.send("q")
        return self.proc.wait(timeout=30)


@pytest.fixture
def watch() -> Iterator[Callable[..., Watcher]]:
    """Start watchers; any still running when the test ends (it failed) is killed, not left behind."""
    started: list[Watcher] = []

    def start(*args: str, cwd: Path, columns: int = 120) -> Watcher:
        started.append(Watcher(*args, cwd=cwd, columns=columns))
        return started[-1]

    yield start
    for watcher in started:
        if watcher.proc.poll() is None:
            watcher.proc.kill()
            watcher.proc.wait()


def test_watch_checks_on_start_and_on_every_save_and_quits_on_q(tmp_path: Path, watch: Callable[..., Watcher]) -> None:
    mine = tmp_path / "mine.rs"
    mine.write_text(SOLUTION.read_text().replace("[{x} + {x}*8]", "[{x} + {x}*2]"), encoding="utf-8")  # x * 3
    watcher = watch("times_nine", str(mine), "--no-save", cwd=tmp_path)
    watcher.wait_for("save it to check again")
    assert "— fail" in watcher.output
    mine.write_text(SOLUTION.read_text(), encoding="utf-8")
    watcher.wait_for("— pass")
    watcher.send("h")
    watcher.wait_for("Hint 1/")
    assert watcher.quit() == 0  # the last check passed


def test_watch_without_a_file_writes_the_starter_to_the_current_folder(tmp_path: Path,
                                                                      watch: Callable[..., Watcher]) -> None:
    watcher = watch("times_nine", cwd=tmp_path)
    watcher.wait_for("— fail")
    written = tmp_path / "times_nine.rs"
    assert "wrote" in watcher.output and str(written) in watcher.output
    assert written.read_text(encoding="utf-8") == (builtin_pack_dir() / "exercises" / "times_nine" /
                                                    "starter.rs").read_text(encoding="utf-8")
    assert watcher.quit() == 1  # the starter does not pass


def test_an_untouched_starter_gets_a_short_report_wrapped_at_words(tmp_path: Path,
                                                                   watch: Callable[..., Watcher]) -> None:
    watcher = watch("max_u64", "--no-save", cwd=tmp_path, columns=80)
    watcher.wait_for("quits.")  # the last words, on a line of their own at 80 columns
    report = watcher.output
    assert "still the starter" in report and "First: " in report and "┃" not in report, "no table"
    lines = report.splitlines()
    assert len(lines) <= 16, report  # the tables made ~50; a long temporary path takes a few
    assert max(len(line) for line in lines) <= 80, report
    assert not any(line.startswith(("ve ", "ng ")) for line in lines), "wrapped at words, not inside them"
    assert watcher.quit() == 1
