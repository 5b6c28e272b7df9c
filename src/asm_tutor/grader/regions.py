"""Which `asm!` block each compiled asm! region came from, as rustc says it.

The -O0 build carries line tables (`-C debuginfo=line-tables-only`), so its `.s` text
has a `.loc file line column` before every asm! region: the place of the `asm!`
invocation it was compiled from, in the function it was written in, even when that
function was inlined into another (`#[inline(always)]`) or compiled more than once (a
generic, a closure). A block under a `cfg` that is false for the target has no region
at all. So blocks are matched to regions by where they are, never by counting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asm_tutor.grader.asm_blocks import AsmBlock
from asm_tutor.grader.crate import LEARNER_FILE
from asm_tutor.grader.disasm import Function

_APP_BEGIN = ("#APP", "//APP", "; InlineAsm Start", "@APP")
_APP_END = ("#NO_APP", "//NO_APP", "; InlineAsm End", "@NO_APP")
_FILE_RE = re.compile(r'^\s*\.file\s+(\d+)\s+"([^"]*)"(?:\s+"([^"]*)")?', re.M)
_LOC_RE = re.compile(r"^\.loc\s+(\d+)\s+(\d+)\s+(\d+)")


@dataclass(frozen=True)
class Origin:
    """Where one asm! region of a function came from."""

    line: int | None  # the `asm!` invocation's line in the learner's file (None: not known)
    column: int  # its column (1-based, as rustc counts), 0 when not known
    learner: bool  # in the learner's file (not std's code inlined here)
    text: tuple[str, ...]  # the region's lines as the `.s` shows them (the template, operands filled in)


def origins(asm_text: str, symbol: str, learner_file: str = LEARNER_FILE) -> list[Origin] | None:
    """The function's asm! regions in order, each with its origin; None when the `.s` text does
    not have the function, or has no line tables (built without them)."""
    files = {m.group(1): (m.group(3) or m.group(2)) for m in _FILE_RE.finditer(asm_text)}
    for label in (f"\n{symbol}:\n", f'\n"{symbol}":\n'):
        start = asm_text.find(label)
        if start >= 0:
            start += len(label)
            break
    else:
        return None
    ends = [e for e in (asm_text.find("\n.Lfunc_end", start), asm_text.find(".cfi_endproc", start)) if e >= 0]
    body = asm_text[start:min(ends)] if ends else asm_text[start:]
    found: list[Origin] = []
    loc: tuple[str, int, int] | None = None
    region: list[str] | None = None
    for raw in body.splitlines():
        line = raw.strip()
        if region is not None:
            if line.startswith(_APP_END):
                if loc is None:
                    return None
                number, row, column = loc
                mine = files.get(number, "").replace("\\", "/").rsplit("/", 1)[-1] == learner_file
                found.append(Origin(row if mine else None, column, mine, tuple(region)))
                region = None
            elif line:
                region.append(line)
        elif line.startswith(_APP_BEGIN):
            region = []
        elif match := _LOC_RE.match(line):
            loc = (match.group(1), int(match.group(2)), int(match.group(3)))
    return found


@dataclass(frozen=True)
class Match:
    """A compiled region and the block it came from."""

    region: int
    block: AsmBlock  # a stand-in with the region's line when no block of the file is there
    unjudged: str = ""  # why the region cannot be judged ("": it can)


def match(function: Function, found: list[int], blocks: list[AsmBlock], asm_text: str) -> list[Match]:
    """The block of each region of `function` (`found`: the region numbers its instructions have),
    by the region's line; without line tables, by count within the function, as a last resort."""
    short = function.name.rsplit("::", 1)[-1]
    where = origins(asm_text, function.symbol) if asm_text else None
    if where is not None and (not found or max(found) < len(where)):
        matches = []
        for index in found:
            origin = where[index]
            if not origin.learner:
                continue  # std's own asm, inlined into the learner's function
            here = [b for b in blocks if b.line == origin.line]
            block = min(here, key=lambda b: abs(b.column - origin.column), default=None)
            if block is None:
                stand_in = AsmBlock(short, origin.line or 0, "\n".join(origin.text), (), frozenset(), ())
                matches.append(Match(index, stand_in, "it is written in a macro (`macro_rules!`, or one that "
                                     "builds the block), and the checker reads only `asm!` blocks written out in "
                                     "a function"))
            else:
                matches.append(Match(index, block, f"the checker cannot read it: {block.problem}" if block.problem
                                     else ""))
        return matches
    mine = [b for b in blocks if b.function == short]
    if len(mine) == len(found):
        return [Match(index, block, f"the checker cannot read it: {block.problem}" if block.problem else "")
                for index, block in zip(found, mine, strict=True)]
    return [Match(index, AsmBlock(short, 0, "", (), frozenset(), ()),
                  f"which of `{short}`'s asm! blocks this one is cannot be told (the build has no line tables)")
            for index in found]
