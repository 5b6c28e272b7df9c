"""What a failure most likely means, said when the evidence points one way.

A table of wrong answers teaches little on its own. Some patterns say more than any
single row: every failing case has a number with its top bit set (a signed
comparison of unsigned values), a crash comes with a block that changes a register
LLVM relies on. These turn the pattern into a sentence beside the verdict.
"""

from __future__ import annotations

import re

from asm_tutor.grader import structure
from asm_tutor.grader.checks import PROMISE, UNDECODABLE, CodeView, short
from asm_tutor.grader.contract import BlockReport
from asm_tutor.grader.disasm import Instruction
from asm_tutor.grader.isa import for_arch as isa_for
from asm_tutor.grader.result import CheckResult, TestResult, TestStatus
from asm_tutor.pack.model import Param
from asm_tutor.pack.param_types import UNSIGNED

# Said in the terms of the architecture the file is graded for.
SIGNED_COMPARE = {
    "x86_64": ("Every case that fails has an argument with its top bit set, and the small numbers all pass: read "
               "as signed, a number with its top bit set is negative. Compare as unsigned: `cmovb`/`cmova` "
               "(below/above), not `cmovl`/`cmovg` (less/greater, which are signed)."),
    "aarch64": ("Every case that fails has an argument with its top bit set, and the small numbers all pass: read "
                "as signed, a number with its top bit set is negative. Compare as unsigned: `csel` with `lo`/`hs`/"
                "`hi`/`ls` (lower/higher), not `lt`/`ge`/`gt`/`le` (which are signed)."),
}
RESERVED_CRASH = ("Your block changes a register LLVM relies on and does not restore it (see the check "
                  "“promise: reserved registers”): that is the likely cause of the crash.")


def signed_compare(tests: list[TestResult], params: tuple[Param, ...], arch: str) -> str:
    """SIGNED_COMPARE (for `arch`) when only cases with a top bit set are wrong, and small numbers are right."""
    bits = [UNSIGNED.get(p.type.strip()) for p in params]
    if not any(bits):
        return ""
    failing = [t for t in tests if t.status is TestStatus.FAIL]
    passing = [t for t in tests if t.status is TestStatus.PASS]
    if not failing or not passing:
        return ""

    def top_bit(test: TestResult) -> bool | None:
        args = _integers(test.input)
        if args is None or len(args) != len(bits):
            return None
        return any(b is not None and value >> (b - 1) & 1 for value, b in zip(args, bits, strict=True))

    def picks_an_argument(test: TestResult) -> bool:
        """The right answer is one of the arguments: a selection (max, min, clamp), where a signed
        comparison is the likely mistake; not, say, an overflow test that returns a bool."""
        args = _integers(test.input)
        return args is not None and test.expected.strip().isdigit() and int(test.expected) in args

    if (all(top_bit(t) is True for t in failing) and any(top_bit(t) is False for t in passing)
            and all(picks_an_argument(t) for t in failing)):
        return SIGNED_COMPARE.get(arch, SIGNED_COMPARE["x86_64"])
    return ""


def _integers(call: str) -> list[int] | None:
    """The arguments of a call as the judge shows it, `max_u64(1, 18446744073709551615)`."""
    match = re.fullmatch(r"\w+\((.*)\)", call.strip())
    if match is None:
        return None
    try:
        return [int(part) for part in match.group(1).split(",") if part.strip()]
    except ValueError:
        return None


_GIVE_BACK = {
    "registers": "Declare it as a clobber (`out(\"{}\") _`). See the lesson “Clobbers and calls”, section "
                 "“Undeclared clobbers”.",
    "reserved": "LLVM reserves it, so it cannot be declared: save it first and restore it at the end. See the "
                "lesson “Clobbers and calls”, section “Registers LLVM reserves”.",
}


def crash_cause(view: CodeView | None, promises: list[BlockReport], arch: str) -> str:
    """What in the learner's blocks most likely crashes a program, in a sentence; "" when nothing
    does: a block that leaves the stack pointer moved, or one that changes a callee-saved register
    (one its callers keep values in across the call) and does not give it back."""
    for function in view.functions if view is not None else []:
        regions: dict[int, list[Instruction]] = {}
        for insn in function.instructions:
            if insn.region is not None and not function.naked:
                regions.setdefault(insn.region, []).append(insn)
        for insns in regions.values():
            texts = [insn.text for insn in insns]
            moved = structure.stack_change(texts, arch)
            if moved:
                pushes = next((t for t in texts if structure.mnemonic_of(t) in ("push", "pop") or "sp" in t), texts[0])
                return (f"Your asm! block in `{short(function.name)}` leaves the stack pointer moved by {-moved} "
                        f"bytes (`{' '.join(pushes.split())}` with nothing that puts it back): every return address "
                        "and saved value above it is then read from the wrong place, the likely cause of the crash. "
                        "Pop what you push, or better, take a scratch register (`out(reg) _`). See the lesson "
                        "“Memory operands”, section “The stack: nostack and the red zone”.")
    isa = isa_for(arch)
    # What the caller counts on across the call: the convention's callee-saved registers (isa.py's
    # one table), and on aarch64 the link register x30 too (the return address).
    saved = (isa.callee_saved if isa is not None else frozenset()) | ({"x30"} if arch == "aarch64" else frozenset())
    for report in promises:
        for breach in report.breaches:
            register = structure.written_register(breach.instruction, arch)
            if breach.topic in ("registers", "reserved") and register in saved:
                return (f"Your block at line {breach.line} changes {register} (`{breach.instruction}`) and does not "
                        f"give it back: {register} is callee-saved, so the code that called yours still counts on "
                        f"its old value, the likely cause of the crash. {_GIVE_BACK[breach.topic].format(register)}")
    return ""


def explain_crashes(tests: list[TestResult], checks: list[CheckResult], undecodable: bool, cause: str = "") -> None:
    """Say why a crash happened when the code shows it: `cause` (crash_cause), a reserved register
    the block does not restore (SIGSEGV), or bytes in the block that are no instruction this
    disassembler knows (SIGILL)."""
    reserved = any(c.status is TestStatus.FAIL and c.name == f"{PROMISE}: reserved registers" for c in checks)
    for test in tests:
        if test.status is not TestStatus.ERROR:
            continue
        if cause and "crashed" in test.message:
            test.message = f"{test.message} {cause}"
        elif reserved and "SIGSEGV" in test.message:
            test.message = f"{test.message} {RESERVED_CRASH}"
        elif undecodable and "SIGILL" in test.message:
            test.message = f"{test.message} {UNDECODABLE}"
