"""asm-tutor benchmarks: grading against the rustc floor, start-up, pack check, memory.

Run from the checkout with the project's venv:

    .venv/bin/python bench/bench.py [--rounds 7] [--exercise times_nine]

Every measurement runs once per round, interleaved with the others, so a busy
machine slows them all alike; the table shows medians and ratios against the
floor measured in the same run. Plain Python, no extra packages. Results and the
method are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The TUI's first screen, timed from process start to the app being mounted
# and idle: the child prints the moment it is ready, the parent stops the clock.
TUI_PROBE = """
import asyncio
from asm_tutor.context import Context
from asm_tutor.toolchain import warm_up
warm_up()  # as `asm-tutor` does (tui/launch.py): rustc -vV overlaps the Textual import
from asm_tutor.tui.app import TutorApp

async def main() -> None:
    ctx = Context(pack_arg=None, profile="bench")
    app = TutorApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print("READY", flush=True)

asyncio.run(main())
"""


# The engine alone: one grade() of a fresh source in a process that has already
# imported everything and loaded the pack, so Python's start-up is not in the number.
# "again": an unchanged re-check (the first grade fills the cache), as in the TUI.
# "watch": what `asm-tutor watch` does when a save leaves the code as it was checked
# before: read the file (safely), then grade() answers from the result cache.
# "unconfined": the same as "once" without bubblewrap, to show what the sandbox costs;
# "no contract": without the checks of the asm! block's promises (contract.py, hollow.py).
# "trace": a trace of the first case right after its check (the TUI's Enter on a row):
# the check answers from the cache, the function is rebuilt at one level and emulated.
ENGINE_PROBE = """
import sys, time
from pathlib import Path
from asm_tutor.grader import sandbox
from asm_tutor.grader.engine import grade
from asm_tutor.learner_file import read_learner_file
from asm_tutor.pack.loader import load_pack
from asm_tutor.toolchain import require_grading_toolchain
pack = load_pack(Path(sys.argv[1]))
exercise = pack.exercises[sys.argv[2]]
toolchain = require_grading_toolchain()
path, mode = Path(sys.argv[3]), sys.argv[4]
if mode == "unconfined":
    sandbox.status = lambda: sandbox.SandboxStatus("", "off for the benchmark")
if mode == "no contract":
    from dataclasses import replace
    from asm_tutor.pack.model import ContractSpec
    exercise = replace(exercise, contract=ContractSpec(False, False, False))
if mode in ("again", "watch", "trace"):  # the first grade fills the cache
    grade(exercise, read_learner_file(path), edition=pack.edition, toolchain=toolchain, lessons=pack.lessons)
start = time.perf_counter()
if mode == "trace":
    from asm_tutor.trace.trace import trace
    found = trace(exercise, path.read_text(), edition=pack.edition, lessons=pack.lessons, toolchain=toolchain)
    assert found.steps, found.stop.message
    print(time.perf_counter() - start)
    raise SystemExit(0)
source = read_learner_file(path) if mode == "watch" else path.read_text()
result = grade(exercise, source, edition=pack.edition, toolchain=toolchain, lessons=pack.lessons)
assert result.passed, result.message
print(time.perf_counter() - start)
"""


@dataclass
class Measure:
    name: str
    run: Callable[[int], float]  # one sample, in seconds
    target: str = ""
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0,):
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


# Peak resident memory, in MiB, of the tutor's own Python process (RUSAGE_SELF) and of
# its largest child (RUSAGE_CHILDREN: rustc, the test binaries, objdump).
MEMORY_PROBE = """
import resource
{body}
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(own / 1024, child / 1024)
"""


def peak_rss_mib(body: str, env: dict[str, str]) -> tuple[float, float]:
    proc = subprocess.run([PYTHON, "-c", MEMORY_PROBE.format(body=body)], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, check=True)
    own, child = proc.stdout.split()[-2:]
    return float(own), float(child)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--exercise", default="times_nine")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="asm-tutor-bench-"))
    env = dict(os.environ)
    # Measure the tutor as installed: pip writes bytecode at install time, so let Python
    # write and use its .pyc files here too (some shells set PYTHONDONTWRITEBYTECODE).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env[var] = str(work / var.lower())
    # The program a learner types: the console script pip installed beside this Python.
    script = Path(PYTHON).parent / "asm-tutor"
    tutor = [str(script)] if script.is_file() else [PYTHON, "-m", "asm_tutor"]
    arch = platform.machine()
    solution_dir = ROOT / "exercises" / args.exercise
    solution_path = solution_dir / arch / "solution.rs"
    if not solution_path.is_file():
        solution_path = solution_dir / "solution.rs"
    solution = solution_path.read_text()
    learner = work / "learner.rs"
    warm = work / "warm.rs"
    warm.write_text(solution)

    # A rustlings-style crate: the learner's function in the library, a test beside it.
    crate = work / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "bench_ex"\nversion = "0.1.0"\nedition = "2021"\n')
    crate_test = "\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn works() { let _ = super::main; }\n}\n"

    def fresh_source(i: int) -> Path:
        # Change the source each run, so neither the tutor's cache nor cargo's can answer.
        learner.write_text(f"{solution}\n// run {i} {time.time_ns()}\n")
        return learner

    def floor(i: int) -> float:
        src = fresh_source(i)
        binary = work / "floor"
        start = time.perf_counter()
        subprocess.run(["rustc", "-O", str(src), "-o", str(binary)], check=True, capture_output=True)
        subprocess.run([str(binary)], check=True, capture_output=True)
        return time.perf_counter() - start

    def cold(i: int) -> float:
        src = fresh_source(i)
        return timed([*tutor, "check", args.exercise, str(src), "--no-save"], env)

    def engine(i: int, mode: str = "once") -> float:
        src = fresh_source(i)
        proc = subprocess.run([PYTHON, "-c", ENGINE_PROBE, str(ROOT), args.exercise, str(src), mode], env=env,
                              capture_output=True, text=True, check=True)
        return float(proc.stdout.strip())

    def engine_again(i: int) -> float:
        return engine(i, "again")

    def engine_unconfined(i: int) -> float:
        return engine(i, "unconfined")

    def engine_no_contract(i: int) -> float:
        return engine(i, "no contract")

    def trace_after_check(i: int) -> float:
        return engine(i, "trace")

    # The same course with the exercise's contract checks switched off (its [contract] table).
    plain_pack = work / "plain-pack"
    shutil.copytree(ROOT, plain_pack, ignore=shutil.ignore_patterns(".venv", ".git", "src", "tests", "bench", "docs"))
    spec = plain_pack / "exercises" / args.exercise / "exercise.toml"
    spec.write_text(spec.read_text() + "\n[contract]\npromises = false\ncalling_contexts = false\n"
                    "asm_does_the_work = false\n")

    def cold_decoded_anew(i: int) -> float:
        # As for a block never checked before: nothing decoded is remembered, so capstone is imported.
        shutil.rmtree(Path(env["XDG_CACHE_HOME"]) / "asm-tutor" / "memo" / "decoded", ignore_errors=True)
        return cold(i)

    def cold_no_contract(i: int) -> float:
        src = fresh_source(i)
        return timed([*tutor, "--pack", str(plain_pack), "check", args.exercise, str(src), "--no-save"], env)

    def watch_again(i: int) -> float:
        return engine(i, "watch")

    def cached(i: int) -> float:
        return timed([*tutor, "check", args.exercise, str(warm), "--no-save"], env)

    def cargo_flow(i: int) -> float:
        (crate / "src" / "main.rs").write_text(f"{solution}\n// run {i} {time.time_ns()}\n{crate_test}")
        start = time.perf_counter()
        subprocess.run(["cargo", "build", "-q", "--offline"], cwd=crate, check=True, capture_output=True)
        subprocess.run(["cargo", "test", "-q", "--offline"], cwd=crate, check=True, capture_output=True)
        return time.perf_counter() - start

    def tui(i: int) -> float:
        start = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-c", TUI_PROBE], env=env, stdout=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.wait()
        if line.strip() != "READY":
            raise SystemExit("bench: the TUI probe did not reach its first screen")
        return elapsed

    def version(i: int) -> float:
        return timed([*tutor, "--version"], env)

    def listing(i: int) -> float:
        return timed([*tutor, "list"], env)

    def pack_check(i: int) -> float:
        return timed([*tutor, "pack", "check", str(ROOT)], env)

    def pack_check_cold(i: int) -> float:
        for kind in ("results", "blocks"):  # graded exercises and lesson blocks; the runtime stays
            shutil.rmtree(Path(env["XDG_CACHE_HOME"]) / "asm-tutor" / kind, ignore_errors=True)
        return timed([*tutor, "pack", "check", str(ROOT)], env)

    measures = [
        Measure("floor: rustc -O compile+link+run", floor),
        Measure("asm-tutor check, cold (source changed)", cold, "≤ 1.6x floor"),
        Measure("  the same, the asm! block never decoded before", cold_decoded_anew),
        Measure("  the same without the contract checks", cold_no_contract),
        Measure("  grade() in-process (engine alone)", engine),
        Measure("  the same, unconfined (no sandbox)", engine_unconfined),
        Measure("  the same without the contract checks", engine_no_contract),
        Measure("asm-tutor check, unchanged (cache)", cached),
        Measure("asm-tutor watch: re-check of unchanged code", watch_again, "≤ 0.05x floor"),
        Measure("  re-check in-process (as in the TUI)", engine_again),
        Measure("trace of a case after its check (in-process)", trace_after_check, "≤ 0.5 s"),
        Measure("rustlings-style: cargo build + cargo test", cargo_flow),
        Measure("TUI start to first screen (run_test)", tui, "≤ 0.6 s"),
        Measure("asm-tutor --version", version, "≤ 0.25 s"),
        Measure("asm-tutor list", listing, "≤ 0.25 s"),
        Measure("asm-tutor pack check (built-in pack)", pack_check, "≤ 3 s"),
        Measure("  the same with no results cached", pack_check_cold, "≤ 3 s"),
    ]

    # Warm-up: fill the page cache, the result cache for `warm`, the judge and the
    # memos (toolchain, sandbox, pack), and cargo's dependency-free build tree, so
    # round 1 is not an outlier.
    timed([*tutor, "check", args.exercise, str(warm), "--no-save"], env)
    timed([*tutor, "--pack", str(plain_pack), "check", args.exercise, str(warm), "--no-save"], env)
    for measure in measures:
        measure.run(-1)  # warm-up sample, not kept
    for i in range(args.rounds):
        for measure in measures:
            measure.samples.append(measure.run(i))

    floor_s = measures[0].median
    print(f"asm-tutor benchmarks — {args.rounds} rounds, interleaved, medians; exercise {args.exercise}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{subprocess.run(['rustc', '--version'], capture_output=True, text=True).stdout.strip()}")
    print()
    print(f"| {'measurement':<45} | {'median':>8} | {'vs floor':>8} | target |")
    print(f"|{'-' * 47}|{'-' * 10}|{'-' * 10}|--------|")
    for measure in measures:
        ratio = measure.median / floor_s
        print(f"| {measure.name:<45} | {measure.median * 1000:6.1f} ms | {ratio:7.2f}x | {measure.target} |")
    print()
    check_body = (f"from asm_tutor.cli import main\n"
                  f"main(['check', {args.exercise!r}, {str(fresh_source(99))!r}, '--no-save'])")
    check_own, check_child = peak_rss_mib(check_body, env)
    tui_own, _ = peak_rss_mib(TUI_PROBE, env)
    print(f"peak memory: check {check_own:.0f} MiB (largest child: {check_child:.0f} MiB); TUI {tui_own:.0f} MiB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
