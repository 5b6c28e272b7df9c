"""The program a trace emulates: the check's own build of the learner's file, at one level.

The same crate a check builds (the learner's file with the hidden-test driver appended),
compiled by the same job (grader/build.py) and read the same way: the object and the
`.s` text say which instructions came from which asm! block (checks.analyse), the
contract checker says which register each placeholder became (contract.check). The
driver keeps a copy of the required function even at -O3 (its `__FN`), so the linked
program always has it to emulate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asm_tutor.errors import UserError
from asm_tutor.grader import asm_blocks, checks, contract, crate, file_shape, runtime
from asm_tutor.grader.build import check_job, finished_build
from asm_tutor.grader.contract import BlockReport
from asm_tutor.grader.driver import generate
from asm_tutor.grader.pipeline import folder
from asm_tutor.grader.processes import run_jobs
from asm_tutor.pack.model import Exercise
from asm_tutor.toolchain import Toolchain


@dataclass
class Built:
    binary: Path  # the linked test program
    view: checks.CodeView  # the learner's functions in the object, asm! instructions marked
    reports: list[BlockReport]  # per asm! block: which register each placeholder became

    @property
    def symbol(self) -> str:
        return self.view.functions[0].symbol


def build(exercise: Exercise, source: str, toolchain: Toolchain, edition: str, opt_level: int, work: Path) -> Built:
    """Build in `work` (which the caller removes); UserError when it does not compile."""
    folder(work)
    crate.write(work, source, generate(exercise, toolchain.arch, file_shape.read(source)).source)
    test_runtime = runtime.prepare(toolchain, work, None)
    assert test_runtime is not None  # only a cancel makes it None
    (outcome,) = run_jobs([check_job(toolchain.arch, work, opt_level, edition, test_runtime)])
    built = finished_build(work, opt_level, outcome)
    if not built.ok:
        raise UserError(f"Your file does not compile at -O{opt_level}: run `asm-tutor check` to see why.")
    try:
        view = checks.view_of(built.object, built.asm, exercise.function.name, source)
    except checks.CodeProblem as problem:
        raise UserError(str(problem)) from problem
    if view is None:
        raise UserError(f"`{exercise.function.name}` was not found in the compiled code at -O{opt_level}.")
    reports = contract.check(toolchain.arch, view.functions, asm_blocks.find_blocks(source), view.asm_text)
    return Built(built.binary, view, reports)
