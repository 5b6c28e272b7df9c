"""The exercise's hints, revealed one level at a time; later hints say more."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Markdown

from asm_tutor.tui.components.panel_scroll import PanelScroll


class HintsPanel(PanelScroll):
    def __init__(self, *, solutions: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hints: tuple[str, ...] = ()
        self.revealed = 0
        self.solutions = solutions  # False in a hand-out: there is no reference solution to show

    def compose(self) -> ComposeResult:
        yield Markdown(id="hints-text")

    def show(self, hints: tuple[str, ...], revealed: int) -> None:
        self.hints = hints
        self.revealed = min(revealed, len(hints))
        self._render_hints()

    @property
    def exhausted(self) -> bool:
        return self.revealed >= len(self.hints)

    def reveal_next(self) -> int:
        """Show one more hint; returns its level (1-based)."""
        if not self.exhausted:
            self.revealed += 1
            self._render_hints()
            self.scroll_end(animate=False)
        return self.revealed

    def _render_hints(self) -> None:
        total = len(self.hints)
        if total == 0:
            text = "This exercise has no hints. The lesson it practises is the best help."
        else:
            parts = [f"**Hint {n} of {total}.** {hint}" for n, hint in enumerate(self.hints[: self.revealed], 1)]
            if self.revealed < total:
                parts.append(f"*F2 reveals hint {self.revealed + 1} of {total}.*")
            else:
                parts.append("*That was the last hint. F4 shows the reference solution.*" if self.solutions else
                             "*That was the last hint. This copy of the course has no reference solutions: "
                             "ask your instructor.*")
            text = "\n\n".join(parts)
        self.query_one(Markdown).update(text)
