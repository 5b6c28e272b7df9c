"""The learner's editor: Textual's code editor with the keys a learner expects of one.

- ctrl+a selects all (TextArea's own ctrl+a goes to the line start, which Home also does);
- Escape stays in the editor: TextArea's code editor moves the focus on, and the learner's
  next keystrokes went nowhere (F6 is the way to the panel below and back);
- while the draft is watched (read-only), typing is not silently dropped: the editor says why;
- Enter keeps the line's indentation (one level more after an opening `{`, `(` or `[`), as
  the starter's nested `unsafe { asm!( ... ) }` needs on every new line.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class CodeEditor(TextArea):
    BINDINGS = [Binding("ctrl+a", "select_all", "Select all", show=False, id="editor.select_all")]

    class TypedWhileReadOnly(Message):
        """A key that would have typed was pressed while the editor is read-only."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.selection = type(self.selection).cursor(self.cursor_location)  # only drops a selection
            return
        if self.read_only and (event.is_printable or event.key in ("enter", "tab", "backspace", "delete")):
            event.stop()
            self.post_message(self.TypedWhileReadOnly())
            return
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self.replace("\n" + self.indent_after(self.cursor_location), start, end, maintain_selection_offset=False)
            return
        await super()._on_key(event)

    def indent_after(self, location: tuple[int, int]) -> str:
        """The indentation a new line at `location` starts with."""
        row, column = location
        before = self.document[row][:column]
        indent = before[:len(before) - len(before.lstrip(" \t"))]
        if before.rstrip().endswith(("{", "(", "[")):
            indent += "\t" if self.indent_type == "tabs" else " " * self.indent_width
        return indent
