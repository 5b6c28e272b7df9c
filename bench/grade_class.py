"""Benchmark `asm-tutor grade`: a generated class graded in one command.

    .venv/bin/python bench/grade_class.py --students 60 --jobs 1 2 4

A class pack of five built-in exercises; each student hands in, per exercise, the
reference solution (60%, with a comment of their own so no two files are alike and
the result cache cannot answer), the starter (25%: a wrong answer), nothing (10%)
or a file that is not UTF-8 (5%), drawn with a fixed seed. Every run grades with
`--no-cache`; the exercises' judges and the test runtime are built in a warm-up run
first, as `pack autograder`'s setup does. The baseline, measured in the same run, is
one `asm-tutor check --no-save --no-cache` of one file: `grade` should cost about that
per check divided by the cores, not more.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ("times_nine", "max_u64", "add_five", "mul_u128", "rotate_by_const")
ASM_TUTOR = str(Path(sys.executable).parent / "asm-tutor")


def class_pack(where: Path) -> Path:
    pack = where / "pack"
    shutil.copytree(ROOT / "lessons", pack / "lessons")
    for exercise in EXERCISES:
        shutil.copytree(ROOT / "exercises" / exercise, pack / "exercises" / exercise)
    from asm_tutor.pack.loader import load_pack

    builtin = load_pack(ROOT)  # the lessons the exercises name, from the built-in course
    named = dict.fromkeys(builtin.exercises[ex].lesson for ex in EXERCISES if builtin.exercises[ex].lesson)
    lessons = "".join(f'[[course]]\nlesson = "{lesson}"\nfile = "{builtin.lessons[lesson].path.relative_to(ROOT)}"\n\n'
                      for lesson in named if lesson)
    course = "".join(f'[[course]]\nexercise = "{exercise}"\n\n' for exercise in EXERCISES)
    (pack / "pack.toml").write_text('format = 1\nid = "bench_class"\ntitle = "Bench class"\nversion = "1.0.0"\n'
                                    f'description = "Five exercises."\n\n{lessons}{course}')
    return pack


def submissions(pack: Path, where: Path, students: int, seed: int = 25) -> Path:
    rng = random.Random(seed)
    root = where / "submissions"
    for number in range(students):
        folder = root / f"student{number:03d}"
        folder.mkdir(parents=True)
        for exercise in EXERCISES:
            draw = rng.random()
            target = folder / f"{exercise}.rs"
            if draw < 0.60:
                solution = pack / "exercises" / exercise / "x86_64" / "solution.rs"
                text = (solution if solution.is_file() else solution.parent.parent / "solution.rs").read_text()
                target.write_text(f"// student {number}\n{text}")
            elif draw < 0.85:
                target.write_text(f"// student {number}\n" + (pack / "exercises" / exercise / "starter.rs").read_text())
            elif draw < 0.95:
                continue
            else:
                target.write_bytes(b"fn broken() { \xff }\n")
    return root


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, nargs="+", default=[os.cpu_count() or 1])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asm-tutor-bench-grade-") as temp:
        where = Path(temp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"XDG_CACHE_HOME": str(where / "cache"), "XDG_DATA_HOME": str(where / "data"),
                "XDG_CONFIG_HOME": str(where / "config"), "COLUMNS": "100"}
        pack = class_pack(where)
        class_root = submissions(pack, where, args.students)
        warm = where / "warm"
        warm.mkdir()
        timed([ASM_TUTOR, "grade", str(warm), "--one-student", "--pack", str(pack), "--quiet"], env)  # judges
        sample = where / "times_nine.rs"
        solution = (pack / "exercises" / "times_nine" / "x86_64" / "solution.rs").read_text()
        cells = args.students * len(EXERCISES)
        baseline: list[float] = []
        runs: dict[int, list[float]] = {jobs: [] for jobs in args.jobs}
        for number in range(args.rounds):
            sample.write_text(f"// round {number}\n{solution}")
            baseline.append(timed([ASM_TUTOR, "--pack", str(pack), "check", sample.stem, str(sample), "--no-save",
                                   "--no-cache", "--json"], env))
            for jobs in args.jobs:
                runs[jobs].append(timed([ASM_TUTOR, "grade", str(class_root), "--pack", str(pack), "--no-cache",
                                         "--jobs", str(jobs), "--quiet", "--csv", str(where / "grades.csv")], env))
        graded = sum(1 for _ in class_root.glob("*/*.rs"))
        check = statistics.median(baseline)
        print(f"asm-tutor grade — {args.students} students × {len(EXERCISES)} exercises = {cells} cells "
              f"({graded} files handed in), {args.rounds} round(s), medians; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} at the end")
        print()
        print("| measurement | wall time | per file handed in | vs one `check` |")
        print("|---|---|---|---|")
        print(f"| baseline: one `asm-tutor check --no-cache` | {check:.2f} s | {check:.2f} s | 1.00x |")
        for jobs, times in runs.items():
            wall = statistics.median(times)
            print(f"| `grade --jobs {jobs}` | {wall:.1f} s | {wall / graded:.2f} s | {wall / graded / check:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
