"""A lesson's Rust code blocks, checked with the real rustc as their tags say (`pack check`).

What a block promises is read by asm_tutor.pack.lesson_text (the tags are described
there); here each block is compiled, and run when it is a whole program, in the sandbox
like a learner's code, and its output compared with the `output` block after it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from asm_tutor.grader.build import rustc_job
from asm_tutor.grader.jobs import Job
from asm_tutor.grader.linker import program_env
from asm_tutor.grader.pipeline import folder
from asm_tutor.grader.processes import run_jobs
from asm_tutor.grader.runner import test_limits
from asm_tutor.grader.runtime import toolchain_paths
from asm_tutor.grader.sandbox import Confinement, prepare_work_folder
from asm_tutor.pack.lesson_text import CodeBlock
from asm_tutor.paths import cache_dir
from asm_tutor.toolchain import Toolchain

COMPILE_TIMEOUT = 120.0  # seconds for rustc on one block
RUN_TIMEOUT = 10.0  # seconds for the compiled program
OUTPUT_CAP = 64 * 1024  # bytes of the program's output kept for comparison


class BlockStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class BlockOutcome:
    status: BlockStatus
    message: str  # names the lesson line, e.g. "lessons/03-operands.md:42: ..."
    cached: bool = False  # a pass remembered from an earlier check of the very same block

    @property
    def passed(self) -> bool:
        return self.status is BlockStatus.PASS


def _run(job: Job) -> tuple[int | None, str, str]:
    """(exit status or None on time-out, stdout, stderr) of a sandboxed job, output capped at OUTPUT_CAP."""
    (outcome,) = run_jobs([job])
    if outcome.timed_out:
        return None, "", ""
    if outcome.returncode is None:
        return -1, "", outcome.start_error
    decode = lambda b: b[:OUTPUT_CAP].decode("utf-8", "replace")  # noqa: E731
    return outcome.returncode, decode(outcome.output), decode(outcome.stderr)


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).rstrip()


def _relocate(stderr: str, block: CodeBlock) -> str:
    """Point rustc's `block.rs:L:C` at the lesson: hidden lines are lines of the
    Markdown too, so block line L is lesson line `block.line + L`."""
    name = block.origin or "lesson"
    return re.sub(
        r"block\.rs:(\d+):(\d+)",
        lambda m: f"{name}:{block.line + int(m.group(1))}:{m.group(2)}",
        stderr,
    )


def _first_error(stderr: str) -> str:
    """The first `error...` line of rustc's output with its location, for short messages."""
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("error"):
            where = lines[index + 1].strip() if index + 1 < len(lines) else ""
            return f"{line} {where}".strip()
    return stderr.strip().splitlines()[0] if stderr.strip() else "(no output)"


def _skip_reason(block: CodeBlock, toolchain: Toolchain) -> str | None:
    if block.ignored:
        return f"ignored: {block.ignore_reason}"
    if block.arch is not None and block.arch != toolchain.arch:
        return f"for {block.arch}; this host is {toolchain.arch}"
    if block.min_rustc is not None and toolchain.version < block.min_rustc:
        wanted = ".".join(map(str, block.min_rustc))
        return f"needs rustc {wanted}; this is {toolchain.release}"
    return None


def verify_block(block: CodeBlock, toolchain: Toolchain, edition: str = "2021", *,
                 use_cache: bool = False) -> BlockOutcome:
    """Check one block with the real rustc (in a temporary folder, removed afterwards).

    With `use_cache` (pack check), a pass is remembered under everything it depends on
    (the block as parsed, with its place and tags; the edition; the rustc; how blocks
    are linked; this module's code): an instructor re-checking a pack only waits for
    the blocks that changed. Failures are always checked again.
    """
    from asm_tutor.memo import load_json, store_json

    folder = cache_dir() / "blocks"
    key = _cache_key(block, toolchain, edition) if use_cache else ""
    if use_cache and (known := load_json(folder, key)) is not None and known.get("status") == BlockStatus.PASS.value:
        return BlockOutcome(BlockStatus.PASS, str(known.get("message", "")), cached=True)
    outcome = _verify(block, toolchain, edition)
    if use_cache and outcome.passed:
        store_json(folder, key, {"status": outcome.status.value, "message": outcome.message})
    return outcome


@functools.cache
def _code_fingerprint() -> str:
    from asm_tutor.grader.cache import file_fingerprint

    return file_fingerprint(Path(__file__))


def _cache_key(block: CodeBlock, toolchain: Toolchain, edition: str) -> str:
    digest = hashlib.sha256()
    for part in (repr(block), edition, toolchain.release, toolchain.host, toolchain.commit, toolchain.target_id,
                 repr(toolchain_paths(toolchain).link_flags), _code_fingerprint()):
        digest.update(part.encode("utf-8", errors="surrogatepass") + b"\0")
    return digest.hexdigest()


def _verify(block: CodeBlock, toolchain: Toolchain, edition: str) -> BlockOutcome:
    where = block.where
    if block.problems:
        return BlockOutcome(BlockStatus.FAIL, f"{where}: " + "; ".join(block.problems))
    reason = _skip_reason(block, toolchain)
    if reason is not None:
        return BlockOutcome(BlockStatus.SKIPPED, f"{where}: skipped ({reason})")
    edition = block.edition or edition
    workdir = Path(tempfile.mkdtemp(prefix="asm-tutor-block-"))
    try:
        prepare_work_folder(workdir)
        src = workdir / "block.rs"
        src.write_text(block.source, encoding="utf-8")
        exe = workdir / ("block.exe" if os.name == "nt" else "block")
        paths = toolchain_paths(toolchain)
        args = ["-C", "opt-level=0", "--crate-name", "lesson_block", "-o", exe.name, src.name]
        status, _out, stderr = _run(rustc_job(paths, workdir, args, edition=edition, timeout=COMPILE_TIMEOUT,
                                              json=False))
        stderr = _relocate(stderr, block)
        if status is None:
            return BlockOutcome(BlockStatus.FAIL, f"{where}: rustc took longer than {COMPILE_TIMEOUT:g} s")
        compiled = status == 0
        if block.compile_fail:
            return _judge_failure(block, where, compiled, stderr)
        if not compiled:
            message = f"{where}: does not compile: {_first_error(stderr)}"
            if "E0601" in stderr:
                message += " (add hidden `# fn main() {` ... `# }` lines around a fragment)"
            return BlockOutcome(BlockStatus.FAIL, message)
        if block.no_run:
            return BlockOutcome(BlockStatus.PASS, f"{where}: compiles")
        run = folder(workdir / "run")
        job = Job([*paths.runner, str(exe.resolve())], replace(test_limits(RUN_TIMEOUT), output_cap=OUTPUT_CAP), cwd=run,
                  env=program_env(paths.std_dylib_dir), separate_stderr=True,
                  sandbox=Confinement(run, (exe.resolve(), *paths.visible())))
        status, stdout, stderr = _run(job)
        if status is None:
            return BlockOutcome(BlockStatus.FAIL, f"{where}: the program ran longer than {RUN_TIMEOUT:g} s")
        if status != 0:
            detail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit status {status}"
            return BlockOutcome(BlockStatus.FAIL, f"{where}: the program failed ({detail})")
        if block.expected_output is not None:
            want, got = _normalise(block.expected_output), _normalise(stdout)
            if want != got:
                return BlockOutcome(
                    BlockStatus.FAIL,
                    f"{where}: the output differs from the ```output block at line {block.output_line}\n"
                    f"--- expected\n{want}\n--- actual\n{got}",
                )
            return BlockOutcome(BlockStatus.PASS, f"{where}: compiles, runs and prints the stated output")
        return BlockOutcome(BlockStatus.PASS, f"{where}: compiles and runs")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _judge_failure(block: CodeBlock, where: str, compiled: bool, stderr: str) -> BlockOutcome:
    expected = block.expected_error
    if compiled:
        return BlockOutcome(BlockStatus.FAIL, f"{where}: tagged compile_fail ({expected}) but it compiles")
    missing = [code for code in block.error_codes if f"[{code}]" not in stderr]
    if block.error_text is not None and block.error_text not in stderr:
        missing.append(repr(block.error_text))
    if missing:
        return BlockOutcome(
            BlockStatus.FAIL,
            f"{where}: fails to compile, but rustc's output lacks {' and '.join(missing)}; "
            f"rustc said: {_first_error(stderr)}",
        )
    return BlockOutcome(BlockStatus.PASS, f"{where}: fails to compile with {expected}")
