"""One check's jobs, each started as soon as what it needs is ready.

    compile -O3 ─────────────▶ run -O3 ─────────┐
    compile -O0 ──▶ run -O0 ──────────────────────┼─▶ properties, per level (judge)
                └─▶ read the object ─▶ checks     │
    judge (built once) ──▶ expected values ───────┘

The -O0 program runs (and its object is read and the checks computed, in this process:
pyelftools and capstone, no external disassembler) while -O3 still compiles; the judge's
expected values come in beside them. Everything else runs in the sandbox, each job
writing only a folder of its own: the test programs cannot touch the build's outputs
that the checks read.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asm_tutor.grader import artifacts, checks, crate, hollow, judge
from asm_tutor.grader.build import OPT_LEVELS, Build, check_job, finished_build
from asm_tutor.grader.contract import BlockReport
from asm_tutor.grader.driver import Driver
from asm_tutor.grader.processes import Outcome, Runner
from asm_tutor.grader.result import CheckResult
from asm_tutor.grader.runner import CaseRun
from asm_tutor.grader.runtime import Runtime
from asm_tutor.grader.sandbox import Confinement, prepare_work_folder
from asm_tutor.grader.verdict import Judgement
from asm_tutor.pack.model import Exercise, Lesson
from asm_tutor.toolchain import Toolchain

HOLLOW = -1  # the "optimization level" of the run with the asm! blocks made no-ops (hollow.py)


@dataclass
class Collected:
    """Everything a check's jobs produced, for the engine to turn into a result."""

    builds: dict[int, Build] = field(default_factory=dict)
    runs: list[CaseRun] = field(default_factory=list)
    judgement: Judgement = field(default_factory=Judgement)
    analysed: bool = False  # the -O0 object was read (False: the build failed first)
    code_problem: str = ""  # why the compiled code could not be checked
    view: checks.CodeView | None = None  # the learner's compiled code, as the -O0 object has it
    promises: list[BlockReport] = field(default_factory=list)  # what each asm! block promised, and broke
    hollow: CaseRun | None = None  # the -O0 cases again, the asm! blocks made no-ops
    listing_o3: str = ""  # the learner's functions at -O3, for the Assembly view only
    # opt level → why its program was refused: code run outside its functions (intruders.py)
    refused: dict[int, list[str]] = field(default_factory=dict)
    cancelled: bool = False


def folder(path: Path) -> Path:
    """A job's own folder, writable by whoever the sandbox runs it as."""
    path.mkdir(exist_ok=True)
    prepare_work_folder(path)
    return path


class Pipeline:
    def __init__(self, exercise: Exercise, source: str, driver: Driver, toolchain: Toolchain, runtime: Runtime,
                 work: Path, seed: int, edition: str) -> None:
        self.exercise, self.source, self.driver, self.toolchain, self.runtime = exercise, source, driver, toolchain, runtime
        self.work, self.seed, self.edition = work, seed, edition
        self.learner_lines = crate.learner_lines(source)
        self.judge_key = judge.key(driver.judge, toolchain, edition, runtime)
        self.judge_binary = judge.find(self.judge_key)
        self.judge_folder: Path | None = None
        self.waiting_for_judge: list[CaseRun] = []  # finished runs whose properties need the judge
        self.analysis: threading.Thread | None = None  # the contract checker, once the code is known
        self.got = Collected()

    def run(self, cancel: threading.Event | None, prefetch: Sequence[str] = ()) -> Collected:
        """Run every job; `prefetch` names modules the caller needs afterwards, imported (with
        the ones the checks need) while the compilers run, when this thread only waits."""
        try:
            with Runner() as runner:
                self.runner = runner
                self._start(runner)
                threading.Thread(target=_prefetch, args=(self.exercise.contract.promises, prefetch),
                                 daemon=True).start()
                while runner.busy and not self.got.cancelled:
                    for handle, outcome in runner.wait(cancel):
                        self.got.cancelled = cancel is not None and cancel.is_set()
                        if not self.got.cancelled:
                            self._finished(handle, outcome)
        finally:
            if self.judge_folder is not None and self.judge_binary is None:
                artifacts.discard(self.judge_folder)  # the judge did not build (or was stopped)
            if self.analysis is not None:
                self.analysis.join()
        self.got.cancelled = cancel is not None and cancel.is_set()
        return self.got

    def _start(self, runner: Runner) -> None:
        self.compiles = {runner.start(check_job(self.toolchain.arch, self.work, level, self.edition,
                                                self.runtime)): level for level in OPT_LEVELS}
        self.case_runs: dict[object, CaseRun] = {}
        self.judging: dict[object, int | None] = {}  # judge job → opt level (None: expected values)
        self.judge_build: object | None = None
        if self.judge_binary is None:
            self.judge_folder = folder(artifacts.staging(judge.KIND, self.judge_key, self.work))
            self.judge_build = runner.start(judge.build_job(self.driver.judge, self.judge_folder, self.edition,
                                                            self.runtime))
        else:
            self._expect()

    @property
    def broken(self) -> bool:
        return any(not build.ok for build in self.got.builds.values())

    def _finished(self, handle: object, outcome: Outcome) -> None:
        if handle in self.compiles:
            self._compiled(finished_build(self.work, self.compiles.pop(handle), outcome))
        elif handle is self.judge_build:
            assert self.judge_folder is not None
            built = self.judge_folder / judge.BINARY
            if outcome.returncode == 0 and built.is_file():
                self.judge_binary = artifacts.publish(judge.KIND, self.judge_key, built)
                self._expect()
                for build in self.got.builds.values():
                    self._inspect(build)
                for run in self.waiting_for_judge:
                    self._decide_properties(run)
            else:
                self.got.judgement.problem = judge.build_problem(outcome, self.driver.judge).message()
        elif handle in self.judging:
            level = self.judging.pop(handle)
            if level is None:
                judge.read_expectations(outcome, self.got.judgement)
            else:
                judge.read_holds(outcome, level, self.got.judgement)
        elif handle in self.case_runs:
            run = self.case_runs.pop(handle)
            if self.broken:
                return
            run.absorb(outcome)  # a run that crashed mid-way restarts from the next case
            if not run.finished:
                self.case_runs[self.runner.start(run.job())] = run
            elif run.ended:
                self._decide_properties(run)

    def _promises(self, view: checks.CodeView) -> None:
        from asm_tutor.grader import asm_blocks, contract

        self.got.promises = contract.check(self.toolchain.arch, view.functions, asm_blocks.find_blocks(self.source),
                                           view.asm_text)

    def _analyse(self) -> None:
        """The -O0 object read (the checks' view of the learner's code), then what needs it:
        the hollow run, and the contract checker on a thread of its own, so the jobs still
        running are answered meanwhile."""
        self.got.analysed = True
        try:
            self.got.view = self._view(0)
        except checks.CodeProblem as problem:
            self.got.code_problem = str(problem)
            return
        if self.got.view is not None:
            from asm_tutor.grader import intruders

            for level in OPT_LEVELS:  # one source: what its -O0 code reaches, both builds carry
                self.got.refused.setdefault(level, []).extend(intruders.runtime_reached(self.got.view.functions))
        self._hollow()
        if self.got.view is not None and self.exercise.contract.promises:
            self.analysis = threading.Thread(target=self._promises, args=(self.got.view,), daemon=True)
            self.analysis.start()

    def _view(self, opt_level: int) -> checks.CodeView | None:
        build = self.got.builds[opt_level]
        return checks.view_of(build.object, build.asm, self.exercise.function.name, self.source)

    def _listing_o3(self) -> str:
        """The -O3 code, marked like the -O0 listing: what the optimizer made of the blocks."""
        from asm_tutor.grader import asm_blocks, contract

        try:
            view = self._view(3)
        except checks.CodeProblem:
            return ""
        if view is None:
            return ""
        # The promises are judged at -O0; here the reports only name each block's registers.
        reports = contract.check(self.toolchain.arch, view.functions, asm_blocks.find_blocks(self.source), view.asm_text) \
            if self.exercise.contract.promises else []
        return checks.listing(view, reports)

    def _hollow(self) -> None:
        """Once the compiled code is known: the cases again with the asm! blocks made no-ops
        (not for an exercise judged on properties alone)."""
        build0, view = self.got.builds.get(0), self.got.view
        if not (self.exercise.contract.asm_does_the_work and self.driver.values) or view is None or \
                build0 is None or self.broken:
            return
        target = hollow.make(self.toolchain.arch, build0.binary, view.functions, self.work / "hollow" / build0.binary.name)
        if target is None:
            return
        confinement = Confinement(folder(self.work / "run_hollow"), (target, *self.runtime.paths.visible()))
        run = CaseRun(target, HOLLOW, self.driver.cases, self.seed, self.exercise.time_limit, self.learner_lines,
                      confinement, env=self.runtime.env(), runner=self.runtime.paths.runner)
        self.got.hollow = run
        self.case_runs[self.runner.start(run.job())] = run

    def _compiled(self, build: Build) -> None:
        self.got.builds[build.opt_level] = build
        if not build.ok:
            for other in self.case_runs:  # the check ends with the compiler's errors
                self.runner.kill(other)
            return
        if self.broken:
            return
        self._inspect(build)
        binary = build.binary
        confinement = Confinement(folder(self.work / f"run_o{build.opt_level}"), (binary, *self.runtime.paths.visible()))
        run = CaseRun(binary, build.opt_level, self.driver.cases, self.seed, self.exercise.time_limit,
                      self.learner_lines, confinement, env=self.runtime.env(), runner=self.runtime.paths.runner)
        self.got.runs.append(run)
        self.case_runs[self.runner.start(run.job())] = run
        if build.opt_level != 0:
            self.got.listing_o3 = self._listing_o3()
        else:
            self._analyse()

    def _inspect(self, build: Build) -> None:
        """Compare the build's program with the judge's (once both are there): it may carry no
        code that runs outside its functions. Its cases still run; a refusal fails them."""
        if self.judge_binary is not None and build.ok:
            from asm_tutor.grader import intruders  # imported while the compilers run (_prefetch)

            self.got.refused.setdefault(build.opt_level, []).extend(intruders.refusals(build.binary, self.judge_binary))

    def _expect(self) -> None:
        assert self.judge_binary is not None
        job = judge.expect_job(self.judge_binary, folder(self.work / "judge"), self.seed, self.runtime)
        self.judging[self.runner.start(job)] = None

    def _decide_properties(self, run: CaseRun) -> None:
        if self.judge_binary is None:
            if self.got.judgement.problem == "":
                self.waiting_for_judge.append(run)
            return
        job = judge.properties_job(self.judge_binary, folder(self.work / f"judge_o{run.opt_level}"), run, self.runtime)
        self.judging[self.runner.start(job)] = run.opt_level


def _prefetch(contract: bool, modules: Sequence[str]) -> None:
    """Import what the rest of a check needs ahead of time: pyelftools (the object is read with
    it, objfile.py), the contract checker (`contract`; capstone itself only when a decoding is
    not remembered, see disasm.py and isa.py), then `modules`."""
    import importlib

    for name in ("elftools.elf.elffile", "elftools.elf.relocation", "elftools.elf.sections"):
        importlib.import_module(name)
    if contract:
        from asm_tutor.grader import asm_blocks

        asm_blocks.find_blocks("")
        importlib.import_module("asm_tutor.grader.contract")
    for name in ("asm_tutor.grader.intruders", "asm_tutor.grader.diagnostics", "asm_tutor.grader.verdict", *modules):
        importlib.import_module(name)


def evaluate_checks(exercise: Exercise, arch: str, source: str, got: Collected,
                    lessons: Mapping[str, Lesson]) -> tuple[list[CheckResult], str]:
    """The checks and the assembly listing, from the -O0 object."""
    view = got.view
    if not got.analysed:
        return [], ""
    if got.code_problem:
        return checks.unavailable(exercise, arch, got.code_problem), ""
    if view is None:
        return checks.unavailable(exercise, arch, f"`{exercise.function.name}` was not found in the compiled code."), ""
    promises = got.promises
    results = checks.evaluate(exercise, arch, source, view, promises, lessons)
    if got.hollow is not None:
        regions = {(f.symbol, i.region) for f in view.functions for i in f.instructions if i.region is not None}
        results.append(hollow.verdict(got.hollow, got.judgement, len(regions)))
    elif exercise.contract.asm_does_the_work and (exercise.require_asm or view.has_asm_region):
        # Properties alone (no-ops would leave stale registers that can make them hold by chance),
        # or a program the blocks could not be made no-ops in: the returned value is followed
        # back instead, and must depend on a block's output. The row is never left out (an
        # exercise without asm! blocks to ask for, a global_asm! one, has none to judge).
        results.append(hollow.dependence(view, arch))
    return results, checks.listing(view, promises)
