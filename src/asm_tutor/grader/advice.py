"""What a failure most likely means, said when the evidence points one way.

A table of wrong answers teaches little on its own. Some patterns say more than any
single row: every failing case has a number with its top bit set (a signed
comparison of unsigned values), a crash comes with a block that changes a register
LLVM relies on. These turn the pattern into a sentence beside the verdict.
"""

from __future__ import annotations

import re

from asm_tutor.grader.checks import PROMISE, UNDECODABLE
from asm_tutor.pack.param_types import UNSIGNED
from asm_tutor.grader.result import CheckResult, TestResult, TestStatus
from asm_tutor.pack.model import Param

SIGNED_COMPARE = ("Every case that fails has an argument with its top bit set, and the small numbers all "
                  "pass: read as signed, a number with its top bit set is negative. Compare as unsigned: `cmovb`/`cmova` "
                  "(below/above) on x86_64, `lo`/`hs`/`hi`/`ls` on aarch64, not `cmovl`/`cmovg` or `lt`/`ge`.")
RESERVED_CRASH = ("Your block changes a register LLVM relies on and does not restore it (see the check "
                  "“promise: reserved registers”): that is the likely cause of the crash.")


def signed_compare(tests: list[TestResult], params: tuple[Param, ...]) -> str:
    """SIGNED_COMPARE when only cases with a top bit set are wrong, and small numbers are right."""
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
        return SIGNED_COMPARE
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


def explain_crashes(tests: list[TestResult], checks: list[CheckResult], undecodable: bool) -> None:
    """Say why a crash happened when the code shows it: a reserved register the block does not
    restore (SIGSEGV), or bytes in the block that are no instruction this disassembler knows (SIGILL)."""
    reserved = any(c.status is TestStatus.FAIL and c.name == f"{PROMISE}: reserved registers" for c in checks)
    for test in tests:
        if test.status is not TestStatus.ERROR:
            continue
        if reserved and "SIGSEGV" in test.message:
            test.message = f"{test.message} {RESERVED_CRASH}"
        elif undecodable and "SIGILL" in test.message:
            test.message = f"{test.message} {UNDECODABLE}"
