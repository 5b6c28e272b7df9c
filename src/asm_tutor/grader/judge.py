"""The exercise's judge: a program built from the pack's reference alone (driver.py), run per check.

It is compiled once per exercise, toolchain and edition and kept (artifacts.py), so
only the first check of an exercise pays for it, in parallel with the learner's
builds. Each check runs it in the sandbox with the check's seed, for the expected
values; an exercise with properties runs it again per optimization level, fed the
values the learner's function returned, to decide them. The judge's own output is
the pack author's code talking: a reference that panics is reported as the pack's
bug, never as the learner's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.grader import artifacts
from asm_tutor.grader.build import rustc_job
from asm_tutor.grader.driver import ORIGIN
from asm_tutor.grader.jobs import CHANNEL_FD, Job
from asm_tutor.grader.processes import Outcome, describe_signal, run_jobs
from asm_tutor.grader.runner import CaseRun, test_limits
from asm_tutor.grader.runtime import Runtime
from asm_tutor.grader.sandbox import Confinement, prepare_work_folder
from asm_tutor.grader.verdict import Judgement
from asm_tutor.safe_text import printable
from asm_tutor.toolchain import Toolchain

KIND = "judge"
BINARY = "judge"
SOURCE = "judge.rs"
TIME_LIMIT = 10.0


def key(source: str, toolchain: Toolchain, edition: str, runtime: Runtime) -> str:
    digest = hashlib.sha256()
    for part in (source, edition, toolchain.release, toolchain.host, toolchain.commit, toolchain.target_id,
                 str(runtime.rlib),
                 repr(runtime.paths.link_flags)):
        digest.update(part.encode("utf-8", errors="surrogatepass") + b"\0")
    return digest.hexdigest()[:24]


def find(judge_key: str) -> Path | None:
    return artifacts.find(KIND, judge_key, BINARY)


def build_job(source: str, folder: Path, edition: str, runtime: Runtime) -> Job:
    """Compile the judge in `folder` (a staging folder from artifacts.staging)."""
    (folder / SOURCE).write_text(source, encoding="utf-8", errors="replace")
    args = [SOURCE, "--crate-name", "asm_tutor_judge", "--crate-type", "bin", "-C", "opt-level=0", "-o", BINARY]
    return rustc_job(runtime.paths, folder, args, edition=edition, runtime=runtime)


@dataclass(frozen=True)
class BuildProblem:
    """Why the judge did not build: the pack's code is at fault, at `field` of its exercise.toml."""

    error: str  # rustc's first error, or why rustc could not run
    field: str | None = None  # e.g. "tests.reference", "tests.cases[2]", "tests.properties[0]"

    def message(self) -> str:
        """For the learner's result: not their code."""
        where = f"field `{self.field}` of " if self.field else ""
        return printable(f"The exercise's hidden tests could not be built: {self.error} (a problem in "
                         f"{where}the pack's exercise.toml, not in your code; `asm-tutor pack check` shows more).")


def build_problem(outcome: Outcome, source: str) -> BuildProblem:
    """The first error of the judge's build, traced to the exercise.toml field its line came from."""
    for line in outcome.stderr.decode("utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("level") == "error":
            spans = [s for s in data.get("spans") or [] if isinstance(s, dict) and s.get("is_primary")]
            at = spans[0].get("line_start") if spans else None
            # The primary span's label says what was wanted: `mismatched types` alone does not
            # name the type a case's value must have (`expected `(usize, Vec<u8>)`, found ...`).
            label = spans[0].get("label") if spans else None
            message = str(data.get("message", "")) + (f": {label}" if isinstance(label, str) and label else "")
            return BuildProblem(message, _origin(source, at) if isinstance(at, int) else None)
    return BuildProblem(outcome.start_error or "rustc gave no message")


def _origin(source: str, line: int) -> str | None:
    """The field named by the first origin mark at or after `line` (a pack expression may span lines)."""
    for text in source.splitlines()[line - 1:]:
        if ORIGIN in text:
            return text.rsplit(ORIGIN, 1)[1].strip()
    return None


def build_now(source: str, toolchain: Toolchain, edition: str, runtime: Runtime, work: Path,
              cancel: threading.Event | None) -> BuildProblem | None:
    """Build the judge now, unless it is built already; its problem, or None (built, or cancelled)."""
    judge_key = key(source, toolchain, edition, runtime)
    if find(judge_key) is not None:
        return None
    folder = artifacts.staging(KIND, judge_key, work)
    prepare_work_folder(folder)
    try:
        (outcome,) = run_jobs([build_job(source, folder, edition, runtime)], cancel)
        built = folder / BINARY
        if outcome.returncode == 0 and built.is_file():
            artifacts.publish(KIND, judge_key, built)
            return None
        return None if outcome.cancelled else build_problem(outcome, source)
    finally:
        artifacts.discard(folder)


def _job(binary: Path, work: Path, runtime: Runtime, args: list[str], stdin: bytes = b"") -> Job:
    work.mkdir(exist_ok=True)
    return Job([*runtime.command(binary), CHANNEL_FD, *args], test_limits(TIME_LIMIT), cwd=work, channel=True, env=runtime.env(),
               sandbox=Confinement(work, (binary, *runtime.paths.visible())), stdin=stdin)


def expect_job(binary: Path, work: Path, seed: int, runtime: Runtime) -> Job:
    return _job(binary, work, runtime, [str(seed)])


def properties_job(binary: Path, work: Path, run: CaseRun, runtime: Runtime) -> Job:
    """Decide the properties of one level's run from the values its function returned."""
    lines = ["\t".join([str(case), *run.calls.get(case, [])]) for case in sorted(run.ended)]
    return _job(binary, work, runtime, ["0", "props"], ("\n".join(lines) + "\n").encode())


def read_expectations(outcome: Outcome, judgement: Judgement) -> None:
    """The judge's EXPECT lines (and its failures) into `judgement`."""
    current = _read(outcome, judgement, lambda index, fields: _expected(judgement, index, fields))
    _ended(outcome, judgement, current)


def read_holds(outcome: Outcome, opt_level: int, judgement: Judgement) -> None:
    holds = judgement.holds.setdefault(opt_level, {})
    current = _read(outcome, judgement, lambda index, fields: holds.__setitem__(index, fields == ["true"]),
                    kind="HOLDS")
    _ended(outcome, judgement, current)


def _expected(judgement: Judgement, index: int, fields: list[str]) -> None:
    if len(fields) == 2:
        judgement.calls[index], judgement.expected[index] = printable(fields[0]), printable(fields[1])


def _read(outcome: Outcome, judgement: Judgement, take: Callable[[int, list[str]], None],
          kind: str = "EXPECT") -> int | None:
    current: int | None = None
    for raw in outcome.channel.decode("utf-8", errors="replace").splitlines():
        name, *fields = raw.split("\t")
        if not fields or not fields[0].isdigit():
            continue
        index = int(fields[0])
        if name == "START":
            current = index
        elif name == kind:
            take(index, fields[1:])
            current = None
        elif name == "PANIC":
            judgement.failures[index] = printable(
                f"The exercise's reference panicked on this case ({fields[1] if len(fields) > 1 else ''}): "
                "a problem in the pack, not in your code.")
            current = None
    return current


def _ended(outcome: Outcome, judgement: Judgement, current: int | None) -> None:
    if outcome.start_error:
        judgement.problem = f"The exercise's judge could not be started: {outcome.start_error}."
    elif outcome.timed_out:
        judgement.problem = f"The exercise's reference took longer than {TIME_LIMIT:g} s (a problem in the pack)."
    elif outcome.returncode != 0 and current is not None:
        reason = describe_signal(outcome.signal) if outcome.signal else f"exit status {outcome.returncode}"
        judgement.failures[current] = f"The exercise's reference failed on this case ({reason}): a problem in the pack."
