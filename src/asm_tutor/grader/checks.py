"""Checks on the compiled code: did the learner do the work in their own asm!?

Only the learner's functions count (not the driver, not std), and only those
reachable from the required function: asm in a helper it calls is fine, a
decoy block in an unused function is not. The instructions come from the
object file; which of them came from asm! blocks comes from the `.s` text.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from asm_tutor.grader import structure
from asm_tutor.grader.asm_blocks import AsmBlock, find_blocks, naked_functions
from asm_tutor.grader.contract import LESSONS, BlockReport
from asm_tutor.grader.crate import DRIVER_PATH, LEARNER_PREFIX, REQUIRED_POINTER
from asm_tutor.grader.disasm import BAD, Function, Instruction, ObjectCode, align, asm_items, demangle
from asm_tutor.grader.objfile import ObjectFileError
from asm_tutor.grader.result import CheckResult, TestStatus
from asm_tutor.pack.model import SOURCE_KINDS, CheckKind, Exercise, InstructionCheck, Lesson

USES_ASM = "uses asm!"
PROMISE = "promise"
PROMISES_KEPT = "asm! keeps its promises"
NOT_JUDGED = "asm! blocks the checker could not judge"
_ASM_MACRO_RE = re.compile(r"\b(?:naked_)?asm!\s*[(\[{]")


class CodeProblem(Exception):
    """The compiled code cannot be checked; the message says why, for the learner."""


def is_learner(name: str) -> bool:
    """A demangled path of the learner's own code (free functions, closures, impls), not the driver."""
    inside = name.startswith(LEARNER_PREFIX) or name.startswith("<" + LEARNER_PREFIX)
    return inside and DRIVER_PATH not in name


def short(name: str) -> str:
    return name.replace(LEARNER_PREFIX, "")


UNDECODABLE = ("Your asm! block assembled to bytes the disassembler cannot read (`(bad)` in the Assembly "
               "tab): the assembler took a line as an instruction from a newer extension than this CPU runs. "
               "LLVM reads some forms, such as `shl rax, rcx`, as Intel APX instructions; check the "
               "operands the instruction really takes.")


@dataclass
class CodeView:
    """The learner's code reachable from the required function, with asm! instructions marked."""

    functions: list[Function]  # required function first
    has_asm_region: bool  # some reachable learner function contains an asm! block
    asm_text: str = ""  # the build's `.s`: which source line each asm! region came from (contract.check)

    @property
    def undecodable_asm(self) -> bool:
        """Bytes in an asm! block that decode as `(bad)`: no instruction the disassembler (or the CPU) knows."""
        return any(insn.in_asm and insn.mnemonic == BAD for f in self.functions for insn in f.instructions)


def analyse(code: ObjectCode, asm_text: str, required: str, naked: frozenset[str] = frozenset()) -> CodeView | None:
    """None when the required function is not in the object (it then did not compile);
    CodeProblem when two functions there are named like it.

    The required function is the one the tests call: the one the driver's pointer to it
    points at, whatever else is exported under a name that demangles alike.
    `naked`: the learner's functions (short names) written as one `naked_asm!` block, every
    instruction of which is theirs; rustc emits them as module-level assembly, with no
    `#APP` region around it to find."""
    path = LEARNER_PREFIX + required
    start = code.pointed_at(REQUIRED_POINTER) or code.find(path)
    if start is None:
        return None
    named = code.definitions(path)
    if len(named) > 1:
        others = ", ".join(f"`{symbol}`" for symbol in named if symbol != start) or f"`{start}`"
        raise CodeProblem(f"Two functions in your compiled code are named `{required}`: the one the tests call, and "
                          f"{others}, exported under a name that demangles alike. The checks look at the function "
                          f"the tests call: remove the other one (its `export_name`, `no_mangle` or global_asm! label).")
    # Walk calls and references through every function in the object (a std generic
    # instantiated here may call a learner closure), never into the driver.
    seen = {start}
    queue = deque([start])
    while queue:
        symbol = queue.popleft()
        refs = list(code.refs(symbol))
        for ref in refs:
            if ref not in code and ref not in seen:
                # Data the code points to (a table of fn pointers, a vtable: a function chosen at
                # run time, e.g. the closure `OnceLock::get_or_init` runs through `dyn FnOnce`).
                seen.add(ref)
                refs += _data_refs(asm_text, ref)
            elif ref in code and ref not in seen and DRIVER_PATH not in demangle(ref):
                seen.add(ref)
                queue.append(ref)
    seen = {s for s in seen if s in code}
    learner = sorted((s for s in seen if s != start and is_learner(demangle(s))), key=demangle)
    reachable = [code.function(symbol) for symbol in [start, *learner]]
    has_asm = False
    for function in reachable:
        if short(function.name) in naked:
            function.naked = True
            for insn in function.instructions:
                insn.region = 0
            has_asm = True
            continue
        items = asm_items(asm_text, function.symbol)
        if items is not None and align(function, items):
            has_asm = True
    return CodeView(functions=reachable, has_asm_region=has_asm, asm_text=asm_text)


_DATA_REF_RE = re.compile(r"^\s*\.(?:quad|xword|8byte|dword|word|long)\s+([A-Za-z_.$][\w.$]*)", re.M)


def _data_refs(asm_text: str, symbol: str) -> list[str]:
    """The symbols the data object `symbol` holds the addresses of, as the `.s` text lays it out."""
    start = asm_text.find(f"\n{symbol}:\n")
    if start < 0:
        return []
    end = asm_text.find(".size", start)
    return _DATA_REF_RE.findall(asm_text[start:end if end >= 0 else start + 4096])


def view_of(obj: Path, asm: Path, required: str, source: str) -> CodeView | None:
    """The learner's compiled code from a build's object and `.s`; None when the required
    function is not there, CodeProblem when the object cannot be read or checked."""
    try:
        code = ObjectCode.read(obj)
        asm_text = asm.read_text(encoding="utf-8", errors="replace") if asm.is_file() else ""
        return analyse(code, asm_text, required, naked_functions(source))
    except ObjectFileError as error:
        raise CodeProblem(f"The checks could not read your compiled code: {error}.") from error


def evaluate(exercise: Exercise, arch: str, source: str, view: CodeView, promises: list[BlockReport],
             lessons: Mapping[str, Lesson]) -> list[CheckResult]:
    results: list[CheckResult] = []
    if exercise.require_asm:
        results.append(_uses_asm(source, view))
    results.extend(_source_check(check, source) if check.kind in SOURCE_KINDS else _check(check, view, arch, source)
                   for check in exercise.checks_for(arch))
    if promises:
        results.extend(_promises(promises, lessons))
    return results


def _promises(reports: list[BlockReport], lessons: Mapping[str, Lesson]) -> list[CheckResult]:
    """One failed check per promise broken (its first instance), or one passed check."""
    found: dict[str, CheckResult] = {}
    for report in reports:
        for breach in report.breaches:
            if breach.promise in found:
                continue
            where = f"The block at line {breach.line}"
            if report.operand_map():
                where += f": {report.operand_map()}"
            message = f"{breach.reason[0].upper()}{breach.reason[1:]} ({where}.){_lesson(breach.topic, lessons)}"
            found[breach.promise] = CheckResult(f"{PROMISE}: {breach.promise}", TestStatus.FAIL, message)
    results = list(found.values()) or [CheckResult(PROMISES_KEPT, TestStatus.PASS)]
    unjudged = {f"at line {r.block.line}" if r.block.line else f"in `{short(demangle(r.symbol))}`": r.unjudged
                for r in reports if r.unjudged}
    if unjudged:  # said, never skipped in silence; not a failure: the code may well be right
        said = "; ".join(f"the block {where}: {why}" for where, why in unjudged.items())
        results.append(CheckResult(NOT_JUDGED, TestStatus.PASS, f"Not judged: {said}."))
    return results


def _lesson(topic: str, lessons: Mapping[str, Lesson]) -> str:
    """" See the lesson “Options”, section “…”." when this course teaches the topic there."""
    lesson_id, heading = LESSONS[topic]
    lesson = lessons.get(lesson_id)
    try:
        taught = lesson is not None and f"## {heading}" in lesson.text()
    except OSError:
        taught = False
    return f" See the lesson “{lesson.title}”, section “{heading}”." if taught and lesson else ""


def unavailable(exercise: Exercise, arch: str, message: str) -> list[CheckResult]:
    """Every check, marked as impossible to evaluate (e.g. the compiled code could not be read)."""
    names = ([USES_ASM] if exercise.require_asm else []) + [c.name for c in exercise.checks_for(arch)]
    return [CheckResult(name=name, status=TestStatus.ERROR, message=message) for name in names]


def _uses_asm(source: str, view: CodeView) -> CheckResult:
    if not _ASM_MACRO_RE.search(_strip_comments(source)):
        return CheckResult(USES_ASM, TestStatus.FAIL,
                           "Your file has no `asm!` block: this exercise is about writing the instructions yourself.")
    if not view.has_asm_region:
        return CheckResult(USES_ASM, TestStatus.FAIL,
                           "Your required function does not run an `asm!` block (nor does any function it calls).")
    return CheckResult(USES_ASM, TestStatus.PASS)


def _strip_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.S)
    return re.sub(r"//[^\n]*", " ", source)


def _source_check(check: InstructionCheck, source: str) -> CheckResult:
    """`asm_declares` / `asm_omits`: what the learner's asm! blocks say (options, operand kinds,
    clobber_abi), read from the source as rustc reads it."""
    blocks = find_blocks(source)
    said = [(block, _declarations(block) & set(check.patterns)) for block in blocks]
    if check.kind is CheckKind.ASM_DECLARES:
        if any(found for _block, found in said):
            return CheckResult(check.name, TestStatus.PASS)
        if not blocks:
            return CheckResult(check.name, TestStatus.FAIL, f"{check.message} (Your file has no asm! block yet.)")
        return CheckResult(check.name, TestStatus.FAIL, check.message)
    for block, found in said:
        if found:
            return CheckResult(check.name, TestStatus.FAIL,
                               f"{check.message} (The block at line {block.line} has {', '.join(sorted(found))}.)")
    return CheckResult(check.name, TestStatus.PASS)


def _declarations(block: AsmBlock) -> set[str]:
    return {*block.options, *(op.direction for op in block.operands),
            *(["clobber_abi"] if block.clobber_abis else []), *(f'clobber_abi("{abi}")' for abi in block.clobber_abis)}


def _check(check: InstructionCheck, view: CodeView, arch: str, source: str) -> CheckResult:
    found: str | None = None
    if check.kind is CheckKind.FORBID_CALL:
        found = _forbidden_call(check.patterns, view)
        ok = found is None
    elif check.kind is CheckKind.ASM_RESULT:
        elsewhere = _result_made_elsewhere(check, view, arch)
        if elsewhere is None:
            return CheckResult(check.name, TestStatus.PASS)
        return CheckResult(check.name, TestStatus.FAIL, f"{check.message} ({elsewhere[0].upper()}{elsewhere[1:]}.)")
    else:
        where = {CheckKind.ASM_USES: True, CheckKind.ASM_FORBIDS: True, CheckKind.FORBID_OUTSIDE_ASM: False}
        in_asm = where.get(check.kind)  # None: anywhere
        named = [
            (function, insn)
            for function in view.functions
            for insn in function.instructions
            if (in_asm is None or insn.in_asm == in_asm) and _matches(insn.mnemonic, check.patterns)
        ]
        matches = [(function, insn) for function, insn in named if _qualifies(check, function, insn)]
        if check.operand == "const":  # said in the template: which lines take the const operand
            taking, typed_in = structure.const_lines(find_blocks(source), check.patterns, arch)
            if not taking:
                matches = []
            found = f"`{typed_in[0]}`" if typed_in else None
        if check.kind is CheckKind.ASM_USES:
            ok = bool(matches)
            if not ok and named and (check.operand or check.branch):
                return CheckResult(check.name, TestStatus.FAIL, f"{check.message} {_unqualified(check, named, found)}")
        else:
            ok = not matches
            if matches:
                function, insn = matches[0]
                found = f"`{_plain(insn.text)}` in `{short(function.name)}`"
    if ok:
        return CheckResult(check.name, TestStatus.PASS)
    if check.kind is CheckKind.ASM_USES:
        return CheckResult(check.name, TestStatus.FAIL, _missing_from_asm(check, view))
    message = check.message if found is None else f"{check.message} (Found {found}.)"
    return CheckResult(check.name, TestStatus.FAIL, message)


def _qualifies(check: InstructionCheck, function: Function, insn: Instruction) -> bool:
    """The instruction is what the check's `operand` and `branch` ask for (structure.py)."""
    if check.operand == "memory" and not structure.has_memory_operand(insn):
        return False
    if check.branch == "forward":
        return structure.branch_kind(insn) == "forward"
    if check.branch == "back":  # inside a block, a loop's back-edge stays in that block
        return structure.branch_kind(insn) == "back" and (not insn.in_asm or
                                                          structure.back_edge_in_its_block(function, insn))
    return True


def _unqualified(check: InstructionCheck, named: list[tuple[Function, Instruction]], line: str | None) -> str:
    """Why the instructions the patterns name do not count, in the learner's terms."""
    shown = ", ".join(f"`{_plain(insn.text)}`" for _f, insn in named[:3])
    if check.operand == "const":
        return f"(Your block writes {line}: the value is typed in, not the `const` operand.)" if line else \
            "(No instruction of your block takes the `const` operand: it may only be named in a comment.)"
    if check.operand == "memory":
        return f"(Your block's {shown} take no memory operand.)"
    if check.branch == "back":
        return f"(Your block's {shown} go forward, or out of the block: the loop does not run inside it.)"
    return f"(Your block's {shown} are no forward branch.)"


def _result_made_elsewhere(check: InstructionCheck, view: CodeView, arch: str) -> str | None:
    """What made the required function's result instead of its asm! block, or None (the block did);
    a call to one of the learner's own functions is followed into it."""
    functions = {function.symbol: function for function in view.functions}
    function, seen = view.functions[0], set()
    while True:
        seen.add(function.symbol)
        origin = structure.returned_from_asm(function, arch, check.patterns)
        if origin.from_asm:
            return None
        callee = functions.get(origin.callee)
        if callee is None or callee.symbol in seen:
            break
        function = callee
    where = f" in `{short(function.name)}`"
    if origin.callee:
        return f"the value returned comes from a call to `{short(demangle(origin.callee))}`{where}"
    if origin.instruction:
        return f"the value returned is made by `{_plain(origin.instruction)}`{where}, outside your asm! block"
    return f"the value returned is not one your asm! block wrote{where}"


def _missing_from_asm(check: InstructionCheck, view: CodeView) -> str:
    """An `asm_uses` failure, with what the block does run instead (or that there is no block)."""
    wanted = " or ".join(f"`{p}`" for p in check.patterns)
    if not view.has_asm_region:
        return f"Your function runs no asm! block yet: write one, with {wanted} in it."
    if view.undecodable_asm:
        return f"{check.message} ({UNDECODABLE})"
    ran = sorted({insn.mnemonic for f in view.functions for insn in f.instructions if insn.in_asm})
    return f"{check.message} (Your asm! block runs {', '.join(f'`{m}`' for m in ran) or 'no instruction'}.)"


def _matches(mnemonic: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(mnemonic, pattern.lower()) for pattern in patterns)


def _forbidden_call(patterns: tuple[str, ...], view: CodeView) -> str | None:
    """A call or reference to a library function the patterns name; the learner's own functions
    never match (a helper `has_popcnt` is not the `_popcnt64` intrinsic)."""
    for function in view.functions:
        for insn in function.instructions:
            for ref in insn.refs:
                target = demangle(ref)
                if is_learner(target) or target.startswith(DRIVER_PATH):
                    continue
                if any(fnmatchcase(target, p) or fnmatchcase(ref, p) for p in patterns):
                    return f"a call to `{target}` in `{short(function.name)}`"
    return None


def _plain(text: str) -> str:
    """An instruction's text without `<symbol+0x..>` annotations, spaces tidied."""
    text = re.sub(r"\s*<[^>]*>", "", text)
    return re.sub(r"\s+", " ", text).strip()


def listing(view: CodeView, promises: list[BlockReport]) -> str:
    """The reachable learner functions in readable form, the asm! blocks marked with ▶ and
    headed by their line and what their placeholders became."""
    heads: dict[tuple[str, int | None], str] = {}
    for report in promises:
        operands = f": {report.operand_map()}" if report.operand_map() else ""
        if report.block.line:  # 0: a region no block could be matched to
            heads[(report.symbol, report.region)] = f" (line {report.block.line}{operands})"
    out: list[str] = []
    for function in view.functions:
        out.append(f"{short(function.name)}:")
        inside = False
        for insn in function.instructions:
            if insn.in_asm and not inside:
                out.append(f"        ; asm! begin{heads.get((function.symbol, insn.region), '')}")
            elif not insn.in_asm and inside:
                out.append("        ; asm! end")
            inside = insn.in_asm
            text = _plain(insn.text)
            targets = ", ".join(short(demangle(r)) for r in insn.refs if not r.startswith(".L"))
            if targets and insn.mnemonic in ("call", "jmp") and len(insn.refs) == 1:
                text = f"{insn.mnemonic} {targets}"  # the object holds only the unrelocated offset
            elif targets:
                text = f"{text}  ; {targets}"
            out.append(f"{insn.offset:6x}  {'▶' if insn.in_asm else ' '} {text}")
        if inside:
            out.append("        ; asm! end")
        out.append("")
    return "\n".join(out).rstrip() + "\n" if out else ""
