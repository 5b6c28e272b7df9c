"""The footer: the screen's keys, and the command palette's key only while there is room for it.

Textual docks the palette key on the right, over whatever keys run under it, which left
stray characters ("▏^p paletteh") at some widths. This footer measures the keys it is
about to show and leaves the palette key out when they would reach it (the header's ⭘
button and the home page still lead to the palette), and a key that would be cut at the
right edge too.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer

PALETTE_CLASS = "-command-palette"


def _width(widget: Widget) -> int:
    """Cells a key takes in the compact footer: `key description` and the space after it.
    (The course screen has no grouped bindings, so every widget here is one key.)"""
    return cell_len(f"{getattr(widget, 'key_display', '')} {getattr(widget, 'description', '')}") + 1


class CourseFooter(Footer):
    _laid_out_for = 0  # the width the keys were last chosen for

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        keys = [w for w in widgets if not w.has_class(PALETTE_CLASS)]
        needed = sum(map(_width, widgets)) + 2  # the palette key's left border and padding
        if needed <= self.size.width:
            yield from widgets
            return
        # No room for every key: the ones that fit whole, in the screen's order; a key cut at
        # the edge ("^") tells nothing. (The home page lists every key.)
        room = self.size.width
        for key in keys:
            room -= _width(key)
            if room < 0 and self.size.width:
                return
            yield key

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._laid_out_for:
            self._laid_out_for = event.size.width
            self.refresh(recompose=True)
