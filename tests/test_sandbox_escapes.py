"""A hostile student against the grader, with the real rustc and the real bubblewrap: one test per
forgery or escape that used to work. Nothing a submission does may forge its verdict, read or write
outside its work folder, reach the network, outlive its check or escape its limits."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from grader_helpers import processes_under

from asm_tutor.grader import sandbox
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import GradeResult, Status, TestStatus
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "escapes"
PACK = load_pack(builtin_pack_dir())
SEED = 64  # as in test_grader_engine: example 1 (times_nine(6)) is the case the fixtures act in
pytestmark = [
    pytest.mark.usefixtures("builds"),
    pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm"),
    pytest.mark.skipif(not sandbox.status().available, reason=f"no sandbox here: {sandbox.status().problem}"),
]


def source(name: str, **values: str) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def check(text: str) -> GradeResult:
    return grade(PACK.exercises["times_nine"], text, use_cache=False, seed=SEED)


def everything_shown(result: GradeResult) -> str:
    """All the text a learner or instructor could see of a result."""
    return json.dumps(result.to_json()) + "".join(d.rendered for d in result.diagnostics) + result.assembly


def first_case(result: GradeResult) -> str:
    return next(t.message for t in result.tests if t.input == "times_nine(6)" and t.opt_level == 0)


# -- the verdict cannot be forged ----------------------------------------------------------------

def test_forged_report_lines_and_an_early_exit_do_not_pass_a_wrong_answer() -> None:
    result = check(source("forge_report_pipe.rs"))
    assert result.status is Status.FAIL
    assert not any(t.status is TestStatus.PASS for t in result.tests)


def test_a_write_symbol_of_its_own_is_refused() -> None:
    result = check(source("forge_write_symbol.rs"))
    assert result.status is Status.FAIL
    assert "refused" in result.message and "`write`" in result.message, result.message
    assert not any(t.status is TestStatus.PASS for t in result.tests)


def test_a_function_reporting_through_the_tutors_runtime_is_refused() -> None:
    result = check(source("forge_runtime_call.rs"))
    assert result.status is Status.FAIL
    assert "`asm_tutor_rt::value`" in result.message, result.message
    assert not any(t.status is TestStatus.PASS for t in result.tests)


def test_a_report_of_its_own_on_the_channel_is_caught() -> None:
    result = check(source("forge_extra_report.rs"))
    assert result.status is Status.FAIL
    assert "your function did not compute" in first_case(result)


def test_code_put_into_init_and_an_ifunc_resolver_are_refused() -> None:
    result = check(source("forge_init_code.rs"))
    assert result.status is Status.FAIL
    assert "`.init`" in result.message and "ifunc resolver" in result.message, result.message


def test_a_constructor_relaying_the_reports_is_refused() -> None:
    """.init_array: a pipe in place of the report channel, and a relay rewriting every VALUE line."""
    result = check(source("forge_relay_constructor.rs"))
    assert result.status is Status.FAIL
    assert "refused" in result.message and "`.init_array`" in result.message, result.message
    assert not any(t.status is TestStatus.PASS for t in result.tests)


def test_nothing_it_prints_reaches_the_users_terminal_or_the_json(tmp_path: Path) -> None:
    path = tmp_path / "mine.rs"
    path.write_text(source("forge_stdout.rs"), encoding="utf-8")
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.run([sys.executable, "-m", "asm_tutor", "check", "times_nine", str(path), "--json", "--no-save",
                           "--seed", str(SEED)], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                          timeout=120)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["status"] == "fail"  # one JSON document: nothing was added to it
    assert "FORGED" not in proc.stdout + proc.stderr


# -- nothing outside the work folder --------------------------------------------------------------

def test_a_private_file_cannot_be_read_at_run_time(tmp_path: Path) -> None:
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY----- hunter2", encoding="utf-8")
    result = check(source("steal_secret.rs", SECRET=str(secret)))
    assert "hunter2" not in everything_shown(result)
    assert "No such file or directory" in first_case(result)  # the sandbox shows no home folder at all


def test_a_private_file_cannot_be_read_at_compile_time(tmp_path: Path) -> None:
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY----- hunter2", encoding="utf-8")
    result = check(source("include_secret.rs", SECRET=str(secret)))
    assert result.status is Status.ERROR
    assert "hunter2" not in everything_shown(result)
    assert any("couldn't read" in d.message for d in result.diagnostics)


def test_nothing_outside_the_work_folder_can_be_written(tmp_path: Path) -> None:
    from asm_tutor.progress.store import ProgressStore

    bashrc = tmp_path / "home" / ".bashrc"
    bashrc.parent.mkdir(parents=True)
    bashrc.write_text("# mine\n", encoding="utf-8")
    progress = ProgressStore.file_for("ada")
    progress.parent.mkdir(parents=True, exist_ok=True)
    progress.write_text("# progress\n", encoding="utf-8")
    marker = f"asm-tutor-escape-{os.getpid()}"
    result = check(source("write_home.rs", BASHRC=str(bashrc), PROGRESS=str(progress), MARKER=marker))
    assert result.status is Status.PASS, result.message  # it ran, and what it tried had no effect
    assert bashrc.read_text(encoding="utf-8") == "# mine\n"
    assert progress.read_text(encoding="utf-8") == "# progress\n"
    assert not (Path("/tmp") / marker).exists()  # its /tmp was its own, and is gone


def test_the_network_is_out_of_reach() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.2)
        result = check(source("connect.rs", PORT=str(listener.getsockname()[1])))
        with pytest.raises(TimeoutError):
            listener.accept()
    assert "no network" in first_case(result)


# -- nothing outlives the check, nothing escapes its limits ------------------------------------------

def test_a_detached_double_fork_does_not_outlive_the_check(builds: Path) -> None:
    result = check(source("survive.rs"))
    assert result.status is Status.PASS, result.message
    assert processes_under(builds) == []


def test_a_fork_bomb_stops_at_the_process_limit_and_leaves_nothing(builds: Path) -> None:
    result = check(source("fork_bomb.rs"))
    message = first_case(result)
    assert "started" in message
    started = int(message.split("started ")[1].split()[0])
    assert started < 2000  # the limit stopped it, not the loop's own bound of 100000
    assert processes_under(builds) == []


def test_a_fan_out_is_held_to_the_process_cap_counted_apart_from_the_machines(builds: Path) -> None:
    """Six children of 400 MiB each: the cap (the program and two more, counted in a user namespace
    of the job's own, whatever else runs as the same user) keeps them under 3 × 1 GiB together."""
    from asm_tutor.grader.runner import TEST_PROCESSES

    if not sandbox.status().own_count:
        pytest.skip("this kernel gives the sandbox no user namespace of its own to count processes in")
    message = first_case(check(source("fan_out.rs")))
    assert f"started {TEST_PROCESSES - 1} children" in message, message
    assert processes_under(builds) == []


def test_limits_are_set_from_outside_and_cannot_be_lifted() -> None:
    result = check(source("own_limits.rs"))
    assert "more memory than a test may use" in first_case(result)


def test_the_compiler_reading_a_file_that_never_ends_is_stopped_and_explained() -> None:
    result = check(source("include_zero.rs"))
    assert result.status is Status.ERROR
    assert result.message.startswith("The compiler ran out of its 2 GiB of memory") or \
        "out of memory" in result.message, result.message


def test_a_macro_that_expands_without_end_is_stopped_and_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    from asm_tutor.grader import build

    monkeypatch.setattr(build, "COMPILER_MEMORY", 1 << 30)  # the same limit, reached sooner
    result = check(source("macro_bomb.rs"))
    assert result.status is Status.ERROR
    assert result.message.startswith("The compiler ran out of its 1 GiB of memory"), result.message


# -- what is shown, and what is built ------------------------------------------------------------------

def test_terminal_escape_sequences_are_shown_not_obeyed() -> None:
    message = first_case(check(source("escapes_in_output.rs")))
    assert "\x1b" not in message and "\x07" not in message and "\x9b" not in message
    assert "\\x1b]0;pwned\\x07" in message and "\\x9b31m" in message


def test_rustcs_messages_quoting_escape_sequences_reach_the_terminal_shown_not_obeyed(tmp_path: Path) -> None:
    path = tmp_path / "mine.rs"
    path.write_text(source("escapes_in_rustc_message.rs"), encoding="utf-8")
    for extra in ([], ["--json"]):
        proc = subprocess.run([sys.executable, "-m", "asm_tutor", "check", "times_nine", str(path), "--no-save",
                               *extra], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout + proc.stderr
        assert "pwned" in proc.stdout
    assert "\x1b]0;pwned" in json.loads(proc.stdout)["diagnostics"][0]["message"]  # JSON: exact, escaped


def test_the_whole_file_is_compiled_as_rustc_would_main_included() -> None:
    result = check(source("bad_asm_in_main.rs"))
    assert result.status is Status.ERROR
    (error,) = [d for d in result.diagnostics if d.level == "error"]
    assert error.line == 11 and "invalid instruction" in error.message


# -- without bubblewrap ------------------------------------------------------------------------------------

def test_without_bubblewrap_checks_still_run_under_limits_and_say_so(monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main

    missing = sandbox.SandboxStatus("", "bubblewrap (bwrap) is not installed, so learner code runs with your own "
                                        "rights, under time and memory limits only")
    monkeypatch.setattr(sandbox, "status", lambda: missing)
    result = check(source("own_limits.rs"))
    assert result.sandbox == "" and "more memory than a test may use" in first_case(result)  # limits still hold
    solution = builtin_pack_dir() / "exercises" / "times_nine" / "x86_64" / "solution.rs"
    assert main(["check", "times_nine", str(solution), "--no-save", "--no-cache"]) == 0
    assert "Not sandboxed: bubblewrap (bwrap) is not installed" in capsys.readouterr().out


def test_the_sandbox_of_an_ordinary_user_works_too() -> None:
    """The tests run as root in CI, where jobs run as nobody; an ordinary user's sandbox is the
    user-namespace one. Run that one as nobody, where the kernel allows it."""
    if os.geteuid() != 0:
        pytest.skip("already an ordinary user: every other test here runs this sandbox")
    work = Path(tempfile.mkdtemp(dir="/tmp", prefix="asm-tutor-user-"))  # where nobody can reach it
    os.chown(work, sandbox.NOBODY, sandbox.NOBODY)
    argv = sandbox.wrap(["/bin/sh", "-c", "id -u; ls /; touch here"], sandbox.Confinement(work),
                        bwrap=sandbox.status().bwrap, uid=sandbox.NOBODY)
    proc = subprocess.run(["setpriv", f"--reuid={sandbox.NOBODY}", f"--regid={sandbox.NOBODY}", "--clear-groups",
                           *argv], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 and "namespace" in proc.stderr:
        pytest.skip(f"this kernel gives ordinary users no namespaces: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split()
    assert lines[0] == str(sandbox.NOBODY) and "root" not in lines and "home" not in lines
    assert (work / "here").exists()
    shutil.rmtree(work)


# -- the toolchain's folder, narrowed ---------------------------------------------------------------------

def test_a_toolchain_in_the_home_folder_shows_only_its_own_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The standalone installer with --prefix=~/.local: the sysroot is ~/.local, which also holds the
    keyring and the tutor's own data. The sandbox shows rustc, its libraries and lib/rustlib only."""
    from asm_tutor import paths
    from asm_tutor.grader.jobs import Job, Limits
    from asm_tutor.grader.processes import run_jobs
    from asm_tutor.grader.runtime import ToolchainPaths

    home = tmp_path / "home"
    prefix = home / ".local"
    for rel in ("bin/rustc", "lib/librustc_driver-1234.so", "lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd-1.so",
                "lib/libsecret-of-another-app.so", "share/keyrings/login.keyring", "share/asm-tutor/progress/ada.toml"):
        (prefix / rel).parent.mkdir(parents=True, exist_ok=True)
        (prefix / rel).write_text("hunter2", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(paths, "data_dir", lambda: prefix / "share" / "asm-tutor")
    found = ToolchainPaths(prefix / "bin" / "rustc", prefix, None)
    assert set(found.visible()) == {prefix / "bin/rustc", prefix / "lib/librustc_driver-1234.so", prefix / "lib/rustlib"}
    assert "your home folder" not in found.narrowed() and "the tutor's data" in found.narrowed()

    work = tmp_path / "work"
    work.mkdir()
    sandbox.prepare_work_folder(work)
    looks = "; ".join(f"cat {prefix / rel}" for rel in ("share/keyrings/login.keyring", "lib/libsecret-of-another-app.so",
                                                          "lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd-1.so"))
    job = Job(["/bin/sh", "-c", looks], Limits(wall_time=30), cwd=work,
              sandbox=sandbox.Confinement(work, found.visible()))
    (outcome,) = run_jobs([job])
    shown = outcome.output.decode()
    assert shown.count("hunter2") == 1, shown  # the target library only
    assert shown.count("No such file or directory") == 2, shown
