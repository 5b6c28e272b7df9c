"""The trace's one entry point: `trace()`, a check's case stepped through in the emulator.

    grade (the check, usually from its cache) → the case's arguments
    build the check's program at the level → its function, its asm! blocks, their operands
    emulate the function in the worker (sandboxed) → each step → a Trace (model.py)

The learner's program is never run for a trace: unicorn emulates the required function
alone, from its first instruction to its return (or a stop, said in a sentence).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from asm_tutor.errors import UserError
from asm_tutor.grader import sandbox
from asm_tutor.grader.checks import is_learner, short
from asm_tutor.grader.disasm import demangle
from asm_tutor.grader.isa import for_arch
from asm_tutor.grader.result import GradeResult, Status, TestResult, TestStatus
from asm_tutor.pack.model import Exercise, Lesson
from asm_tutor.toolchain import Toolchain, require_grading_toolchain
from asm_tutor.trace import calls
from asm_tutor.trace.arches import ARCHES, ArchSpec, condition_holds, condition_of, decode_flags, full_register
from asm_tutor.trace.build import Built, build
from asm_tutor.trace.emulate import MAX_STEPS, TIME_LIMIT
from asm_tutor.trace.model import Argument, Block, BrokenPromise, Case, Condition, Line, MemoryWrite, RegisterChange, Step, Stop, Trace
from asm_tutor.trace.runner import run_worker


def trace(exercise: Exercise, source: str, *, edition: str = "2021", lessons: Mapping[str, Lesson] | None = None,
          seed: int | None = None, case: str | None = None, args: Sequence[str] | None = None,
          opt_level: int | None = None, max_steps: int = MAX_STEPS, time_limit: float = TIME_LIMIT,
          toolchain: Toolchain | None = None) -> Trace:
    """Trace the learner's required function on one case: `case` (its number, 1-based, or its name,
    e.g. "edge 3"), else the given `args` (Rust literals), else the check's first failing case
    (else its first). `opt_level` 0 or 3; by default the level the case failed at.
    `edition`, `lessons` and `seed` as for grade(), so a trace after a check reuses its result.
    Raises UserError with a sentence when it cannot trace (and ToolchainError without rustc)."""
    started = time.perf_counter()
    toolchain = toolchain or require_grading_toolchain()
    spec = ARCHES.get(toolchain.arch)
    if spec is None:
        raise UserError(f"Tracing emulates x86_64 and aarch64 code; this computer is {toolchain.arch}.")
    signature = exercise.function
    if why := calls.refusal(signature, spec):
        raise UserError(why)
    chosen: TestResult | None = None
    if args is not None:
        values = calls.parse_arguments(list(args), signature.params)
    else:
        from asm_tutor.grader.engine import grade

        result = grade(exercise, source, edition=edition, toolchain=toolchain, seed=seed, lessons=lessons)
        chosen = _choose(result, case, opt_level)
        values = calls.case_arguments(chosen.input, signature)
    level = opt_level if opt_level is not None else (chosen.opt_level if chosen else 0)
    with tempfile.TemporaryDirectory(prefix="asm-tutor-trace-") as temp:
        built = build(exercise, source, toolchain, edition, level, Path(temp) / "build")
        answer = run_worker(built.binary, built.symbol, [calls.register_value(v) for v in values], _call_names(built),
                            max_steps=max_steps, time_limit=time_limit, work=Path(temp) / "trace")
    found = _assemble(exercise, spec, level, built, answer, values)
    if chosen is not None:
        found.case = Case(chosen.name, chosen.input, chosen.expected, chosen.actual, chosen.status.value)
    found.duration_ms = round((time.perf_counter() - started) * 1000)
    return found


def _choose(result: GradeResult, case: str | None, opt_level: int | None) -> TestResult:
    """The case asked for, else the first that failed, else the first."""
    if result.status is Status.ERROR and not result.tests:
        raise UserError(f"Nothing to trace: {result.message}")
    at_level = [t for t in result.tests if opt_level is None or t.opt_level == opt_level]
    names = list(dict.fromkeys(t.name for t in at_level))
    if case is not None:
        name = names[int(case) - 1] if case.isdigit() and 0 < int(case) <= len(names) else case.strip().lower()
        picked = [t for t in at_level if t.name == name]
        if not picked:
            raise UserError(f"There is no case `{case}`: give 1 to {len(names)} or a name (e.g. `{names[0]}`).",
                            exit_code=2)
        test = next((t for t in picked if t.status is not TestStatus.PASS), picked[0])
    else:
        failing = [t for t in at_level if t.status in (TestStatus.FAIL, TestStatus.ERROR)
                   and not t.name.startswith("property")]
        plain = [t for t in at_level if not t.name.startswith("property")]
        if not failing and not plain:
            raise UserError("Nothing to trace: this exercise's cases are all properties; give --args.")
        test = (failing or plain)[0]
    if test.name.startswith("property"):
        raise UserError(f"`{test.name}` calls the function several times, which one trace cannot show; "
                        "pick a numbered case or give --args.", exit_code=2)
    return test


def _call_names(built: Built) -> dict[int, str]:
    """Offset in the function → what the call (or jump) there goes to, from the object's relocations."""
    function = built.view.functions[0]
    base = function.instructions[0].offset if function.instructions else 0
    names: dict[int, str] = {}
    for insn in function.instructions:
        targets = [r for r in insn.refs if not r.startswith(".L")]
        if targets and insn.mnemonic in ("call", "jmp", "bl", "b", "blr", "br"):
            target = demangle(targets[0])
            names[insn.offset - base] = short(target) if is_learner(target) else target
    return names


def _assemble(exercise: Exercise, spec: ArchSpec, level: int, built: Built, answer: dict[str, Any],
              values: list[int]) -> Trace:
    function = built.view.functions[0]
    base = function.instructions[0].offset if function.instructions else 0
    regions = {insn.offset - base: insn.region for insn in function.instructions}
    reports = {r.region: r for r in built.reports if r.symbol == function.symbol}
    blocks = [Block(region, reports[region].block.line if region in reports else None,
                    dict(reports[region].registers) if region in reports else {})
              for region in sorted({r for r in regions.values() if r is not None})]
    steps = [_step(spec, raw, regions.get(raw["offset"]), blocks) for raw in answer["steps"]]
    signature = exercise.function
    returned_registers = calls.return_registers(signature.returns, spec)
    returned = None
    if answer["returned"] is not None:
        returned = calls.returned_value([answer["returned"][r] for r in spec.returns], signature.returns)
    broken = [BrokenPromise(b.promise, b.instruction, b.reason)
              for region in sorted(reports) for b in reports[region].breaches]
    return Trace(
        exercise=exercise.id, arch=spec.name, opt_level=level, function=signature.name, symbol=built.symbol,
        arguments=[Argument(p.name, p.type, v, reg) for p, v, reg in zip(signature.params, values, spec.args,
                                                                         strict=False)],
        returns=signature.returns, return_registers=returned_registers, blocks=blocks,
        listing=[Line(line["offset"], line["text"], regions.get(line["offset"])) for line in answer["listing"]],
        steps=steps, stop=Stop(**answer["stop"]), returned=returned, sandbox=sandbox.status().tool,
        broken=broken, callee_saved_changed=_callee_saved_changed(spec, steps),
    )


def _callee_saved_changed(spec: ArchSpec, steps: list[Step]) -> list[str]:
    """The registers the calling convention makes a function give back that differ at the end
    from their first value (a save and restore in between is fine)."""
    isa = for_arch(spec.name)
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for step in steps:
        for change in step.registers:
            first.setdefault(change.name, change.old)
            last[change.name] = change.new
    saved = isa.callee_saved if isa is not None else frozenset()
    return [reg for reg in spec.registers if reg in saved and reg in first and first[reg] != last[reg]]


def _placeholders(spec: ArchSpec, registers: dict[str, str]) -> dict[str, str]:
    """Whole register → the placeholders in it, e.g. {"rax": "{out}"} (`{x:e}` as edi counts for rdi)."""
    found: dict[str, list[str]] = {}
    for placeholder, register in registers.items():
        found.setdefault(full_register(spec.name, register), []).append(f"{{{placeholder}}}")
    return {register: ", ".join(names) for register, names in found.items()}


def _step(spec: ArchSpec, raw: dict[str, Any], block: int | None, blocks: list[Block]) -> Step:
    registers = next((b.registers for b in blocks if b.index == block), {}) if block is not None else {}
    named = _placeholders(spec, registers)
    words = set(re.findall(r"\w+", raw["text"]))
    before, after = decode_flags(spec, raw["flags_before"]), decode_flags(spec, raw["flags_after"])
    mnemonic, _, op_str = raw["text"].partition(" ")
    code = condition_of(spec, mnemonic, op_str)
    condition = None
    if code is not None:
        meaning, test = spec.conditions[code]
        condition = Condition(code, meaning, test, condition_holds(test, before))
    return Step(
        number=raw["n"], offset=raw["offset"], text=raw["text"], block=block,
        registers=[RegisterChange(r["name"], r["old"], r["new"], named.get(r["name"], "")) for r in raw["registers"]],
        flags=after, flags_changed=[f for f in after if after[f] != before[f]],
        writes_flags=bool(raw.get("writes_flags")),
        memory=[MemoryWrite(m["address"], bytes.fromhex(m["bytes"])) for m in raw["memory"]],
        condition=condition, executed=raw["executed"],
        operands={name: register for name, register in registers.items() if register in words},
    )
