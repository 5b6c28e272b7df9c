"""Which `asm!` block each compiled asm! region came from, as rustc says it.

The -O0 build carries line tables (`-C debuginfo=line-tables-only`), so its `.s` text
has a `.loc file line column` before every asm! region: the place of the `asm!`
invocation it was compiled from, in the function it was written in, even when that
function was inlined into another (`#[inline(always)]`) or compiled more than once (a
generic, a closure). A block under a `cfg` that is false for the target has no region
at all. So blocks are matched to regions by where they are, never by counting. The -O3
build has no line tables (they would lengthen the compile a check waits for): there a
region is matched by its instructions as the `.s` shows them, for the Assembly view.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from asm_tutor.grader.asm_blocks import AsmBlock
from asm_tutor.grader.crate import LEARNER_FILE
from asm_tutor.grader.disasm import APP_BEGIN, APP_END, Function, function_text

_FILE_RE = re.compile(r'^[ \t]*\.file[ \t]+(\d+)[ \t]+"([^"]*)"(?:[ \t]+"([^"]*)")?', re.M)
_LOC_RE = re.compile(r"^\.loc\s+(\d+)\s+(\d+)\s+(\d+)")


@dataclass(frozen=True)
class Origin:
    """Where one asm! region of a function came from."""

    line: int | None  # the `asm!` invocation's line in the learner's file (None: not known)
    column: int  # its column (1-based, as rustc counts), 0 when not known
    learner: bool  # in the learner's file (not std's code inlined here)
    text: tuple[str, ...]  # the region's lines as the `.s` shows them (the template, operands filled in)


def origins(asm_text: str, symbol: str, learner_file: str = LEARNER_FILE) -> list[Origin] | None:
    """The function's asm! regions in order, each with its origin (line None when the build has
    no line tables); None when the `.s` text does not have the function."""
    files = _files(asm_text)
    body = function_text(asm_text, symbol)
    if body is None:
        return None
    found: list[Origin] = []
    loc: tuple[str, int, int] | None = None
    region: list[str] | None = None
    for raw in body.splitlines():
        line = raw.strip()
        if region is not None:
            if line.startswith(APP_END):
                number, row, column = loc if loc is not None else ("", 0, 0)
                mine = loc is None or files.get(number, "").replace("\\", "/").rsplit("/", 1)[-1] == learner_file
                found.append(Origin(row if mine and loc is not None else None, column, mine, tuple(region)))
                region = None
            elif line:
                region.append(line)
        elif line.startswith(APP_BEGIN):
            region = []
        elif match := _LOC_RE.match(line):
            loc = (match.group(1), int(match.group(2)), int(match.group(3)))
    return found


@functools.lru_cache(maxsize=2)
def _files(asm_text: str) -> dict[str, str]:
    """The `.s` text's source files by number (read once per text, not once per function)."""
    return {m.group(1): (m.group(3) or m.group(2)) for m in _FILE_RE.finditer(asm_text)}


@dataclass(frozen=True)
class Match:
    """A compiled region and the block it came from."""

    region: int
    block: AsmBlock  # a stand-in with the region's line when no block of the file is there
    unjudged: str = ""  # why the region cannot be judged ("": it can)


def match(function: Function, found: list[int], blocks: list[AsmBlock], asm_text: str, arch: str) -> list[Match]:
    """The block of each region of `function` (`found`: the region numbers its instructions have):
    by the region's line; in a build without line tables (-O3), by its instructions as the `.s`
    shows them; as a last resort, by count within the function."""
    short = function.name.rsplit("::", 1)[-1]
    where = origins(asm_text, function.symbol) if asm_text else None
    if where is None or (found and max(found) >= len(where)):
        where = []
    matches = []
    for index in found:
        origin = where[index] if where else None
        if origin is not None and not origin.learner:
            continue  # std's own asm, inlined into the learner's function
        if origin is not None and origin.line is not None:
            here = [b for b in blocks if b.line == origin.line]
            block = min(here, key=lambda b: abs(b.column - origin.column), default=None)
            if block is None:
                matches.append(Match(index, _stand_in(short, origin), "it is written in a macro (`macro_rules!`, or "
                                     "one that builds the block), and the checker reads only `asm!` blocks written "
                                     "out in a function"))
                continue
        else:
            block = _by_text(origin, short, blocks, arch) if origin is not None else None
            if block is None:
                mine = [b for b in blocks if b.function == short]
                block = mine[found.index(index)] if len(mine) == len(found) else None
            if block is None:
                matches.append(Match(index, _stand_in(short, origin), f"which of the file's asm! blocks this one "
                                     f"in `{short}` is cannot be told (the build has no line tables)"))
                continue
        matches.append(Match(index, block, f"the checker cannot read it: {block.problem}" if block.problem else ""))
    return matches


def _stand_in(function: str, origin: Origin | None) -> AsmBlock:
    line = origin.line if origin is not None and origin.line is not None else 0
    return AsmBlock(function, line, "\n".join(origin.text) if origin else "", (), frozenset(), ())


def _by_text(origin: Origin, function: str, blocks: list[AsmBlock], arch: str) -> AsmBlock | None:
    """The one block whose instruction lines have the mnemonics of the region's text (the
    template as compiled, its operands filled in); one in `function` first."""
    compiled = _mnemonics(AsmBlock(function, 0, "\n".join(origin.text), (), frozenset(), ()), arch)
    same = [b for b in blocks if _mnemonics(b, arch) == compiled]
    ours = [b for b in same if b.function == function] or same
    return ours[0] if len(ours) == 1 else None


def _mnemonics(block: AsmBlock, arch: str) -> list[str]:
    return [line.split(None, 1)[0].lower() for line in block.template_lines(arch)]
