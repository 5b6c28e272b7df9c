"""The results of the last check: a verdict, compiler diagnostics, instruction checks and test cases."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from asm_tutor.grader.result import Diagnostic, GradeResult, Status, TestResult, TestStatus
from asm_tutor.pack.model import Display
from asm_tutor.tui.components.panel_scroll import PanelScroll
from asm_tutor.values import short

_TEST_MARKS = {
    TestStatus.PASS: ("✓", "green"),
    TestStatus.FAIL: ("✗", "red"),
    TestStatus.ERROR: ("!", "red"),
    TestStatus.NOT_RUN: ("–", "dim"),
}
_LEVEL_STYLES = {"error": "bold red", "warning": "bold yellow"}


_CALL_RE = re.compile(r"^[A-Za-z_]\w*\((.*)\)$", re.S)
_COLUMNS = ("Test", "Opt", "Arguments", "Expected", "Actual")
_CELL_PADDING = 1  # DataTable's default, on each side of every column
_TEST_WIDTH = 16  # wide enough for "✗ example 12" and "✗ random 123"; longer names wrap
_OPT_WIDTH = 3


def _arguments(call: str) -> str:
    """`times_nine(6)` -> `6`: the function's name is the same on every row and costs columns."""
    match = _CALL_RE.match(call)
    return match.group(1) if match else call


def column_widths(available: int, natural: tuple[int, int, int, int, int]) -> list[int]:
    """Widths for the five columns so that all of them fit in `available` cells: Test and Opt
    as narrow as they can be, the three value columns sharing the rest (none wider than it
    needs, each at least 8). Values wider than their column wrap onto more lines."""
    test = min(natural[0], _TEST_WIDTH)
    opt = _OPT_WIDTH
    room = available - test - opt - 2 * _CELL_PADDING * len(natural)
    wanted = list(natural[2:])
    widths = [0, 0, 0]
    open_columns = [0, 1, 2]
    while open_columns:  # water-filling: a column that needs less than its share gives the rest away
        share = max(room // len(open_columns), 8)
        narrow = [k for k in open_columns if wanted[k] <= share]
        if not narrow:
            for k in open_columns:
                widths[k] = share
            widths[open_columns[0]] += max(room - share * len(open_columns), 0)
            break
        for k in narrow:
            widths[k] = wanted[k]
            room -= wanted[k]
            open_columns.remove(k)
    return [test, opt, *widths]


def _diagnostic_prompt(diag: Diagnostic) -> Text:
    where = f"line {diag.line}:{diag.column or 1}" if diag.line is not None else "(not in your file)"
    code = f"[{diag.code}]" if diag.code else ""
    level = (f"{diag.level}{code}", _LEVEL_STYLES.get(diag.level, "bold"))
    text = Text.assemble(level, " ", (where, "underline"), " ", diag.message)
    if diag.hint:
        text.append("\n  hint: ", "bold cyan")
        text.append(diag.hint)
    return text


class DiagnosticList(OptionList):
    """Compiler messages; Enter or a click on one moves the editor there."""


class ResultsPanel(PanelScroll):
    class TraceCase(Message):
        """Step through this case's run in the emulator (Enter on its row)."""

        def __init__(self, name: str, opt_level: int) -> None:
            super().__init__()
            self.name = name
            self.opt_level = opt_level

    class GoTo(Message):
        """Move the editor cursor to a place in the learner's file (1-based)."""

        def __init__(self, line: int, column: int) -> None:
            super().__init__()
            self.line = line
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: GradeResult | None = None
        self._ordered_diagnostics: list[Diagnostic] = []
        self._ordered_tests: list[TestResult] = []
        self._display = Display.DECIMAL
        self._table_width = 0  # the width the table's columns were last laid out for
        self._summary = ""

    def compose(self) -> ComposeResult:
        yield Static("Press F5 (or ctrl+r) to check your code.", id="results-summary")
        yield LoadingIndicator(id="results-spinner")
        yield Static("Compiler messages — ctrl+g, Enter or a click jumps to one",
                     id="diagnostics-title", classes="results-heading")
        yield DiagnosticList(id="diagnostics")
        yield Static("Checks on your compiled code", id="checks-title", classes="results-heading")
        yield Static(id="checks")
        yield Static("Test cases — Enter on a row traces it, instruction by instruction",
                     id="tests-title", classes="results-heading")
        # Above the table, so the highlighted case's explanation is on screen with it.
        yield Static(id="test-detail")
        yield DataTable(id="tests", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.clear()

    def _sections(self, *, diagnostics: bool, checks: bool, tests: bool) -> None:
        for name, shown in (("diagnostics", diagnostics), ("checks", checks), ("tests", tests)):
            self.query_one(f"#{name}-title").display = shown
            self.query_one(f"#{name}").display = shown
        if not tests:
            self.query_one("#test-detail").display = False

    def clear(self, message: str = "Press F5 (or ctrl+r) to check your code.") -> None:
        self.result = None
        self._ordered_diagnostics = []
        self.set_summary(message, "")
        self._sections(diagnostics=False, checks=False, tests=False)
        self.query_one("#results-spinner").display = False

    def set_summary(self, message: str, verdict: str) -> None:
        self._summary = message
        summary = self.query_one("#results-summary", Static)
        summary.update(Text(message))  # not markup: it may quote the learner's own text
        summary.set_class(verdict == "pass", "-pass")
        summary.set_class(verdict in ("fail", "error"), "-fail")

    def add_to_summary(self, words: str) -> None:
        """One more sentence after the verdict (e.g. where F9 goes after a pass)."""
        self._summary = f"{self._summary} {words}"
        self.query_one("#results-summary", Static).update(Text(self._summary))

    def show_running(self) -> None:
        self.set_summary("Checking… (Escape cancels)", "")
        self.query_one("#results-spinner").display = True

    def stop_running(self) -> None:
        self.query_one("#results-spinner").display = False

    def show_result(self, result: GradeResult, *, can_compare: bool, display: Display = Display.DECIMAL,
                    seeded: bool = True) -> None:
        """`display`: how the exercise's values read best; `seeded`: it has random cases, so the
        seed that drew them is worth saying on a failure."""
        self.result = result
        self._display = display
        self.stop_running()
        self.set_summary(self._verdict(result, can_compare, seeded), result.status.value)

        diagnostics = self.query_one(DiagnosticList)
        diagnostics.clear_options()
        # Errors first: they are why it failed; warnings are advice.
        ordered = sorted(result.diagnostics, key=lambda d: d.level != "error")
        diagnostics.add_options(Option(_diagnostic_prompt(d), id=f"diag-{n}") for n, d in enumerate(ordered))
        self._ordered_diagnostics = ordered

        checks = self.query_one("#checks", Static)
        lines = Text()
        keyed = False  # ctrl+l opens the first lesson a failed check names (ExerciseView.feedback_lesson)
        for check in result.checks:
            symbol, style = _TEST_MARKS[check.status]
            if lines:
                lines.append("\n")
            lines.append(f"{symbol} ", style)
            lines.append(check.name)
            if check.status is not TestStatus.PASS and check.message:
                lines.append(f" — {check.message}", "red")
                if not keyed and "See the lesson" in check.message:
                    lines.append(" (ctrl+l opens it)", "dim")
                    keyed = True
        checks.update(lines)

        # Failures first: they are what the learner needs; passing cases follow in spec order.
        self._ordered_tests = sorted(result.tests, key=lambda t: t.status is TestStatus.PASS)
        self._fill_table()
        self._sections(diagnostics=bool(ordered), checks=bool(result.checks), tests=bool(result.tests))
        self._show_test_detail(0)
        self.scroll_home(animate=False)

    def _cells(self, test: TestResult) -> tuple[Text, str, str, str, str]:
        symbol, style = _TEST_MARKS[test.status]
        return (Text.assemble((symbol, style), " ", test.name, overflow="fold"), f"-O{test.opt_level}",
                short(_arguments(test.input), self._display), short(test.expected, self._display),
                short(test.actual, self._display))

    def _fill_table(self) -> None:
        """The test table laid out for the panel's width: every column on screen, long values
        wrapped in their cell. Built afresh each time, so no width is kept from another exercise."""
        table = self.query_one("#tests", DataTable)
        cursor = table.cursor_row
        rows = [self._cells(test) for test in self._ordered_tests]
        natural = tuple(max([len(_COLUMNS[k]), *(cell_len(str(row[k])) for row in rows)]) for k in range(len(_COLUMNS)))
        # The panel's width less its scrollbar and the table's own.
        self._table_width = self.size.width
        widths = column_widths(max(self._table_width - 2, 40), natural)  # type: ignore[arg-type]
        table.clear(columns=True)
        for label, width in zip(_COLUMNS, widths, strict=True):
            table.add_column(label, width=width)
        for row in rows:
            table.add_row(*(Text(cell, overflow="fold") if isinstance(cell, str) else cell for cell in row), height=None)
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1), animate=False)

    def on_resize(self) -> None:
        if self.result is not None and self._ordered_tests and self.size.width != self._table_width:
            self._fill_table()

    def _verdict(self, result: GradeResult, can_compare: bool, seeded: bool) -> str:
        unconfined = ""
        if not result.sandbox and (result.tests or result.diagnostics):
            from asm_tutor.grader.sandbox import status

            unconfined = f"\nNot sandboxed: {status().problem or 'the code ran unconfined'}."
        return self._outcome(result, can_compare, seeded) + unconfined

    def _outcome(self, result: GradeResult, can_compare: bool, seeded: bool) -> str:
        if result.status is Status.PASS:
            extra = " F4 compares your code with the reference solution." if can_compare else ""
            return f"✓ Passed. {result.message}{extra}"
        message = result.message or "It did not pass."
        if result.status is Status.FAIL and result.seed is not None and seeded:
            # Only on failure: the seed is what reproduces it; on a pass it is noise.
            message += f" (random cases used seed {result.seed})"
        # The first failure in words, where it is on screen at once: a crash, a time-out or a panic
        # explained, a wrong answer with what came back (the table below has the rest).
        first = next((t for t in result.tests if t.status is TestStatus.ERROR), None) or \
            next((t for t in result.tests if t.status is TestStatus.FAIL), None)
        words = self.describe(first, self._display) if first is not None else ""
        if words:
            message += f"\nFirst: {words}"
        return f"✗ {message}"

    def _show_test_detail(self, row: int) -> None:
        """The highlighted case in words, above the table: what it was called with, what came back."""
        detail = self.query_one("#test-detail", Static)
        tests = self._ordered_tests
        test = tests[row] if 0 <= row < len(tests) else None
        words = self.describe(test, self._display) if test is not None else ""
        detail.update(Text(words, "italic"))
        detail.display = bool(words)

    @staticmethod
    def describe(test: TestResult, display: Display) -> str:
        """e.g. "example 1 at -O3: max_u64(17, 42) returned 17; expected 42." ("" for a pass)."""
        if test.status is TestStatus.PASS:
            return ""
        where = f"{test.name} at -O{test.opt_level}"
        call = short(test.input, display)
        if not (test.status is TestStatus.FAIL and test.actual and test.expected):
            return f"{where}{', ' + call if call else ''}: {test.message}" if test.message else ""
        more = "" if test.message in ("", "Wrong answer.") else f" {test.message}"
        return f"{where}: {call} returned {short(test.actual, display)}; expected {short(test.expected, display)}.{more}"

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_test_detail(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self._ordered_tests):
            test = self._ordered_tests[event.cursor_row]
            self.post_message(self.TraceCase(test.name, test.opt_level))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        diag = self._ordered_diagnostics[event.option_index]
        if diag.line is not None:
            self.post_message(self.GoTo(diag.line, diag.column or 1))
        else:
            self.notify("This message is about code outside your file.", severity="warning")

    @property
    def places(self) -> list[Diagnostic]:
        """The diagnostics that point into the learner's file, in the order shown."""
        return [d for d in self._ordered_diagnostics if d.line is not None]

    def highlight(self, diag: Diagnostic) -> None:
        self.query_one(DiagnosticList).highlighted = self._ordered_diagnostics.index(diag)
