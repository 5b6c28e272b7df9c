"""The whole built-in pack through the real grader: on this computer's architecture no starter
passes (unless the exercise says it may); and the course's order, hints and lessons hold together."""

from __future__ import annotations

import re

import pytest

from asm_tutor.grader.engine import grade
from asm_tutor.grader.result import GradeResult, Status
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.toolchain import ToolchainError, require_grading_toolchain

PACK = load_pack(builtin_pack_dir())
EXERCISES = [PACK.exercises[item.id] for item in PACK.course if item.id in PACK.exercises]


@pytest.fixture
def toolchain():
    try:
        return require_grading_toolchain()
    except ToolchainError as err:
        pytest.skip(f"no usable rustc: {err}")


def _supported(exercise, toolchain):
    if not exercise.supports(toolchain.arch):
        pytest.skip(f"{exercise.id} is for {', '.join(exercise.arch)}; this host is {toolchain.arch}")


def _explain(result: GradeResult) -> str:
    lines = [f"{result.exercise}: {result.status.value}: {result.message}"]
    for test in result.tests:
        if test.status.value != "pass":
            lines.append(f"  test {test.name} (O{test.opt_level}): {test.status.value} {test.message} "
                         f"input={test.input} expected={test.expected} actual={test.actual}")
    for check in result.checks:
        if check.status.value != "pass":
            lines.append(f"  check {check.name}: {check.status.value} {check.message}")
    for diag in result.diagnostics:
        lines.append(f"  {diag.level}: {diag.message} (line {diag.line})")
    return "\n".join(lines)


# Every reference solution passing is tests/test_grader_engine.py's test_builtin_reference_solutions_pass
# (which asks more of each result): graded once per run, not twice.


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_starter_does_not_pass(exercise, toolchain):
    _supported(exercise, toolchain)
    if exercise.starter_passes:
        pytest.skip(f"{exercise.id} declares starter_passes = true")
    result = grade(exercise, exercise.starter(toolchain.arch), edition=PACK.edition,
                   toolchain=toolchain, use_cache=False)
    assert result.status is not Status.PASS, _explain(result)


def test_every_exercise_practises_a_lesson_that_comes_before_it():
    seen: set[str] = set()
    for item in PACK.course:
        if item.id in PACK.lessons:
            seen.add(item.id)
        else:
            lesson = PACK.exercises[item.id].lesson
            assert lesson in seen, f"{item.id} practises {lesson}, which comes later or not at all"


def test_the_course_explains_before_it_uses():
    """The order of issue 24: the machine model first; verifying early; compare and conditional
    moves before max_u64; lea and memory operands before the exercises that lean on them;
    pitfalls after the topics they are about."""
    order = [item.id for item in PACK.course]

    def before(first: str, then: str) -> None:
        assert order.index(first) < order.index(then), f"{first} should come before {then}"

    assert order[0] == "machine"
    before("verifying", "options")
    before("flags", "max_u64")
    for exercise in ("times_nine", "count_bits_loop"):
        before("memory", exercise)
    for topic in ("templates", "operands", "clobbers"):
        before(topic, "pitfalls")
    before("labels", "signum_label")


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_three_hint_levels_the_second_naming_a_lesson_section(exercise):
    assert len(exercise.hints) == 3, exercise.id
    assert "See the lesson *" in exercise.hints[1], exercise.id


def _lesson_names() -> set[str]:
    names: set[str] = set()
    for lesson in PACK.lessons.values():
        names.add(lesson.title)
        names.update(line[3:].strip() for line in lesson.text().splitlines() if line.startswith("## "))
    return names


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_hints_name_lessons_and_sections_that_exist(exercise):
    names = _lesson_names()
    for hint in exercise.hints:
        prose = re.sub(r"`[^`]*`", "", hint)  # `index*scale` is code, not emphasis
        for name in re.findall(r"\*([^*]+)\*", prose):
            assert name in names, f"{exercise.id}: a hint names *{name}*, which is no lesson or section"
