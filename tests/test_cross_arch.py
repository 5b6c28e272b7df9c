"""Grading for aarch64 on any machine: real aarch64 builds (the cross toolchain and qemu on an
x86_64 host, natively on an aarch64 one), through the same engine, sandbox and limits.

Without that toolchain these tests skip and say what is missing; in CI they must run
(cross_helpers.py). The finding of the toolchain itself is tested without it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from cross_helpers import hide_toolchain, toolchain_for

from asm_tutor import targets
from asm_tutor.authoring.check import check_pack
from asm_tutor.authoring.check_report import Outcome
from asm_tutor.cli import main
from asm_tutor.kept import forget_all
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.toolchain import ToolchainError, detect

A64 = "aarch64"
EXERCISES = builtin_pack_dir() / "exercises"
TEST_PACK = Path(__file__).parent / "packs" / "cours_fr"


@pytest.fixture(autouse=True)
def profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASM_TUTOR_PROFILE", "tester")


def check_json(capsys: pytest.CaptureFixture[str], exercise: str, path: Path, *extra: str) -> tuple[int, dict]:
    code = main(["check", exercise, str(path), "--json", "--no-save", *extra])
    return code, json.loads(capsys.readouterr().out)


def learner(tmp_path: Path, body: str, name: str = "add_five") -> Path:
    """A learner's add_five whose unsafe block is `body`."""
    path = tmp_path / f"{name}.rs"
    path.write_text("use std::arch::asm;\nextern \"C\" fn helper() {}\n"
                    f"fn add_five(x: u64) -> u64 {{\n    let mut result = x;\n    unsafe {{ {body} }}\n    result\n}}\n"
                    "fn main() {}\n", encoding="utf-8")
    return path


# -- check --arch aarch64 --------------------------------------------------------------------------


def test_check_arch_aarch64_grades_like_the_host(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    code, passed = check_json(capsys, "times_nine", EXERCISES / "times_nine" / A64 / "solution.rs", "--arch", A64)
    assert code == 0 and passed["status"] == "pass", passed["message"]
    wrong = tmp_path / "times_nine.rs"
    wrong.write_text((EXERCISES / "times_nine" / A64 / "solution.rs").read_text().replace("lsl #3", "lsl #2"))
    code, failed = check_json(capsys, "times_nine", wrong, "--arch", A64)
    assert code == 1 and failed["status"] == "fail"
    first = failed["tests"][0]
    assert (first["input"], first["expected"], first["actual"]) == ("times_nine(6)", "54", "30")
    # The same verdict shape as a check for the host's own architecture.
    host = detect().arch
    _, native = check_json(capsys, "times_nine", EXERCISES / "times_nine" / host / "solution.rs")
    assert set(failed) == set(native) and set(first) == set(native["tests"][0])
    assert {c["name"] for c in failed["checks"]} == {c["name"] for c in native["checks"]}


def test_x86_64_code_checked_for_aarch64_shows_the_assemblers_error(capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    if detect().arch == A64:
        pytest.skip("on an aarch64 host there is no x86_64 cross toolchain in CI")
    code, result = check_json(capsys, "times_nine", EXERCISES / "times_nine" / "x86_64" / "solution.rs", "--arch", A64)
    assert code == 1 and result["status"] == "error"
    assert any(d["line"] == 10 for d in result["diagnostics"])  # the `lea` line of the learner's file


def test_a_crash_and_an_endless_loop_under_emulation_are_explained(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    crash = learner(tmp_path, 'asm!("mov {0}, #0", "ldr {0}, [{0}]", inout(reg) result, options(nostack));')
    _, result = check_json(capsys, "add_five", crash, "--arch", A64)
    assert "SIGSEGV" in result["tests"][0]["message"]
    loop = learner(tmp_path, 'asm!("2:", "b 2b", "add {0}, {0}, #5", inout(reg) result, options(nomem, nostack));',
                   "loop")
    _, result = check_json(capsys, "add_five", loop, "--arch", A64)
    assert "took longer than" in result["tests"][0]["message"]


# -- the aarch64 promises, on real builds ----------------------------------------------------------


@pytest.mark.parametrize(("body", "tests_pass", "promises"), [
    # NZCV written under preserves_flags
    ('asm!("adds {0}, {0}, #5", inout(reg) result, options(pure, nomem, nostack, preserves_flags));', True,
     {"promise: options(preserves_flags)", "addition done in asm!"}),  # and `adds` is not the `add` asked for
    # flags read before the block sets them
    ('asm!("b.eq 1f", "1:", "add {0}, {0}, #5", inout(reg) result, options(pure, nomem, nostack));', True,
     {"promise: flags are set in the block that reads them"}),
    # a load under nomem
    ('let five = 5u64; asm!("ldr {t}, [{p}]", "add {0}, {0}, {t}", inout(reg) result, p = in(reg) &five, '
     't = out(reg) _, options(pure, nomem, nostack, preserves_flags));', None, {"promise: options(nomem)"}),
    # sp moved under nostack (and nomem: the stack is memory)
    ('asm!("sub sp, sp, #16", "add {0}, {0}, #5", "add sp, sp, #16", inout(reg) result, '
     'options(pure, nomem, nostack, preserves_flags));', True, {"promise: options(nostack)", "promise: options(nomem)"}),
    # x30 written by `bl`, undeclared: without nostack LLVM saves x30 around the block, so the tests pass
    ('asm!("bl {h}", "add x20, x20, #5", h = sym helper, inout("x20") result);', True,
     {"promise: clobber_abi", "promise: declared registers"}),
    # ... and declared through clobber_abi("C"): right
    ('asm!("bl {h}", "add x20, x20, #5", h = sym helper, inout("x20") result, clobber_abi("C"));', True, set()),
    # a 32-bit `w` operand where the value is 64 bits: the tests see it
    ('asm!("add {0:w}, {0:w}, #5", inout(reg) result, options(pure, nomem, nostack, preserves_flags));', False,
     set()),
])
def test_aarch64_promises_on_real_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str,
                                         tests_pass: bool | None, promises: set[str]) -> None:
    toolchain_for(A64)
    _, result = check_json(capsys, "add_five", learner(tmp_path, body), "--arch", A64)
    failed = {c["name"] for c in result["checks"] if c["status"] == "fail"}
    assert failed == promises, [c["message"] for c in result["checks"] if c["status"] == "fail"]
    if tests_pass is not None:
        assert all(t["status"] == "pass" for t in result["tests"]) is tests_pass
    assert result["status"] == ("pass" if not promises and tests_pass else "fail")


def test_aarch64_x18_declared_as_an_output_is_right_on_linux(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    body = ('asm!("mov x18, #5", "add {0}, {0}, x18", inout(reg) result, out("x18") _, '
            'options(pure, nomem, nostack, preserves_flags));')
    _, result = check_json(capsys, "add_five", learner(tmp_path, body), "--arch", A64)
    assert result["status"] == "pass", [c["message"] for c in result["checks"] if c["status"] == "fail"]


# -- trace, pack check -----------------------------------------------------------------------------


def test_trace_an_aarch64_build(capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    solution = EXERCISES / "times_nine" / A64 / "solution.rs"
    assert main(["trace", "times_nine", str(solution), "--arch", A64, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["arch"] == A64 and any(step["text"].startswith("add") for step in found["steps"])


def test_pack_check_checks_the_other_architecture_with_its_toolchain() -> None:
    toolchain = toolchain_for(A64)
    report = check_pack(TEST_PACK)
    assert report.ok, [str(f) for f in report.problems]
    assert report.count(Outcome.NOT_CHECKABLE) == 0 and not report.unavailable
    a64 = [f for f in report.findings if f.arch == A64]
    assert {f.aspect.value for f in a64} >= {"tests", "solution", "starter", "code_block"}
    assert all(f.outcome is Outcome.PASS for f in a64)
    if toolchain.cross:
        assert A64 in report.cross


# -- finding the toolchain (no cross toolchain needed) ----------------------------------------------


def other_arch() -> str:
    return "x86_64" if detect().arch == A64 else A64


def test_what_is_missing_is_said_with_the_commands_that_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    arch = other_arch()
    hide_toolchain(arch, monkeypatch)
    monkeypatch.setenv(f"CARGO_TARGET_{targets.triple(arch).upper().replace('-', '_')}_RUNNER", "/nonexistent/qemu")
    forget_all()
    found = targets.status(arch)
    assert not found.ready and not found.native
    assert "/nonexistent/rustc" in found.problem() and "sudo apt-get install qemu-user" in found.fix
    with pytest.raises(ToolchainError, match="qemu"):
        targets.for_arch(arch)
    assert targets.status(detect().arch).native


def test_the_settings_name_the_rustc_and_sysroot_the_environment_overrides(monkeypatch: pytest.MonkeyPatch,
                                                                            user_dirs: Path) -> None:
    toolchain = toolchain_for(A64)
    if not toolchain.cross or not toolchain.sysroot:
        pytest.skip("the aarch64 std here is the rustc's own (rustup's target), not a separate sysroot")
    for name in ("ASM_TUTOR_AARCH64_RUSTC", "ASM_TUTOR_AARCH64_SYSROOT"):
        monkeypatch.delenv(name, raising=False)
    config = user_dirs / "config" / "asm-tutor"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text(f'aarch64_rustc = "{toolchain.rustc}"\n'
                                          f'aarch64_sysroot = "{toolchain.sysroot}"\n\n[arch]\ntester = "aarch64"\n')
    forget_all()
    assert targets.for_arch(A64) == toolchain
    monkeypatch.setenv("ASM_TUTOR_AARCH64_SYSROOT", "/nonexistent/sysroot")
    assert "/nonexistent/sysroot" in targets.status(A64).problem()


def test_the_profiles_architecture_is_the_default(monkeypatch: pytest.MonkeyPatch, user_dirs: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    config = user_dirs / "config" / "asm-tutor"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text('[arch]\ntester = "aarch64"\n')
    code, result = check_json(capsys, "times_nine", EXERCISES / "times_nine" / A64 / "solution.rs")
    assert code == 0 and result["status"] == "pass", result["message"]


def test_caches_are_kept_per_target() -> None:
    from asm_tutor.grader import cache, runtime
    from asm_tutor.grader.request import Request
    from asm_tutor.pack.loader import load_pack

    host = detect()
    cross = dataclasses.replace(host, target="aarch64-unknown-linux-gnu", linker="cc", runner=("qemu-aarch64",))
    assert runtime._key(host) != runtime._key(cross)
    exercise = load_pack(builtin_pack_dir()).exercises["times_nine"]
    keys = {cache.key(Request(exercise, "fn main() {}", "2021", toolchain, 1, {}, ())) for toolchain in (host, cross)}
    assert len(keys) == 2


def test_pack_check_for_one_architecture(capsys: pytest.CaptureFixture[str]) -> None:
    toolchain_for(A64)
    assert main(["pack", "check", "--json", "--arch", A64, str(TEST_PACK)]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = [f for f in report["findings"] if f["aspect"] in ("solution", "starter", "tests")]
    assert {f["outcome"] for f in rows if f["arch"] == A64} == {"pass"}
    assert {f["outcome"] for f in rows if f["arch"] != A64} == {"skipped"}
    assert report["host_arch"] == A64 and report["counts"]["not_checkable"] == 0


def test_an_exercise_for_x86_64_only_says_the_check_builds_for_aarch64(capsys: pytest.CaptureFixture[str]) -> None:
    toolchain = toolchain_for(A64)
    if not toolchain.cross:
        pytest.skip("on an aarch64 machine this is the ordinary 'this computer is' message")
    code, result = check_json(capsys, "repair_rbx", EXERCISES / "times_nine" / A64 / "solution.rs", "--arch", A64)
    assert code == 1 and "written for x86_64, but checks here build for aarch64" in result["message"]


NAKED = EXERCISES / "naked_sum3" / A64 / "solution.rs"
SVC = EXERCISES / "write_byte" / A64 / "solution.rs"


def edited(tmp_path: Path, original: Path, edits: dict[str, str]) -> Path:
    """A copy of a reference solution with each `old` text replaced by its `new` one."""
    text = original.read_text(encoding="utf-8")
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / original.parent.parent.with_suffix(".rs").name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("exercise", "original", "edits", "promise"), [
    # a naked function that changes callee-saved x19 without saving it
    ("naked_sum3", NAKED, {'"add x0, x0, x2",': '"mov x19, x0", "add x0, x19, x2",'}, "promise: callee-saved registers"),
    # svc answers in x0: an `in("x0")` that the kernel overwrites (the result read from x0 afterwards)
    ("write_byte", SVC, {'inlateout("x0") fd as i64 => ret,': 'in("x0") fd as i64,',
                         '"svc 0",': '"svc 0", "mov {r}, x0", r = out(reg) ret,'}, "promise: in"),
    pytest.param("naked_sum3", NAKED, {'"add x0, x0, x2",': '"fmov d8, x0", "add x0, x0, x2",'},
                 "promise: callee-saved registers", id="naked-d8"),
    # write(2) reads the byte from memory: not nomem
    ("write_byte", SVC, {"options(nostack, readonly)": "options(nostack, nomem)"}, "promise: options(nomem)"),
])
def test_aarch64_naked_and_svc_promises_on_real_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       exercise: str, original: Path, edits: dict[str, str],
                                                       promise: str) -> None:
    toolchain_for(A64)
    path = edited(tmp_path, original, edits)
    _, result = check_json(capsys, exercise, path, "--arch", A64)
    assert promise in {c["name"] for c in result["checks"] if c["status"] == "fail"}, result["message"]


def test_cargos_runner_and_linker_variables_are_used(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    toolchain = toolchain_for(A64)
    if not toolchain.cross:
        pytest.skip("aarch64 is this machine's own: no runner")
    prefix = "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU"
    monkeypatch.setenv(f"{prefix}_RUNNER", f"{toolchain.runner[0]} -L /usr/aarch64-linux-gnu -cpu cortex-a72")
    monkeypatch.setenv(f"{prefix}_LINKER", Path(toolchain.linker).name)
    forget_all()
    found = targets.for_arch(A64)
    assert found.runner[-2:] == ("-cpu", "cortex-a72") and found.linker == toolchain.linker
    code, result = check_json(capsys, "times_five", EXERCISES / "times_five" / A64 / "solution.rs", "--arch", A64,
                              "--no-cache")
    assert code == 0, result["message"]
