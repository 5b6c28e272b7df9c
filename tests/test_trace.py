"""The emulated trace (issue 17): the learner's function stepped through in unicorn, with the real
rustc for x86_64 and llvm-mc-assembled code for aarch64. Nothing here runs the learner's code
natively (the check the default case comes from aside), so no test depends on the host CPU's
make or model."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from asm_tutor.cli import main
from asm_tutor.errors import UserError
from asm_tutor.grader.engine import host_arch
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.trace import calls
from asm_tutor.trace.arches import AARCH64, X86_64, condition_holds, decode_flags
from asm_tutor.trace.elf import load
from asm_tutor.trace.emulate import trace as emulate
from asm_tutor.trace.model import Step, Trace
from asm_tutor.trace.runner import run_worker
from asm_tutor.trace.trace import trace

PACK = load_pack(builtin_pack_dir())
CMOVL = Path(__file__).parent / "fixtures" / "trace" / "max_u64_cmovl.rs"
EXERCISES = builtin_pack_dir() / "exercises"
on_x86_64 = pytest.mark.skipif(host_arch() != "x86_64", reason="the Rust fixtures are x86_64 asm")
needs_llvm_mc = pytest.mark.skipif(shutil.which("llvm-mc") is None, reason="llvm-mc is not installed")


def traced(exercise_id: str, source: str, **options: object) -> Trace:
    return trace(PACK.exercises[exercise_id], source, edition=PACK.edition, lessons=PACK.lessons, **options)  # type: ignore[arg-type]


def step(found: Trace, mnemonic: str) -> Step:
    return next(s for s in found.steps if s.text.split(" ")[0] == mnemonic)


def assemble(tmp_path: Path, triple: str, text: str) -> Path:
    source, obj = tmp_path / "code.s", tmp_path / "code.o"
    source.write_text(text, encoding="utf-8")
    subprocess.run(["llvm-mc", f"-triple={triple}", "-filetype=obj", str(source), "-o", str(obj)], check=True)
    return obj


# --------------------------------------------------------------------------- with the real rustc

@on_x86_64
def test_a_signed_cmov_is_seen_taking_b_on_u64_max_and_1() -> None:
    """The issue's acceptance case: `cmovl` in max_u64, traced on (u64::MAX, 1)."""
    found = traced("max_u64", CMOVL.read_text(encoding="utf-8"), args=["u64::MAX", "1"])
    (block,) = found.blocks
    out, b = block.registers["out"], block.registers["b"]
    assert [(a.name, a.register, a.value) for a in found.arguments] == [("a", "rdi", 2**64 - 1), ("b", "rsi", 1)]
    cmp = step(found, "cmp")
    assert cmp.block == 0 and cmp.writes_flags
    assert cmp.flags == {"CF": False, "ZF": False, "SF": True, "OF": False} and "SF" in cmp.flags_changed
    cmov = step(found, "cmovl")
    assert cmov.condition is not None and cmov.condition.code == "l" and cmov.condition.holds
    assert cmov.operands == {"out": out, "b": b}
    (change,) = [r for r in cmov.registers if r.name == out]
    assert (change.old, change.new, change.operand) == (2**64 - 1, 1, "{out}")
    assert found.stop.reason == "returned" and found.returned == "1" and found.return_registers == ["rax"]
    assert [line.block for line in found.listing].count(0) == 2  # the block's two instructions are marked
    assert any(write.data == b"\xff" * 8 for s in found.steps for write in s.memory)  # -O0 spills `a`


@on_x86_64
def test_by_default_the_checks_first_failing_case_is_traced() -> None:
    found = traced("max_u64", CMOVL.read_text(encoding="utf-8"))
    assert found.case is not None and found.case.status == "fail"
    assert found.returned == found.case.actual != found.case.expected
    assert traced("max_u64", CMOVL.read_text(encoding="utf-8"), case="1").case.name == "example 1"  # type: ignore[union-attr]


@on_x86_64
def test_a_correct_times_nine_leaves_the_result_in_rax_at_both_levels() -> None:
    source = (EXERCISES / "times_nine" / "x86_64" / "solution.rs").read_text(encoding="utf-8")
    for level in (0, 3):
        found = traced("times_nine", source, args=["6"], opt_level=level)
        lea = step(found, "lea")
        out = found.blocks[0].registers["out"]
        assert lea.block == 0 and any(r.name == out and r.new == 54 and r.operand == "{out}" for r in lea.registers)
        assert found.stop.reason == "returned" and found.returned == "54" and found.opt_level == level


@on_x86_64
def test_a_call_out_of_the_function_stops_the_trace_and_names_the_callee() -> None:
    source = (EXERCISES / "call_through_sym" / "x86_64" / "solution.rs").read_text(encoding="utf-8")
    found = traced("call_through_sym", source, args=["3"])
    assert found.stop.reason == "call_out" and found.stop.target == "square"
    assert "calls out (to `square`)" in found.stop.message and found.returned is None
    last = found.steps[-1]
    assert last.text.startswith("call") and not last.executed and last.block == 0


@on_x86_64
def test_the_step_limit_is_said_plainly() -> None:
    found = traced("max_u64", CMOVL.read_text(encoding="utf-8"), args=["1", "2"], max_steps=3)
    assert len(found.steps) == 3 and found.stop.reason == "step_limit" and "after 3 steps" in found.stop.message


def test_parameters_passed_otherwise_than_in_registers_are_refused() -> None:
    with pytest.raises(UserError, match="parameters cannot be traced yet"):
        traced("fill_bytes", "fn main() {}", args=["0"])


@on_x86_64
def test_the_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "max_u64", str(CMOVL), "--args", "u64::MAX", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"format", "exercise", "arch", "opt_level", "function", "symbol", "case", "arguments",
                         "returns", "blocks", "listing", "steps", "stop", "sandbox", "duration_ms", "caller_broke",
                         "broken", "callee_saved_changed"}
    assert data["format"] == 1 and data["case"] is None
    assert data["returns"] == {"type": "u64", "registers": ["rax"], "value": "1"}
    assert data["arguments"][0] == {"name": "a", "type": "u64", "value": "18446744073709551615", "register": "rdi"}
    assert set(data["blocks"][0]) == {"index", "line", "operands"} and data["blocks"][0]["line"] == 9
    assert set(data["listing"][0]) == {"offset", "text", "asm_block"}
    cmov = next(s for s in data["steps"] if s["text"].startswith("cmovl"))
    assert set(cmov) == {"n", "executed", "offset", "text", "asm_block", "registers", "flags", "flags_changed",
                         "writes_flags", "memory", "condition", "operands"}
    assert cmov["registers"][0]["old"] == "0xffffffffffffffff" and cmov["registers"][0]["new"] == "0x1"
    assert cmov["condition"]["holds"] is True
    assert data["stop"] == {"reason": "returned", "message": "The function returned.", "target": None}


@on_x86_64
def test_the_cli_shows_the_steps_the_operands_and_the_result(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["trace", "max_u64", str(CMOVL), "--args", "u64::MAX", "1"]) == 0
    out = capsys.readouterr().out
    assert "▶ cmovl" in out and "l: less (signed <), SF≠OF: holds" in out and "SF=1" in out
    assert "The function returned 1 in rax." in out


def test_a_bad_argument_is_a_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "max_u64", str(CMOVL), "--args", "-1", "2", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"].startswith("`-1` does not fit in a u64")


# --------------------------------------------------------------------------- the engine alone

@needs_llvm_mc
def test_aarch64_cmp_and_csel_in_the_sandboxed_worker(tmp_path: Path) -> None:
    obj = assemble(tmp_path, "aarch64", """
        .text
        .globl max_u64
        .type max_u64,@function
    max_u64:
        cmp x0, x1
        csel x0, x0, x1, hs
        ret
        .size max_u64, .-max_u64
    """)
    answer = run_worker(obj, "max_u64", [1, 5], {}, max_steps=100, time_limit=2.0, work=tmp_path / "work")
    assert answer["arch"] == "aarch64" and [s["text"] for s in answer["steps"]] == [
        "cmp x0, x1", "csel x0, x0, x1, hs", "ret"]
    cmp, csel, _ = answer["steps"]
    flags = decode_flags(AARCH64, cmp["flags_after"])
    assert flags == {"N": True, "Z": False, "C": False, "V": False} and cmp["writes_flags"]  # 1 - 5 borrows
    assert not condition_holds(AARCH64.conditions["hs"][1], flags)  # so `hs` fails and b is taken
    assert csel["registers"] == [{"name": "x0", "old": 1, "new": 5}]
    assert answer["stop"]["reason"] == "returned" and answer["returned"]["x0"] == 5


@needs_llvm_mc
def test_system_calls_and_endless_loops_stop_the_trace(tmp_path: Path) -> None:
    obj = assemble(tmp_path, "x86_64", """
        .text
        .globl exits, spins
    exits:
        movl $60, %eax
        syscall
        ret
    spins:
    .Lagain:
        jmp .Lagain
    """)
    answer = emulate(load(obj, "exits"), [], {})
    assert answer["stop"]["reason"] == "syscall" and "system call" in answer["stop"]["message"]
    assert answer["steps"][-1]["text"] == "syscall" and not answer["steps"][-1]["executed"]
    spun = emulate(load(obj, "spins"), [], {}, max_steps=10**9, time_limit=0.2)
    assert spun["stop"]["reason"] == "time_limit" and "0.2 s" in spun["stop"]["message"]
    assert emulate(load(obj, "spins"), [], {}, max_steps=50)["stop"]["reason"] == "step_limit"


def test_values_are_read_as_rust_writes_them() -> None:
    assert calls.parse_value("u64::MAX", "u64") == 2**64 - 1
    assert calls.parse_value("0xff_u8", "u8") == 255
    assert calls.parse_value("-1", "i64") == -1 and calls.register_value(-1) == 2**64 - 1
    assert calls.parse_value("true", "bool") == 1
    assert calls.returned_value([2**64 - 1], "i64") == "-1"
    assert calls.returned_value([0, 1], "u128") == str(2**64)
    assert X86_64.conditions["nae"] == X86_64.conditions["b"]
