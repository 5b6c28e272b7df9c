"""`asm-tutor pack autograder DIR DEST`: the Gradescope autograder, run here as Gradescope runs it.

Gradescope unpacks the autograder into /autograder/source, puts the student's files in
/autograder/submission and reads /autograder/results/results.json; the test lays that out
under a temporary root (AUTOGRADER_ROOT) and runs the real run_autograder with this
checkout's asm-tutor.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_grade_cli import RIGHT, WRONG, class_pack  # noqa: F401  (a fixture)

from asm_tutor.cli import main
from asm_tutor.grader.engine import host_arch

pytestmark = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")
ASM_TUTOR = Path(sys.executable).parent / "asm-tutor"


@pytest.fixture
def autograder(tmp_path: Path, class_pack: Path, capsys: pytest.CaptureFixture[str]) -> Path:  # noqa: F811
    dest = tmp_path / "autograder_out"
    assert main(["pack", "autograder", str(class_pack), str(dest)]) == 0
    assert "Wrote a Gradescope autograder" in capsys.readouterr().out
    return dest


def test_the_autograder_holds_the_scripts_and_the_hand_out_without_solutions(autograder: Path) -> None:
    files = {p.relative_to(autograder).as_posix() for p in autograder.rglob("*") if p.is_file()}
    assert {"setup.sh", "run_autograder", "pack/pack.toml", "autograder.zip"} <= files
    assert not [f for f in files if f.endswith("solution.rs")]
    with zipfile.ZipFile(autograder / "autograder.zip") as zipped:
        names = zipped.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in zipped.infolist()}
    assert "setup.sh" in names and "run_autograder" in names and "pack/exercises/times_nine/starter.rs" in names
    assert not [n for n in names if n.endswith("solution.rs") or n == "autograder.zip"]
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert "@@" not in (autograder / "setup.sh").read_text()
    subprocess.run(["bash", "-n", str(autograder / "setup.sh")], check=True)  # it parses (it is not run here)


def unpack(tmp_path: Path, autograder: Path) -> Path:
    """The autograder as Gradescope installs it: source/ unzipped, run_autograder copied to the root."""
    root = tmp_path / "gradescope"
    with zipfile.ZipFile(autograder / "autograder.zip") as zipped:
        zipped.extractall(root / "source")
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)  # extractall drops the mode bits
    return root


def run_autograder(root: Path, files: dict[str, str]) -> dict:
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    env = os.environ | {"AUTOGRADER_ROOT": str(root), "ASM_TUTOR": str(ASM_TUTOR)}
    done = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_a_submission_as_gradescope_lays_it_out(tmp_path: Path, autograder: Path) -> None:
    root = unpack(tmp_path, autograder)
    results = run_autograder(root, {"times_nine.rs": RIGHT["times_nine"], "max_u64.rs": WRONG["max_u64"]})
    assert (results["score"], results["max_score"]) == (1, 3)
    assert [t["status"] for t in results["tests"]] == ["passed", "failed"]


def test_run_autograder_writes_results_even_when_grading_cannot_run(tmp_path: Path, autograder: Path) -> None:
    root = unpack(tmp_path, autograder)
    (root / "source" / "pack" / "pack.toml").write_text("broken = [")
    results = run_autograder(root, {"times_nine.rs": RIGHT["times_nine"]})
    assert results["score"] == 0 and "could not grade" in results["output"]


def test_a_wheel_given_is_shipped_and_installed_by_setup(tmp_path: Path, class_pack: Path,  # noqa: F811
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    wheel = tmp_path / "asm_tutor-0.0.0-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: only its name and place matter here
    dest = tmp_path / "with_wheel"
    assert main(["pack", "autograder", str(class_pack), str(dest), "--wheel", str(wheel)]) == 0
    with zipfile.ZipFile(dest / "autograder.zip") as zipped:
        assert f"dist/{wheel.name}" in zipped.namelist()
    assert '"$HERE"/dist/*.whl' in (dest / "setup.sh").read_text()
    assert main(["pack", "autograder", str(class_pack), str(tmp_path / "other"), "--wheel", str(class_pack)]) == 2
    assert "is not a wheel file" in capsys.readouterr().err
