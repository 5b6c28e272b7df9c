"""The check server: a served `check` prints and exits as an unserved one, and nothing is left behind.

Each test that runs a server gives it a private folder of its own and stops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asm_tutor.grader.engine import host_arch
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.server import address, client, daemon

FIXTURES = Path(__file__).parent / "fixtures" / "grader"
SOLUTION = builtin_pack_dir() / "exercises" / "times_nine" / "x86_64" / "solution.rs"
TUTOR = [sys.executable, "-m", "asm_tutor"]
pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or host_arch() != "x86_64",
                                reason="the server needs fork and Unix sockets; the fixtures are x86_64 asm")


def _tutor(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TUTOR, *args], capture_output=True, text=True, env=env, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The server switched on, with a short private folder of its own (a socket path must be short)."""
    run_dir = tempfile.mkdtemp(prefix="at-", dir="/tmp")
    monkeypatch.setenv("XDG_RUNTIME_DIR", run_dir)
    monkeypatch.setenv("ASM_TUTOR_SERVER", "on")
    monkeypatch.setenv("COLUMNS", "120")
    env = dict(os.environ)
    yield env
    _tutor("server", "stop", env=env)
    shutil.rmtree(run_dir, ignore_errors=True)


def _wait_for(condition: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_served_check_prints_and_exits_as_an_unserved_one(
        server_env: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    unserved = {name: _tutor("check", "times_nine", str(path), "--no-save", "--seed", "3",
                             env={**server_env, "ASM_TUTOR_SERVER": "off"})
                for name, path in (("pass", SOLUTION), ("fail", FIXTURES / "tn_mul.rs"))}
    assert _tutor("server", "start", env=server_env).returncode == 0
    capfd.readouterr()
    for name, path in (("pass", SOLUTION), ("fail", FIXTURES / "tn_mul.rs")):
        # The client in this very process: it hands over this process's own stdout.
        code = client.run_served(["check", "times_nine", str(path), "--no-save", "--seed", "3"])
        out = capfd.readouterr().out
        assert code == unserved[name].returncode == (0 if name == "pass" else 1)
        assert out.splitlines()[:-1] == unserved[name].stdout.splitlines()[:-1]  # all but the timing line


def test_the_first_check_runs_itself_and_starts_a_server_for_the_next(server_env: dict[str, str]) -> None:
    assert address.running_pid() is None
    first = _tutor("check", "times_nine", str(SOLUTION), "--no-save", env=server_env)
    assert first.returncode == 0 and "pass" in first.stdout
    assert _wait_for(lambda: address.running_pid() is not None), "no server started after the first check"
    status = _tutor("server", "status", env=server_env)
    assert status.returncode == 0 and "running" in status.stdout
    server = address.running_pid()
    standby = _children_of(server)
    assert standby, "no child waiting for the next request"
    assert _tutor("server", "stop", env=server_env).returncode == 0
    assert address.running_pid() is None and not os.path.exists(address.socket_path())
    assert _wait_for(lambda: not any(_alive(str(pid)) for pid in standby), 5), "the waiting child outlived the server"


def _children_of(pid: int | None) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and int(Path(f"/proc/{entry}/stat").read_text().split(") ", 1)[1].split()[1]) == pid:
                children.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return children


def test_interrupting_a_served_check_stops_its_work_and_leaves_nothing_behind(
        server_env: dict[str, str], tmp_path: Path) -> None:
    work_tmp = tmp_path / "tmp"
    work_tmp.mkdir()
    env = {**server_env, "TMPDIR": str(work_tmp)}  # where the served check builds and runs
    assert _tutor("server", "start", env=env).returncode == 0
    # tn_loop never returns for x == 0: the test binary runs until it is stopped.
    proc = subprocess.Popen([*TUTOR, "check", "times_nine", str(FIXTURES / "tn_loop.rs"), "--no-save"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    assert _wait_for(lambda: any(work_tmp.glob("asm-tutor-*/test_o*")), 30), "the check never got to its tests"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and "interrupted" in err
    assert _wait_for(lambda: not any(work_tmp.iterdir()), 10), f"left behind: {list(work_tmp.iterdir())}"
    # Killed processes may take a moment to be gone from /proc (the linker's, reparented to init).
    assert _wait_for(lambda: not [pid for pid in os.listdir("/proc") if pid.isdigit() and _runs_from(pid, work_tmp)],
                     10), "a process of the check is still running"
    assert address.running_pid() is not None  # the server itself carries on


def _alive(pid: str) -> bool:
    """Running: neither gone nor a zombie (finished, waiting only for its parent to reap it)."""
    try:
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def _runs_from(pid: str, folder: Path) -> bool:
    try:
        return _alive(pid) and str(folder) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def test_a_request_from_another_tutor_is_turned_away_and_its_files_closed() -> None:
    server_side, client_side = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r, w = os.pipe()
    before = len(os.listdir("/proc/self/fd"))
    with server_side, client_side:
        request = address.encode(["asm-tutor-server/0|an older tutor", "/", "utf-8", "utf-8", "1", "check"])
        socket.send_fds(client_side, [request], [r, w, w])
        daemon._serve(server_side, {})
        assert client_side.recv(1) == b"N"
        assert len(os.listdir("/proc/self/fd")) == before  # the three it was handed are closed again
    os.close(r)
    os.close(w)


def test_a_folder_others_can_enter_is_not_trusted(server_env: dict[str, str]) -> None:
    folder = Path(address.folder())
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert not address.is_private(str(folder))
    assert client.run_served(["check", "times_nine", str(SOLUTION)]) is None
    assert daemon.serve() == 1  # the server refuses it too


@pytest.mark.parametrize(("argv", "command"), [
    (["check", "x", "f.rs"], "check"),
    (["--pack", "check", "list"], "list"),  # `check` there is the pack's name
    (["--profile=ana", "check", "x"], "check"),
    (["--version"], None),
    (["check", "--help"], "check"),
    ([], None),
])
def test_the_client_finds_the_command_after_the_global_options(argv: list[str], command: str | None) -> None:
    assert client.command_of(argv) == command


def test_the_client_imports_next_to_nothing(server_env: dict[str, str]) -> None:
    # Its whole budget is a few milliseconds: `typing`, `socket` or rich alone would spend it.
    probe = ("import sys\nfrom asm_tutor.server import client\n"
             "client.run_served(['check', 'times_nine', 'x.rs'])\n"
             "print(' '.join(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=server_env, check=True)
    loaded = set(proc.stdout.split())
    assert not loaded & {"typing", "socket", "argparse", "rich", "tomllib", "pathlib", "asm_tutor.cli"}


def test_a_server_killed_outright_leaves_no_child_waiting_and_a_new_one_starts(server_env: dict[str, str]) -> None:
    assert _tutor("server", "start", env=server_env).returncode == 0
    server = address.running_pid()
    assert server is not None
    standby = _children_of(server)
    os.kill(server, signal.SIGKILL)
    assert _wait_for(lambda: not any(_alive(str(pid)) for pid in standby), 5), "the waiting child outlived the server"
    assert _tutor("check", "times_nine", str(SOLUTION), "--no-save", env=server_env).returncode == 0
    assert _wait_for(lambda: address.running_pid() not in (None, server)), "no new server after the old one died"
