"""`asm-tutor pack export`: a hand-out without the reference solutions that still grades.

Real rustc, the real grader: the French test pack is exported, and its hand-out is
checked, graded and opened in the TUI.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from asm_tutor.authoring.check import check_pack
from asm_tutor.authoring.check_report import Aspect, Outcome
from asm_tutor.authoring.export import export_handout
from asm_tutor.cli import main
from asm_tutor.context import Context
from asm_tutor.errors import UserError
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import CourseItem, ItemKind
from asm_tutor.toolchain import detect
from asm_tutor.tui.app import TutorApp
from asm_tutor.tui.screens.course import CourseScreen

TEST_PACK = Path(__file__).parent / "packs" / "cours_fr"
HOST = detect().arch


@pytest.fixture(autouse=True)
def isolated(user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASM_TUTOR_PROFILE", "tester")
    return user_dirs


@pytest.fixture
def handout(tmp_path: Path) -> Path:
    dest = tmp_path / "handout"
    export_handout(TEST_PACK, dest)
    return dest


def test_the_handout_has_no_solutions_and_says_so(handout: Path) -> None:
    assert not list(handout.rglob("solution.rs"))
    assert {p.name for p in handout.rglob("starter.rs")} == {"starter.rs"}
    manifest = (handout / "pack.toml").read_text(encoding="utf-8")
    original = (TEST_PACK / "pack.toml").read_text(encoding="utf-8")
    assert tomllib.loads(manifest) == {**tomllib.loads(original), "solutions": False}
    assert all(line in manifest for line in original.splitlines() if line.startswith("#"))  # comments kept
    assert not load_pack(handout).solutions


def test_the_handout_checks_out_without_grading_solutions(handout: Path) -> None:
    report = check_pack(handout)
    assert report.ok, [str(f) for f in report.problems]
    solutions = [f for f in report.findings if f.aspect is Aspect.SOLUTION]
    assert solutions and all(f.outcome is Outcome.SKIPPED and "hand-out" in f.detail for f in solutions)
    starters = [f for f in report.findings if f.aspect is Aspect.STARTER and f.arch == HOST]
    assert starters and all(f.outcome is Outcome.PASS for f in starters)


def test_a_learner_is_graded_by_the_handout_as_by_the_full_pack(handout: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    answer = TEST_PACK / "exercises" / "ecart" / HOST / "solution.rs"  # the instructor's, graded by the hand-out
    assert main(["--pack", str(handout), "check", "--json", "ecart", str(answer)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "pass"


def test_export_via_the_cli_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "out"
    assert main(["pack", "export", str(TEST_PACK), str(dest)]) == 0
    out = capsys.readouterr().out
    assert "left out" in out and "exercises/ecart/x86_64/solution.rs" in out
    with pytest.raises(UserError, match="not an empty folder"):
        export_handout(TEST_PACK, dest)
    with pytest.raises(UserError, match="inside the pack"):
        export_handout(TEST_PACK, TEST_PACK / "out")


async def test_the_tutor_on_a_handout_has_no_solution_to_show(handout: Path) -> None:
    app = TutorApp(Context(pack_arg=str(handout), profile="learner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        await screen.open_item(CourseItem(ItemKind.EXERCISE, "ecart"))
        await pilot.press("f4")
        await pilot.pause()
        assert app.screen is screen  # no confirmation, no solution screen
        assert any("without its reference solutions" in str(n.message) for n in app._notifications)
