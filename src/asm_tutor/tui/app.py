"""The asm-tutor Textual app (placeholder until the full app lands)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from asm_tutor.pack.model import Pack


class TutorApp(App[None]):
    TITLE = "asm-tutor"

    def __init__(self, pack: Pack) -> None:
        super().__init__()
        self.pack = pack

    def compose(self) -> ComposeResult:
        yield Header()
        lines = [f"{n}. {self.pack.item_title(item)}" for n, item in enumerate(self.pack.course, 1)]
        yield Static(f"{self.pack.title}\n\n" + "\n".join(lines))
        yield Footer()
