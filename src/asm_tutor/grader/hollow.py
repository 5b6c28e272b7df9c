"""Does the asm! do the work? The -O0 test program again, with every asm! block made no-ops.

A block beside an answer computed in Rust (`add {0}, 0` after `x * 9`, a `cpuid` whose
result is ignored for a hard-coded string) passes every test and every instruction
check. Run the cases once more with the learner's asm! instructions overwritten by
no-ops, in a copy of the -O0 program: if every case still passes, the blocks did not
do the work. The blocks' places come from the object code (disasm.py: offsets within
each function) and the program's own symbol table (objfile.py: where each function is
in the file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from asm_tutor.grader import structure
from asm_tutor.grader.checks import CodeView, short
from asm_tutor.grader.disasm import Function
from asm_tutor.grader.driver import CaseKind
from asm_tutor.grader.objfile import ElfFile, ObjectFileError
from asm_tutor.grader.result import CheckResult, TestStatus
from asm_tutor.grader.runner import CaseRun
from asm_tutor.grader.verdict import Judgement, test_results

CHECK = "asm! does the work"
NOPS = {"x86_64": b"\x90", "aarch64": bytes.fromhex("1f2003d5")}


def make(arch: str, binary: Path, functions: list[Function], target: Path) -> Path | None:
    """A copy of `binary` at `target` with the asm! instructions of `functions` made no-ops;
    None when there are none, or a function is not where the symbol table says."""
    nop = NOPS.get(arch)
    if nop is None:
        return None
    data = bytearray(binary.read_bytes())
    try:
        program = ElfFile(bytes(data))
    except ObjectFileError:
        return None
    patched = False
    for function in functions:
        start = program.file_offset(function.symbol)
        if function.naked:
            continue  # nothing but its asm: made no-ops, it would not even return
        if start is None or not function.instructions:
            continue
        for insn in function.instructions:
            if insn.region is None or not insn.data:
                continue
            at = start + insn.offset - function.instructions[0].offset  # offsets count from the section
            if data[at:at + len(insn.data)] != insn.data and not _relocated(insn.data):
                return None  # the program's bytes are not the object's: do not guess
            data[at:at + len(insn.data)] = (nop * len(insn.data))[:len(insn.data)]
            patched = True
    if not patched:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(data))
    shutil.copymode(binary, target)
    return target


def _relocated(code: bytes) -> bool:
    """An instruction with a relocated field (a call's target is zero in the object)."""
    return b"\0\0\0\0" in code


def verdict(run: CaseRun, judgement: Judgement, blocks: int) -> CheckResult:
    """Failed when every case still passed with the `blocks` asm! blocks made no-ops."""
    # Only cases with an expected value: whatever the no-ops leave in a register can make a
    # property hold by chance (two reads of a stale counter are "never smaller"); see dependence().
    judged = [t for t, info in zip(test_results(run, judgement), run.cases, strict=True)
              if info.kind is not CaseKind.PROPERTY]
    if judged and all(t.status is TestStatus.PASS for t in judged):
        return CheckResult(CHECK, TestStatus.FAIL,
                           f"With your asm! block{'s' if blocks > 1 else ''} turned into no-ops, every test "
                           "still passes: the answer is computed somewhere else (in Rust beside the block, or "
                           "written in). The work must be done by the instructions in your asm! block.")
    return CheckResult(CHECK, TestStatus.PASS)


def dependence(view: CodeView, arch: str) -> CheckResult:
    """For an exercise judged by properties alone: the value the required function returns must
    depend on an asm! block's output (followed back from `ret`, any computation allowed on the
    way). A block whose result is thrown away (a Rust counter beside an `rdtsc`) fails."""
    function = view.functions[0]
    if structure.returned_from_asm(function, arch, ("*",)).from_asm:
        return CheckResult(CHECK, TestStatus.PASS)
    return CheckResult(CHECK, TestStatus.FAIL,
                       f"The value `{short(function.name)}` returns does not come from your asm! block: followed "
                       "back from its `ret`, it is made in Rust (a constant, a call, a counter) and the block's "
                       "output is thrown away. Return what your block reads or computes.")
