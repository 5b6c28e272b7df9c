"""The results of the last check: a verdict, compiler diagnostics, instruction checks and test cases."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from asm_tutor.grader.result import Diagnostic, GradeResult, Status, TestResult, TestStatus

_TEST_MARKS = {
    TestStatus.PASS: ("✓", "green"),
    TestStatus.FAIL: ("✗", "red"),
    TestStatus.ERROR: ("!", "red"),
    TestStatus.NOT_RUN: ("–", "dim"),
}
_LEVEL_STYLES = {"error": "bold red", "warning": "bold yellow"}


_CALL_RE = re.compile(r"^[A-Za-z_]\w*\((.*)\)$", re.S)


def _arguments(call: str) -> str:
    """`times_nine(6)` -> `6`: the function's name is the same on every row and costs columns."""
    match = _CALL_RE.match(call)
    return match.group(1) if match else call


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


class ResultsPanel(VerticalScroll):
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

    def compose(self) -> ComposeResult:
        yield Static("Press F5 (or ctrl+r) to check your code.", id="results-summary")
        yield LoadingIndicator(id="results-spinner")
        yield Static("Compiler messages — ctrl+g, Enter or a click jumps to one",
                     id="diagnostics-title", classes="results-heading")
        yield DiagnosticList(id="diagnostics")
        yield Static("Checks on your compiled code", id="checks-title", classes="results-heading")
        yield Static(id="checks")
        yield Static("Test cases", id="tests-title", classes="results-heading")
        # Above the table, so the highlighted case's explanation is on screen with it.
        yield Static(id="test-detail")
        yield DataTable(id="tests", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#tests", DataTable).add_columns("Test", "Opt", "Arguments", "Expected", "Actual")
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
        summary = self.query_one("#results-summary", Static)
        summary.update(Text(message))  # not markup: it may quote the learner's own text
        summary.set_class(verdict == "pass", "-pass")
        summary.set_class(verdict in ("fail", "error"), "-fail")

    def show_running(self) -> None:
        self.set_summary("Checking… (Escape cancels)", "")
        self.query_one("#results-spinner").display = True

    def stop_running(self) -> None:
        self.query_one("#results-spinner").display = False

    def show_result(self, result: GradeResult, *, can_compare: bool) -> None:
        self.result = result
        self.stop_running()
        self.set_summary(self._verdict(result, can_compare), result.status.value)

        diagnostics = self.query_one(DiagnosticList)
        diagnostics.clear_options()
        # Errors first: they are why it failed; warnings are advice.
        ordered = sorted(result.diagnostics, key=lambda d: d.level != "error")
        diagnostics.add_options(Option(_diagnostic_prompt(d), id=f"diag-{n}") for n, d in enumerate(ordered))
        self._ordered_diagnostics = ordered

        checks = self.query_one("#checks", Static)
        lines = Text()
        for check in result.checks:
            symbol, style = _TEST_MARKS[check.status]
            if lines:
                lines.append("\n")
            lines.append(f"{symbol} ", style)
            lines.append(check.name)
            if check.status is not TestStatus.PASS and check.message:
                lines.append(f" — {check.message}", "red")
        checks.update(lines)

        table = self.query_one("#tests", DataTable)
        table.clear()
        # Failures first: they are what the learner needs; passing cases follow in spec order.
        self._ordered_tests = sorted(result.tests, key=lambda t: t.status is TestStatus.PASS)
        for test in self._ordered_tests:
            symbol, style = _TEST_MARKS[test.status]
            name = Text.assemble((symbol, style), " ", test.name)
            table.add_row(name, f"-O{test.opt_level}", _arguments(test.input), test.expected, test.actual)
        self._sections(diagnostics=bool(ordered), checks=bool(result.checks), tests=bool(result.tests))
        self._show_test_detail(0)
        self.scroll_home(animate=False)

    @classmethod
    def _verdict(cls, result: GradeResult, can_compare: bool) -> str:
        unconfined = ""
        if not result.sandbox and (result.tests or result.diagnostics):
            from asm_tutor.grader.sandbox import status

            unconfined = f"\nNot sandboxed: {status().problem or 'the code ran unconfined'}."
        return cls._outcome(result, can_compare) + unconfined

    @staticmethod
    def _outcome(result: GradeResult, can_compare: bool) -> str:
        if result.status is Status.PASS:
            extra = " F4 compares your code with the reference solution." if can_compare else ""
            return f"✓ Passed. {result.message}{extra}"
        message = result.message or "It did not pass."
        if result.status is Status.FAIL and result.seed is not None:
            # Only on failure: the seed is what reproduces it; on a pass it is noise.
            message += f" (random cases used seed {result.seed})"
        first = next((t for t in result.tests if t.status is TestStatus.ERROR), None)
        if first is not None and first.message:
            # A crash, a time-out or a panic is explained in plain words; a wrong answer is in the table.
            message += f"\nFirst: {first.name} at -O{first.opt_level}, {first.input}: {first.message}"
        return f"✗ {message}"

    def _show_test_detail(self, row: int) -> None:
        detail = self.query_one("#test-detail", Static)
        tests = self._ordered_tests
        test = tests[row] if 0 <= row < len(tests) else None
        explained = test is not None and bool(test.message)
        detail.update(Text(f"{test.name} at -O{test.opt_level}: {test.message}", "italic") if test and explained else "")
        detail.display = explained

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_test_detail(event.cursor_row)

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
