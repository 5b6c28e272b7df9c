"""The one rule for what a process keeps: an answer holds while its fingerprint is unchanged."""

from __future__ import annotations

from pathlib import Path

from asm_tutor.kept import Kept, forget_all


def test_an_answer_holds_while_what_it_was_made_from_is_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "input"
    source.write_text("one", encoding="utf-8")
    kept: Kept[str, str] = Kept("test answers")
    kept.put("key", "answer", lambda: source.read_text(encoding="utf-8"))
    assert kept.get("key") == "answer"
    source.write_text("two", encoding="utf-8")
    assert kept.get("key") is None, "its input changed: asked again"


def test_forget_all_forgets_every_cache_as_a_new_process_would() -> None:
    first: Kept[int, int] = Kept("first")
    second: Kept[int, int] = Kept("second")
    first.put(1, 1)
    second.put(2, 2)
    forget_all()
    assert first.get(1) is None and second.get(2) is None
