"""What a process keeps between calls, all under one rule: an answer holds while what it was
made from is unchanged.

A long-running tutor asks the same questions again and again (which rustc is this? is the
pack as it was? where is the runtime's rlib?). Each answer is kept with a *fingerprint*: a
function that describes what the answer depends on (the stamps of rustc's files, of the
pack's files, whether a cached file is still there). Asked again, the fingerprint is taken
anew and the answer is used only if it is the same. (Answers kept on disk across
processes are memo.py's; this is the in-process half.)

Every such cache is a `Kept`, so all of them can be forgotten at once: `forget_all()`,
which a test uses to behave as a fresh process would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_every: list[Kept[object, object]] = []


class Kept(Generic[K, V]):
    def __init__(self, what: str) -> None:
        self.what = what  # for a reader of the code: what the answers are
        self._lock = threading.Lock()
        self._answers: dict[K, tuple[Callable[[], object], object, V]] = {}
        _every.append(self)  # type: ignore[arg-type]

    def get(self, key: K) -> V | None:
        """The answer kept for `key`, if what it was made from is unchanged."""
        with self._lock:
            entry = self._answers.get(key)
        if entry is None:
            return None
        fingerprint, was, value = entry
        return value if fingerprint() == was else None

    def put(self, key: K, value: V, fingerprint: Callable[[], object] = lambda: None) -> V:
        """Keep `value` for `key` while `fingerprint()` gives what it gives now (by default: for
        the life of the process)."""
        now = fingerprint()
        with self._lock:
            self._answers[key] = (fingerprint, now, value)
        return value

    def values(self) -> list[V]:
        with self._lock:
            return [value for _fingerprint, _was, value in self._answers.values()]

    def forget(self) -> None:
        with self._lock:
            self._answers.clear()


def forget_all() -> None:
    """Every answer this process keeps, forgotten: the next call finds out afresh."""
    for kept in _every:
        kept.forget()
