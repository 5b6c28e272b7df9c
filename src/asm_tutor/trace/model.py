"""A trace, as the CLI prints it and the TUI shows it: plain dataclasses with a stable JSON form
(docs/trace.md). Register values are ints here and hex strings in the JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FORMAT = 1


def _hex(value: int) -> str:
    return f"{value:#x}"


@dataclass(frozen=True)
class RegisterChange:
    name: str
    old: int
    new: int
    operand: str = ""  # the asm! placeholders this register is in the step's block, e.g. "{out}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "old": _hex(self.old), "new": _hex(self.new), "operand": self.operand or None}


@dataclass(frozen=True)
class MemoryWrite:
    address: int
    data: bytes  # as in memory after the step, lowest address first

    def to_json(self) -> dict[str, Any]:
        return {"address": _hex(self.address), "size": len(self.data), "bytes": self.data.hex()}


@dataclass(frozen=True)
class Condition:
    """What a conditional instruction (`cmovl`, `csel …, hs`, `jne`) tested, and the answer."""

    code: str  # e.g. "l"
    meaning: str  # e.g. "less (signed <)"
    test: str  # e.g. "SF!=OF"
    holds: bool

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "meaning": self.meaning, "test": self.test, "holds": self.holds}


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    offset: int  # in the function
    text: str  # the instruction, e.g. "cmp rax, rsi"
    block: int | None  # which asm! block of the function it came from (None: the compiler's code)
    registers: list[RegisterChange] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)  # after the step (CF ZF SF OF, or N Z C V)
    flags_changed: list[str] = field(default_factory=list)
    writes_flags: bool = False  # it sets the flags (even to the values they had)
    memory: list[MemoryWrite] = field(default_factory=list)
    condition: Condition | None = None
    executed: bool = True  # False: the step the trace stopped at (a call out, a system call), not run
    operands: dict[str, str] = field(default_factory=dict)  # placeholder → register, those the instruction names

    def to_json(self) -> dict[str, Any]:
        return {"n": self.number, "executed": self.executed, "offset": self.offset, "text": self.text, "asm_block": self.block,
                "registers": [r.to_json() for r in self.registers], "flags": self.flags,
                "flags_changed": self.flags_changed, "writes_flags": self.writes_flags,
                "memory": [m.to_json() for m in self.memory],
                "condition": self.condition.to_json() if self.condition else None, "operands": self.operands}


@dataclass(frozen=True)
class Line:
    """One instruction of the traced function, as the listing shows it."""

    offset: int
    text: str
    block: int | None

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, "text": self.text, "asm_block": self.block}


@dataclass(frozen=True)
class Block:
    """An asm! block of the traced function, and what its placeholders became."""

    index: int
    line: int | None  # in the learner's file (None: the contract checker could not read the block)
    registers: dict[str, str]  # placeholder → register, e.g. {"out": "rax", "b": "rsi"}

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "line": self.line, "operands": self.registers}


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    value: int
    register: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "value": str(self.value), "register": self.register}


@dataclass(frozen=True)
class Case:
    """The check's case being traced (None in a Trace: the arguments were given)."""

    name: str  # e.g. "edge 12"
    input: str  # e.g. "max_u64(18446744073709551615, 1)"
    expected: str
    actual: str
    status: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "input": self.input, "expected": self.expected, "actual": self.actual,
                "status": self.status}


@dataclass(frozen=True)
class BrokenPromise:
    """A promise of an asm! block in the traced function that the grader found broken: what the
    function does to its caller, which a trace of the function alone does not show."""

    promise: str  # e.g. "in", "options(preserves_flags)"
    instruction: str  # e.g. "shl rdi, 3"
    reason: str  # the grader's sentence: why it breaks the promise, and what to do

    def to_json(self) -> dict[str, Any]:
        return {"promise": self.promise, "instruction": self.instruction, "reason": self.reason}


@dataclass(frozen=True)
class Stop:
    reason: str  # returned | call_out | step_limit | time_limit | syscall | fault
    message: str  # a sentence
    target: str = ""  # call_out: what was called

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": self.message, "target": self.target or None}


@dataclass
class Trace:
    exercise: str
    arch: str
    opt_level: int
    function: str  # the required function's name
    symbol: str  # its mangled symbol in the program
    arguments: list[Argument]
    returns: str  # the return type
    return_registers: list[str]  # where the result is (two for a 128-bit one: low, high)
    blocks: list[Block]
    listing: list[Line]
    steps: list[Step]
    stop: Stop
    case: Case | None = None
    returned: str | None = None  # the value, as the return type shows it (None: it did not return)
    sandbox: str = ""  # what the emulator ran in; "" when unconfined
    duration_ms: int = 0
    broken: list[BrokenPromise] = field(default_factory=list)  # promises its asm! blocks broke
    callee_saved_changed: list[str] = field(default_factory=list)  # registers the caller finds changed

    @property
    def caller_broke(self) -> bool:
        """The case failed though the function itself returned the expected value: what went wrong
        is what it did to its caller (an `in` register changed, rbx or the flags), seen once the
        caller is compiled around it (at -O3, inlined)."""
        case = self.case
        return (case is not None and case.status != "pass" and self.returned is not None
                and self.returned == case.expected)

    def ending(self, name: Callable[[str], str] = str) -> str:
        """How the trace ended, in words that agree with the case's failure: the stop, what came
        back, and, when that was right, what the function broke for its caller instead.
        `name` shows a value (the fronts name `1 << 63` and `u64::MAX` as values.short does)."""
        if self.stop.reason != "returned" or self.returned is None:
            return self.stop.message
        where = " and ".join(self.return_registers)
        case = self.case
        if not self.caller_broke:
            expected = f" (expected {name(case.expected)})" if case and case.status != "pass" else ""
            return f"The function returned {name(self.returned)} in {where}{expected}."
        assert case is not None
        words = [f"The function itself returned {name(self.returned)} in {where}, the expected value, but the "
                 f"check got {name(case.actual)}: the failure is what the function did to its caller, which "
                 f"trusts the promises of its asm! blocks (at -O{self.opt_level} the caller is compiled around them)."]
        words += [f"Broken: {b.promise} — {b.reason}" for b in self.broken]
        if self.callee_saved_changed:
            words.append(f"Changed at the return, though the caller keeps its own values there: "
                         f"{', '.join(self.callee_saved_changed)}.")
        if not self.broken and not self.callee_saved_changed:
            words.append("Look for a register the block changes but does not declare as an output (an `in` "
                         "operand, rbx, a clobber left out) or flags changed under preserves_flags.")
        return "\n".join(words)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "exercise": self.exercise, "arch": self.arch, "opt_level": self.opt_level,
                "function": self.function, "symbol": self.symbol,
                "case": self.case.to_json() if self.case else None,
                "arguments": [a.to_json() for a in self.arguments],
                "returns": {"type": self.returns, "registers": self.return_registers, "value": self.returned},
                "blocks": [b.to_json() for b in self.blocks], "listing": [line.to_json() for line in self.listing],
                "steps": [s.to_json() for s in self.steps], "stop": self.stop.to_json(),
                "sandbox": self.sandbox or None, "duration_ms": self.duration_ms,
                "caller_broke": self.caller_broke, "broken": [b.to_json() for b in self.broken],
                "callee_saved_changed": self.callee_saved_changed}
