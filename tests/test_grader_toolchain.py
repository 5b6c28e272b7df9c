"""A missing or too old rustc is one plain sentence (ToolchainError), never a compiler error.

These tests put a tiny shell script called `rustc` on PATH instead of the real one, as
their names say; the grader's own tests use the real rustc.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asm_tutor.grader.engine import grade
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.toolchain import Toolchain, ToolchainError

PACK = load_pack(builtin_pack_dir())


def _mock_rustc(folder: Path, release: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "rustc"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "rustc {release} (0000000 2021-01-01)"\n'
        'echo "binary: rustc"\n'
        'echo "commit-hash: 0000000000000000000000000000000000000000"\n'
        'echo "host: x86_64-unknown-linux-gnu"\n'
        f'echo "release: {release}"\n'
        'echo "LLVM version: 11.0.1"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_mock_rustc_missing_from_path_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    exercise = PACK.exercises["times_nine"]
    with pytest.raises(ToolchainError) as err:
        grade(exercise, exercise.solution("x86_64"), use_cache=False)
    assert "rustc was not found" in str(err.value) and "\n" not in str(err.value)


def test_mock_rustc_too_old_for_asm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "old-bin"
    _mock_rustc(bin_dir, "1.50.0")
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    exercise = PACK.exercises["times_nine"]
    with pytest.raises(ToolchainError) as err:
        grade(exercise, exercise.solution("x86_64"), use_cache=False)
    message = str(err.value)
    assert "too old" in message and "1.59" in message and "rustup update" in message


def test_mock_rustc_too_old_passed_in_directly(tmp_path: Path) -> None:
    old = Toolchain(rustc=_mock_rustc(tmp_path / "bin", "1.58.1"), release="1.58.1",
                    host="x86_64-unknown-linux-gnu", commit="0", llvm="13")
    exercise = PACK.exercises["times_nine"]
    with pytest.raises(ToolchainError, match="too old"):
        grade(exercise, exercise.solution("x86_64"), toolchain=old, use_cache=False)


def test_mock_rustc_named_in_the_settings_file_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asm_tutor.settings import Settings, save_settings
    from asm_tutor.toolchain import detect

    script = _mock_rustc(tmp_path / "configured-bin", "1.58.0")
    save_settings(Settings(rustc=str(script)))
    assert detect().rustc == script
    monkeypatch.setenv("ASM_TUTOR_RUSTC", "rustc")  # the environment still wins over the file
    assert detect().rustc != script


def test_mock_rustc_replaced_while_the_tutor_runs_is_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An upgrade cannot be made to happen with the real rustc: a script stands in for it.
    from asm_tutor.toolchain import detect

    bin_dir = tmp_path / "bin"
    _mock_rustc(bin_dir, "1.60.0")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert detect().release == "1.60.0"
    assert detect().release == "1.60.0"  # unchanged: the answer is kept
    os.remove(bin_dir / "rustc")
    _mock_rustc(bin_dir, "1.100.0")  # a new file (stat differs at least in size)
    assert detect().release == "1.100.0"


def test_mock_rustc_a_rust_toolchain_file_in_the_folder_means_asking_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # rustup picks a toolchain per folder; a script stands in for the proxy and counts its calls.
    from asm_tutor.toolchain import detect

    bin_dir = tmp_path / "bin"
    script = _mock_rustc(bin_dir, "1.60.0")
    calls = tmp_path / "calls"
    script.write_text(script.read_text(encoding="utf-8").replace("#!/bin/sh\n", f"#!/bin/sh\necho x >> {calls}\n"),
                      encoding="utf-8")
    monkeypatch.setenv("PATH", str(bin_dir))
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    detect()
    detect()
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n', encoding="utf-8")
    detect()
    assert calls.read_text(encoding="utf-8").count("x") == 2
