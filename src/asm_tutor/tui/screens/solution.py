"""The reference solution beside the learner's code, both read-only and highlighted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea


class SolutionScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f4", "dismiss", "Close", id="solution.close")]

    def __init__(self, title: str, mine: str, reference: str, editor_theme: str) -> None:
        super().__init__()
        self.exercise_title = title
        self.mine = mine
        self.reference = reference
        self.editor_theme = editor_theme

    def compose(self) -> ComposeResult:
        with Vertical(id="solution-box"):
            yield Static(f"{self.exercise_title}: your code and the reference solution", id="solution-title")
            with Horizontal(id="solution-panes"):
                panes = (("solution-mine", "Yours", self.mine), ("solution-reference", "Reference", self.reference))
                for pane_id, label, text in panes:
                    # Wrapped: side by side, long comments would otherwise hide their ends.
                    area = TextArea.code_editor(text, language="rust", theme=self.editor_theme, read_only=True,
                                                soft_wrap=True, id=pane_id)
                    area.border_title = label
                    yield area
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#solution-reference", TextArea).focus()
