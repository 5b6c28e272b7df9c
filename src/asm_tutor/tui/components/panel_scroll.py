"""A scrolling pane of the exercise's bottom panel (prompt, results, hints, assembly).

Textual's scroll containers already scroll with the arrows and PageUp/PageDown once focused;
these name PageDown in the footer, so a learner who reached the panel (F6) sees how to read on.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll


class PanelScroll(VerticalScroll):
    BINDINGS = [
        Binding("pagedown", "page_down", "Scroll", id="panel.page_down"),
        Binding("pageup", "page_up", "Scroll up", show=False, id="panel.page_up"),
    ]
