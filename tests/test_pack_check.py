"""`asm-tutor pack check` with the real rustc and the real grader.

The French test pack (tests/packs/cours_fr) must check out; a copy broken in five
ways must report each problem with its file, line and field, and exit 1; an exercise
for another architecture is "not checkable here" (where this machine has no toolchain
for it: hidden here, see test_cross_arch.py for the cross-checked one), never a failure.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cross_helpers import hide_toolchain

from asm_tutor.authoring.check import check_pack
from asm_tutor.authoring.check_report import Aspect, Finding, Outcome, PackCheckReport
from asm_tutor.authoring.scaffold import new_pack
from asm_tutor.cli import main
from asm_tutor.toolchain import detect

TEST_PACK = Path(__file__).parent / "packs" / "cours_fr"
HOST = detect().arch
OTHER = "aarch64" if HOST == "x86_64" else "x86_64"


@pytest.fixture(autouse=True)
def isolated(user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASM_TUTOR_PROFILE", "tester")
    hide_toolchain(OTHER, monkeypatch)
    return user_dirs


def rows(report: PackCheckReport, item: str, aspect: Aspect) -> list[Finding]:
    return [f for f in report.findings if f.item == item and f.aspect is aspect]


def the(report: PackCheckReport, item: str, aspect: Aspect, arch: str | None = None) -> Finding:
    found = [f for f in rows(report, item, aspect) if arch is None or f.arch == arch]
    assert len(found) == 1, [str(f) for f in report.findings]
    return found[0]


# -- the packs that must pass ----------------------------------------------------------------


def test_the_test_pack_checks_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "check", str(TEST_PACK)]) == 0
    out = capsys.readouterr().out
    assert "The pack checks out" in out
    assert "cours_fr" in out


def test_the_test_pack_report() -> None:
    report = check_pack(TEST_PACK)
    assert report.ok, [str(f) for f in report.problems]
    assert (report.pack_id, report.host_arch) == ("cours_fr", HOST)
    for exercise in ("echange_moities", "ecart"):
        item = f"exercise {exercise}"
        assert the(report, item, Aspect.SOLUTION, HOST).outcome is Outcome.PASS
        assert the(report, item, Aspect.STARTER, HOST).outcome is Outcome.PASS
        assert the(report, item, Aspect.SOLUTION, OTHER).outcome is Outcome.NOT_CHECKABLE
        assert the(report, item, Aspect.HINTS).outcome is Outcome.PASS
    blocks = rows(report, "lesson registres", Aspect.CODE_BLOCK) + rows(report, "lesson drapeaux", Aspect.CODE_BLOCK)
    assert len(blocks) == 6
    assert sorted(b.outcome.value for b in blocks) == sorted(["pass"] * 4 + ["not_checkable"] * 2)
    assert all(b.file and b.file.startswith("lessons/") and b.line for b in blocks)


BUFFERS_PACK = Path(__file__).parent / "packs" / "buffers"


@pytest.mark.skipif(HOST != "x86_64", reason="the buffers pack is written for x86_64")
def test_buffers_and_floats_pack_checks_out_with_generated_cases() -> None:
    """Slices, `&mut` slices, raw pointers and floats as parameters, with edge and random cases."""
    report = check_pack(BUFFERS_PACK)
    assert report.ok, [str(f) for f in report.problems]
    for exercise in ("sum_u64", "fill_bytes", "load_u64", "double_f64"):
        assert the(report, f"exercise {exercise}", Aspect.SOLUTION, HOST).outcome is Outcome.PASS


@pytest.mark.skipif(HOST != "x86_64", reason="the buffers pack is written for x86_64")
def test_a_function_that_leaves_its_buffer_unchanged_is_shown_what_it_left(capsys: pytest.CaptureFixture[str]) -> None:
    starter = BUFFERS_PACK / "exercises" / "fill_bytes" / "starter.rs"
    assert main(["--pack", str(BUFFERS_PACK), "check", "--json", "fill_bytes", str(starter)]) == 1
    tests = json.loads(capsys.readouterr().out)["tests"]
    first = tests[0]
    assert (first["input"], first["expected"], first["actual"]) == ("fill_bytes([1, 2, 3], 9)", "(3, [9, 9, 9])",
                                                                     "(3, [1, 2, 3])")
    assert "shown as (the returned value, `dst` after the call)" in first["message"]
    edge_inputs = {t["input"] for t in tests if t["name"].startswith("edge")}
    assert "fill_bytes([], 0)" in edge_inputs  # an empty buffer is among the edge cases
    assert sum(t["name"].startswith("random") for t in tests) == 16 * 2  # both opt levels


@pytest.mark.skipif(HOST != "x86_64", reason="the buffers pack is written for x86_64")
def test_a_mistake_in_the_packs_helpers_is_blamed_on_them(tmp_path: Path) -> None:
    copy = tmp_path / "buffers"
    shutil.copytree(BUFFERS_PACK, copy)
    helpers = copy / "shared" / "bits.rs"
    helpers.write_text(helpers.read_text().replace("vec![1; n]", "vec![1; m]"))
    (problem,) = check_pack(copy).problems
    assert (problem.file, problem.field) == ("exercises/sum_u64/exercise.toml", "tests.helpers")
    spec = (copy / "exercises" / "sum_u64" / "exercise.toml").read_text().splitlines()
    assert spec[problem.line - 1].startswith("helpers =") and "cannot find value `m`" in problem.detail


@pytest.mark.own_cache
def test_a_lesson_block_that_passed_is_not_compiled_again_until_it_changes(tmp_path: Path) -> None:
    copy = tmp_path / "cours_fr"
    shutil.copytree(TEST_PACK, copy)
    first = check_pack(copy)
    passed = [b for b in rows(first, "lesson registres", Aspect.CODE_BLOCK) if b.outcome is Outcome.PASS]
    assert passed and not any(b.cached for b in passed)
    again = check_pack(copy)
    assert all(b.cached for b in rows(again, "lesson registres", Aspect.CODE_BLOCK) if b.outcome is Outcome.PASS)
    lesson = next((copy / "lessons").glob("*registres*.md"))
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("fn main() {", "fn main() {\n    let _changed = 1;", 1), encoding="utf-8")
    changed = [b for b in rows(check_pack(copy), "lesson registres", Aspect.CODE_BLOCK) if b.outcome is Outcome.PASS]
    assert changed and not all(b.cached for b in changed)  # the edited block was compiled again
    assert not any(b.cached for b in rows(check_pack(copy, use_cache=False), "lesson registres", Aspect.CODE_BLOCK))


def test_pack_new_output_passes_pack_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "nouveau"
    assert main(["pack", "new", str(dest)]) == 0
    capsys.readouterr()
    assert main(["pack", "check", "--json", str(dest)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["pack"]["id"] == "nouveau"
    by = {(f["aspect"], f["arch"]): f for f in report["findings"] if f["item"] == "exercise double"}
    assert by[("solution", HOST)]["outcome"] == "pass"
    assert by[("starter", HOST)]["outcome"] == "pass"  # it fails as given, which is what is checked
    assert by[("solution", OTHER)]["outcome"] == "not_checkable"
    blocks = [f for f in report["findings"] if f["aspect"] == "code_block"]
    assert {f["outcome"] for f in blocks} == {"pass", "not_checkable"}


# -- a broken copy ---------------------------------------------------------------------------


def broken_copy(tmp_path: Path) -> Path:
    """The test pack with five things wrong:
    1. ecart's solution for this host is wrong (it picks the wrong difference);
    2. echange_moities' starter passes as given (it holds the answer);
    3. a lesson block tagged compile_fail compiles;
    4. ecart's hints are all blank;
    5. a new exercise, `ecart_autre`, is for the other architecture only."""
    root = tmp_path / "casse"
    shutil.copytree(TEST_PACK, root)
    ecart = root / "exercises" / "ecart"
    # 1. the wrong solution: a copy of the other architecture's exercise is made first (5).
    shutil.copytree(ecart, root / "exercises" / "ecart_autre")
    solution = ecart / HOST / "solution.rs"
    text = solution.read_text()
    wrong = text.replace("cmovb", "cmova") if HOST == "x86_64" else text.replace(", lo", ", hs")
    assert wrong != text
    solution.write_text(wrong)
    # 2. a starter that passes.
    swap = root / "exercises" / "echange_moities"
    (swap / HOST).mkdir(exist_ok=True)
    (swap / HOST / "starter.rs").write_text((swap / HOST / "solution.rs").read_text())
    # 3. a compile_fail block that compiles.
    lesson = root / "lessons" / "01-registres.md"
    lesson.write_text(lesson.read_text() + "\n## En trop\n\n```rust,compile_fail\nfn main() {}\n```\n")
    # 4. blank hints.
    spec = ecart / "exercise.toml"
    text = spec.read_text()
    start = text.index("hints = [")
    end = text.index("]\n", start) + 2
    spec.write_text(text[:start] + 'hints = ["", " "]\n' + text[end:])
    # 5. an exercise for the other architecture only.
    other_spec = root / "exercises" / "ecart_autre" / "exercise.toml"
    other_spec.write_text(other_spec.read_text().replace('arch = ["x86_64", "aarch64"]', f'arch = ["{OTHER}"]'))
    manifest = root / "pack.toml"
    manifest.write_text(manifest.read_text() + '\n[[course]]\nexercise = "ecart_autre"\n')
    return root


def test_a_broken_copy_reports_each_problem(tmp_path: Path) -> None:
    root = broken_copy(tmp_path)
    report = check_pack(root)
    assert report.loaded and not report.ok
    problems = {(f.item, f.aspect): f for f in report.problems}
    assert set(problems) == {
        ("exercise ecart", Aspect.SOLUTION),
        ("exercise echange_moities", Aspect.STARTER),
        ("lesson registres", Aspect.CODE_BLOCK),
        ("exercise ecart", Aspect.HINTS),
    }, [str(f) for f in report.problems]

    wrong = problems[("exercise ecart", Aspect.SOLUTION)]
    assert wrong.file == f"exercises/ecart/{HOST}/solution.rs"
    assert wrong.field == "tests" and "test `" in wrong.detail and "expected" in wrong.detail

    starter = problems[("exercise echange_moities", Aspect.STARTER)]
    assert starter.file == f"exercises/echange_moities/{HOST}/starter.rs"
    assert starter.field == "starter_passes" and "passes as given" in starter.detail

    block = problems[("lesson registres", Aspect.CODE_BLOCK)]
    lines = (root / "lessons" / "01-registres.md").read_text().splitlines()
    assert block.file == "lessons/01-registres.md"
    assert lines[block.line - 1] == "```rust,compile_fail"
    assert "but it compiles" in block.detail

    hints = problems[("exercise ecart", Aspect.HINTS)]
    spec_lines = (root / "exercises" / "ecart" / "exercise.toml").read_text().splitlines()
    assert (hints.file, hints.field) == ("exercises/ecart/exercise.toml", "hints")
    assert spec_lines[hints.line - 1].startswith("hints = ")

    # The exercise for the other architecture: not checkable, and not a problem.
    other = rows(report, "exercise ecart_autre", Aspect.SOLUTION) + rows(report, "exercise ecart_autre", Aspect.STARTER)
    assert [f.outcome for f in other] == [Outcome.NOT_CHECKABLE] * 2
    assert all(OTHER in f.detail for f in other)
    # Its hints are still checked (they need no compiler); it was copied before they were blanked.
    assert the(report, "exercise ecart_autre", Aspect.HINTS).outcome is Outcome.PASS


def test_a_broken_copy_via_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_copy(tmp_path)
    assert main(["pack", "check", str(root)]) == 1
    out = capsys.readouterr().out
    assert "4 problems" in out
    problem_lines = out[out.index("4 problems"):].splitlines()[1:]
    assert any(line.strip().startswith(f"exercises/ecart/{HOST}/solution.rs: tests:") for line in problem_lines)
    assert any(line.strip().startswith(f"exercises/echange_moities/{HOST}/starter.rs: starter_passes:") for line in problem_lines)
    assert any(line.strip().startswith("lessons/01-registres.md:") and "compiles" in line for line in problem_lines)
    assert any(line.strip().startswith("exercises/ecart/exercise.toml:") and ": hints:" in line for line in problem_lines)
    assert not any("ecart_autre" in line for line in problem_lines)


def test_json_report_of_a_broken_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_copy(tmp_path)
    assert main(["pack", "check", "--json", str(root)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["counts"]["fail"] == 4
    autre = [f for f in report["findings"] if f["item"] == "exercise ecart_autre" and f["aspect"] in ("solution", "starter")]
    assert {f["outcome"] for f in autre} == {"not_checkable"}


def test_a_pack_that_does_not_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An exercise without any hints is a loader problem: all of them print, exit 1."""
    root = tmp_path / "sans_indices"
    shutil.copytree(TEST_PACK, root)
    spec = root / "exercises" / "ecart" / "exercise.toml"
    text = spec.read_text()
    start = text.index("hints = [")
    end = text.index("]\n", start) + 2
    spec.write_text(text[:start] + text[end:].replace("random = 32", "randon = 32"))
    assert main(["pack", "check", str(root)]) == 1
    err = capsys.readouterr().err
    assert "exercises/ecart/exercise.toml" in err
    assert "hints" in err and "missing required field" in err
    assert "tests.randon" in err
    report = check_pack(root)
    assert not report.loaded and not report.ok and report.findings == []
    assert {p.field for p in report.load_problems} == {"hints", "tests.randon"}


def test_starter_passes_true_is_respected(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    spec.write_text(spec.read_text().replace("starter_passes = false", "starter_passes = true"))
    report = check_pack(root)
    finding = the(report, "exercise double", Aspect.STARTER, HOST)
    # The starter fails, which `starter_passes = true` says it should not: a problem in the spec.
    assert finding.outcome is Outcome.FAIL
    assert (finding.file, finding.field) == ("exercises/double/exercise.toml", "starter_passes")
    lines = spec.read_text().splitlines()
    assert lines[finding.line - 1].startswith("starter_passes = true")


def test_a_starter_that_does_not_compile_is_a_problem_unless_it_says_so(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    starter = root / "exercises" / "double" / "starter.rs"
    starter.write_text(starter.read_text().replace("unsafe {", "{"))  # E0133: asm! outside unsafe
    finding = the(check_pack(root), "exercise double", Aspect.STARTER, HOST)
    assert finding.outcome is Outcome.FAIL and finding.field == "starter_error"
    assert finding.file == "exercises/double/starter.rs" and finding.line is not None
    assert "does not compile" in finding.detail and "starter_error" in finding.detail

    spec = root / "exercises" / "double" / "exercise.toml"
    spec.write_text(spec.read_text().replace("# starter_error = \"E0133\"", "starter_error = \"E0133\""))
    finding = the(check_pack(root), "exercise double", Aspect.STARTER, HOST)
    # (a warning: the new pack's second error hint is for a mistake the starter does not make)
    assert finding.outcome is Outcome.WARN and "as intended (E0133)" in finding.detail


def test_an_error_hint_that_matches_none_of_the_starters_errors_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    starter = root / "exercises" / "double" / "starter.rs"
    starter.write_text(starter.read_text().replace("unsafe {", "{"))  # E0133: asm! outside unsafe
    spec = root / "exercises" / "double" / "exercise.toml"
    text = spec.read_text().replace("# starter_error = \"E0133\"", "starter_error = \"E0133\"")
    spec.write_text(text + '\n[[error_hints]]\nmatch = "E0133"\nhint = "a"\n'
                    '\n[[error_hints]]\nmatch = "no such words"\nhint = "b"\n')
    finding = the(check_pack(root), "exercise double", Aspect.STARTER, HOST)
    assert finding.outcome is Outcome.WARN and finding.field.startswith("error_hints[")
    assert 'match = "no such words"' in finding.detail and "match(es) none of its errors" in finding.detail
    assert spec.read_text().splitlines()[finding.line - 1].startswith("match = ")


def test_a_starter_error_that_is_not_the_one_shown_points_at_the_spec(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    spec.write_text(spec.read_text().replace("# starter_error = \"E0133\"", "starter_error = \"E0308\""))
    finding = the(check_pack(root), "exercise double", Aspect.STARTER, HOST)
    # The starter compiles, so the promised error is not there: a problem in the spec, at its line.
    assert finding.outcome is Outcome.FAIL and "it compiles" in finding.detail
    assert (finding.file, finding.field) == ("exercises/double/exercise.toml", "starter_error")
    assert spec.read_text().splitlines()[finding.line - 1].startswith("starter_error =")


@pytest.mark.parametrize(("wrong", "right", "field"), [
    ('reference = "x.wrapping_add(x)"', 'reference = "x.wraping_add(x)"', "tests.reference"),
    ('{ args = ["u64::MAX"], expected = "u64::MAX - 1" }', '{ args = ["u64::MAX"], expected = "u64::MAXX" }',
     "tests.cases[1]"),
    ('expr = "double(double(5)) == 20"', 'expr = "double(double(5)) == twenty"', "tests.properties[0]"),
])
def test_a_typo_in_the_packs_own_code_is_blamed_on_its_field_once(tmp_path: Path, wrong: str, right: str,
                                                                 field: str) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    assert wrong in spec.read_text()
    spec.write_text(spec.read_text().replace(wrong, right))
    report = check_pack(root)
    (problem,) = report.problems
    assert (problem.file, problem.field, problem.aspect) == ("exercises/double/exercise.toml", field, Aspect.TESTS)
    assert right in spec.read_text().splitlines()[problem.line - 1]
    assert "does not compile" in problem.detail and "solution" not in problem.detail
    # The solution and the starter are not graded against tests that do not build.
    assert the(report, "exercise double", Aspect.SOLUTION, HOST).outcome is Outcome.SKIPPED
    assert the(report, "exercise double", Aspect.STARTER, HOST).outcome is Outcome.SKIPPED


def test_a_case_value_of_the_wrong_shape_names_the_type_it_must_have(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    wrong = '{ args = ["u64::MAX"], expected = "u64::MAX - 1" }'
    spec.write_text(spec.read_text().replace(wrong, '{ args = ["u64::MAX"], expected = "(1, vec![2u8])" }'))
    (problem,) = check_pack(root).problems
    assert problem.field == "tests.cases[1]"
    assert "mismatched types: expected `u64`, found `(" in problem.detail


def test_a_learner_checking_against_broken_tests_is_told_it_is_not_their_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    spec.write_text(spec.read_text().replace('reference = "x.wrapping_add(x)"', 'reference = "x.wraping_add(x)"'))
    solution = root / "exercises" / "double" / HOST / "solution.rs"
    assert main(["--pack", str(root), "check", "--json", "double", str(solution)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "error"
    assert "field `tests.reference` of the pack's exercise.toml, not in your code" in result["message"]


def test_fewer_than_three_hints_is_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    text = spec.read_text()
    start = text.index("hints = [")
    end = text.index("]\n", start) + 2
    spec.write_text(text[:start] + 'hints = ["Add it to itself."]\n' + text[end:])
    report = check_pack(root)
    assert the(report, "exercise double", Aspect.HINTS).outcome is Outcome.WARN
    assert report.ok


def test_check_an_installed_pack_by_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "install", str(TEST_PACK)]) == 0
    capsys.readouterr()
    assert main(["pack", "check", "--json", "cours_fr"]) == 0
    assert json.loads(capsys.readouterr().out)["pack"]["id"] == "cours_fr"


def test_properties_are_graded(tmp_path: Path) -> None:
    """The test pack and the scaffold have properties; a false one makes the solution fail."""
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    spec = root / "exercises" / "double" / "exercise.toml"
    text = spec.read_text()
    assert 'expr = "double(double(5)) == 20"' in text
    spec.write_text(text.replace('expr = "double(double(5)) == 20"', 'expr = "double(double(5)) == 21"'))
    report = check_pack(root)
    [problem] = report.problems
    assert problem.file == f"exercises/double/{HOST}/solution.rs"
    assert "property" in problem.detail


def test_the_builtin_id_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="asm_basics")
    report = check_pack(root)
    [problem] = report.problems
    assert (problem.file, problem.line, problem.field) == ("pack.toml", 11, "id")
    assert "progress" in problem.detail


def test_install_with_check_refuses_a_broken_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.pack.registry import installed_packs

    root = broken_copy(tmp_path)
    assert main(["pack", "install", "--check", str(root)]) == 1
    captured = capsys.readouterr()
    assert "Not installed" in captured.err and "4 problems" in captured.out
    assert installed_packs() == []
    assert main(["pack", "install", "--check", str(TEST_PACK)]) == 0
    assert [p.id for p in installed_packs()] == ["cours_fr"]


def test_check_one_exercise_of_the_test_pack_via_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    solution = TEST_PACK / "exercises" / "ecart" / HOST / "solution.rs"
    starter = TEST_PACK / "exercises" / "ecart" / "starter.rs"
    assert main(["--pack", str(TEST_PACK), "check", "--json", "ecart", str(solution)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["exercise"] == "ecart" and result["status"] == "pass"
    assert any(t["name"].startswith("property") for t in result["tests"])
    assert main(["--pack", str(TEST_PACK), "check", "ecart", str(starter)]) == 1
    assert "ecart" in capsys.readouterr().out
    # The installed copy, by id, grades the same way.
    assert main(["pack", "install", str(TEST_PACK)]) == 0
    capsys.readouterr()
    swap = TEST_PACK / "exercises" / "echange_moities" / HOST / "solution.rs"
    assert main(["--pack", "cours_fr", "check", "--json", "echange_moities", str(swap)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "pass"


def test_one_exercise_is_checked_alone_with_only_its_files_loaded(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "p"
    new_pack(root, pack_id="p")
    # Another exercise whose folder is missing: the whole pack does not load.
    (root / "pack.toml").write_text((root / "pack.toml").read_text() + '\n[[course]]\nexercise = "broken"\n')
    assert main(["pack", "check", str(root), "--json"]) == 1
    capsys.readouterr()
    assert main(["pack", "check", str(root), "--exercise", "double", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    items = {finding["item"] for finding in data["findings"]}
    assert "exercise double" in items and "exercise broken" not in items
    assert main(["pack", "check", str(root), "--exercise", "nope"]) == 1
    assert "there is no exercise `nope` in the course (exercises: double, broken)" in capsys.readouterr().err
