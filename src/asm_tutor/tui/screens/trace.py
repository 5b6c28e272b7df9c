"""A trace of one case: the function's instructions as they ran, each with what it changed.

The engine (asm_tutor.trace) emulates the learner's compiled function on the case's
arguments; this screen only shows its answer: which register holds which argument and
which placeholder, then one row per step (▶ for the learner's asm! instructions) with
the registers it changed (old → new, and the placeholder they are), the flags after it,
what a conditional instruction tested, and the memory it wrote. Escape goes back.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from asm_tutor.trace.model import Step, Trace
from asm_tutor.values import short

_COLUMNS = ("#", "Instruction", "Changed", "Flags", "Memory")


def column_widths(available: int) -> list[int]:
    """All five columns within `available` cells (each column has a cell of padding either
    side): the step number and the flags as narrow as they read (flags wrap two to a line),
    the rest shared out, the instruction and the registers first."""
    number, flags = 3, 9
    room = max(available - 2 * len(_COLUMNS) - number - flags, 30)
    instruction, changed = room * 2 // 5, room * 2 // 5
    return [number, instruction, changed, flags, room - instruction - changed]


def heading(trace: Trace) -> Text:
    """The case, where the arguments are, and which register each placeholder became."""
    out = Text()
    case = trace.case
    what = case.input if case else f"{trace.function}({', '.join(str(a.value) for a in trace.arguments)})"
    out.append(f"{short(what)} at -O{trace.opt_level}", "bold")
    if case is not None and case.status != "pass":
        # "got" is what the check's caller saw; when the function's own result was right, the
        # ending below says what broke instead (Trace.ending).
        got = "its caller got" if trace.caller_broke else "got"
        out.append(f"  expected {short(case.expected)}, {got} {short(case.actual)}", "red")
    out.append("\n")
    out.append("Arguments: " + ", ".join(f"{a.name} = {short(str(a.value))} in {a.register}" for a in trace.arguments))
    for block in trace.blocks:
        if block.registers:
            where = f"line {block.line}" if block.line else f"block {block.index + 1}"
            out.append(f"\nasm! at {where}: " + ", ".join(f"{{{name}}} = {reg}" for name, reg in block.registers.items()))
    return out


def step_cells(step: Step) -> tuple[Text, Text, Text, Text, Text]:
    mark = "▶ " if step.block is not None else "  "
    instruction = Text(mark + step.text, "bold magenta" if step.block is not None else "")
    if step.condition is not None:
        verdict = "yes" if step.condition.holds else "no"
        instruction.append(f"\n  {step.condition.meaning}? {step.condition.test}: {verdict}", "italic")
    if not step.executed:
        instruction.append("\n  (not run: the trace stops here)", "italic")
    changed = Text("\n".join([*(f"{r.name}{' ' + r.operand if r.operand else ''}: {r.old:#x} → {r.new:#x}"
                                for r in step.registers),
                              *(f"{flag}: {int(not step.flags[flag])} → {int(step.flags[flag])}"
                                for flag in step.flags_changed)]))
    flags = Text(" ".join(f"{name}={int(value)}" for name, value in step.flags.items()),
                 "bold" if step.flags_changed else "dim")
    memory = Text("\n".join(f"{m.address:#x}: {m.data.hex()}" for m in step.memory))
    return Text(str(step.number)), instruction, changed, flags, memory


class TraceScreen(Screen[None]):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="trace.back")]

    def __init__(self, trace: Trace) -> None:
        super().__init__()
        self.trace = trace

    def compose(self) -> ComposeResult:
        with Vertical(id="trace-box"):
            yield Static(f"Trace of {self.trace.function} ({self.trace.arch}, emulated)", id="trace-title")
            yield Static(heading(self.trace), id="trace-heading")
            yield DataTable(id="trace-steps", cursor_type="row", zebra_stripes=True)
            yield Static(Text(self.stop_words(), "bold"), id="trace-stop")
        yield Footer(compact=True)

    def stop_words(self) -> str:
        """How the trace ended, with what came back when the function returned."""
        ending = self.trace.ending(short)
        return ending if self.trace.stop.reason != "returned" else f"{ending} Escape goes back."

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#trace-steps", DataTable).focus()

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#trace-steps", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        for label, width in zip(_COLUMNS, column_widths(self.size.width - 2), strict=True):
            table.add_column(label, width=width)
        for step in self.trace.steps:
            table.add_row(*step_cells(step), height=None)
        if self.trace.steps:
            table.move_cursor(row=min(max(cursor, 0), len(self.trace.steps) - 1), animate=False)
