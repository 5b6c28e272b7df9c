"""The trace never contradicts the failure it traces (issue 24): when the function's own result
is right but the case failed, the trace says the caller broke and which promise, in the TUI's
words and the CLI's, and the CLI's steps fit 80 columns. With the real rustc."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from asm_tutor.cli import main
from asm_tutor.grader.engine import host_arch
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.trace.trace import trace
from asm_tutor.tui.screens.trace import heading
from asm_tutor.values import short

PACK = load_pack(builtin_pack_dir())
FIXTURES = Path(__file__).parent / "fixtures" / "trace"
CLOBBER = FIXTURES / "times_nine_in_clobbered.rs"
CMOVL = FIXTURES / "max_u64_cmovl.rs"
pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the Rust fixtures are x86_64 asm")


def test_an_in_register_clobber_is_traced_as_the_caller_breaking() -> None:
    found = trace(PACK.exercises["times_nine"], CLOBBER.read_text(), edition=PACK.edition, lessons=PACK.lessons)
    assert found.case is not None and found.case.status == "fail" and found.opt_level == 3
    assert found.returned == found.case.expected != found.case.actual, "the function's own result was right"
    assert found.caller_broke
    assert [b.promise for b in found.broken] == ["in"] and "shl" in found.broken[0].instruction
    ending = found.ending(short)
    assert "itself returned" in ending and "the expected value" in ending and "caller" in ending
    assert "changes {x} (rdi)" in ending
    assert "its caller got" in str(heading(found))


def test_a_wrong_own_result_is_said_as_before() -> None:
    found = trace(PACK.exercises["max_u64"], CMOVL.read_text(), edition=PACK.edition, lessons=PACK.lessons)
    assert found.case is not None and found.case.status == "fail"
    assert not found.caller_broke and found.returned != found.case.expected
    assert found.ending(short).startswith(f"The function returned {short(found.returned or '')} in rax (expected")


def test_the_cli_says_so_in_80_columns_and_names_values(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["trace", "times_nine", str(CLOBBER)]) == 0
    out = capsys.readouterr().out
    assert "its caller got" in out and "itself returned" in out and "Broken: in" in out
    assert "::MAX" in out or "<<" in out, "values are named as the TUI names them"
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


def test_memory_writes_wrap_inside_80_columns() -> None:
    from asm_tutor.cmd.trace import render

    found = trace(PACK.exercises["times_nine"], CLOBBER.read_text(), edition=PACK.edition, lessons=PACK.lessons)
    from asm_tutor.trace.model import MemoryWrite, Step

    found.steps.append(Step(number=99, offset=0, text="mov qword ptr [rsp + 0x18], rdi", block=0,
                            memory=[MemoryWrite(0x7FFFFFFFE000, bytes(range(16)))]))
    console = Console(width=80, record=True, force_terminal=False)
    render(console, found)
    text = console.export_text()
    assert "memory [0x7fffffffe000]" in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
