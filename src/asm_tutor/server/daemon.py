"""The server: warm once, then fork a child per request that runs the command line.

The parent stays single-threaded (it forks) and does no request's work itself: it
keeps one child forked in advance, waiting on the socket; that child takes the next
connection, tells the parent (which forks the next one), reads the request, answers
"A" (accepted), takes on the client's terminal, folder and environment, runs
`cli.main()` and sends the exit status. What the parent holds warm (imports, the toolchain's answer,
the prepared runtime, the loaded pack) is re-validated by the child against the
client's environment and the files on disk, as any long-lived process does
(toolchain.detect, pack.loader.load_pack), so it is a speed-up and never an answer.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import os
import select
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.server import address
from asm_tutor.stamp import Stamp, stamp

REQUEST_READ_TIMEOUT = 5.0
MAX_REQUEST_BYTES = 4 * 1024 * 1024
ORPHAN_CHECK_SECONDS = 1.0  # how often a waiting child looks whether the server is still there
REHEARSAL_DELAY = 0.25  # seconds a waiting child lets pass before it rehearses (_rehearse)


@dataclass(frozen=True)
class Request:
    identity: str
    cwd: str
    stdout_encoding: str
    stderr_encoding: str
    argv: list[str]
    env: dict[str, str]
    fds: list[int]  # the client's stdin, stdout and stderr

    @classmethod
    def parse(cls, fields: list[str], fds: list[int]) -> Request | None:
        if len(fields) < 5 or not fields[4].isdigit() or len(fds) != 3:
            return None
        count = int(fields[4])
        argv, env_items = fields[5:5 + count], fields[5 + count:]
        if len(argv) != count:
            return None
        env = dict(item.split("=", 1) for item in env_items if "=" in item)
        return cls(fields[0], fields[1], fields[2], fields[3], argv, env, fds)


def warm() -> None:
    """Import what a check needs and prepare the toolchain, its runtime and the default pack.

    Failures are left for the requests to meet and report: a server without rustc
    still answers (with the usual sentence about rustc)."""
    import rich.markup
    import rich.table  # noqa: F401

    import asm_tutor.cli
    import asm_tutor.cmd.check
    import asm_tutor.errors
    import asm_tutor.grader.build
    import asm_tutor.grader.cache
    import asm_tutor.grader.checks
    import asm_tutor.grader.diagnostics
    import asm_tutor.grader.driver
    import asm_tutor.grader.engine
    import asm_tutor.grader.runner
    import asm_tutor.pack.locate
    import asm_tutor.progress.store
    import asm_tutor.report
    import asm_tutor.settings
    from asm_tutor.context import Context
    from asm_tutor.grader import runtime
    from asm_tutor.toolchain import require_grading_toolchain

    asm_tutor.cli.build_parser()
    asm_tutor.grader.cache.grader_fingerprint()
    with contextlib.suppress(Exception):
        Context(pack_arg=None, profile=None).pack  # noqa: B018  (loads and keeps it)
    with contextlib.suppress(Exception), tempfile.TemporaryDirectory(prefix="asm-tutor-warm-") as work:
        toolchain = require_grading_toolchain()
        runtime.prepare(toolchain, Path(work), None)
        runtime.toolchain_paths(toolchain)


def _code_files() -> dict[str, Stamp | None]:
    """The tutor's modules this process has loaded, with their stamps."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return {path: stamp(path) for module in list(sys.modules.values())
            if (path := getattr(module, "__file__", None)) and path.startswith(package)}


def _unchanged(files: dict[str, Stamp | None]) -> bool:
    """False once the tutor's code changed on disk (an upgrade, an edit): time to leave."""
    return all(stamp(path) == known for path, known in files.items())


def serve(idle_timeout: float = address.IDLE_MINUTES * 60.0) -> int:
    """Run the server until it has been idle for `idle_timeout`, is stopped, or its code changes."""
    folder, path = address.folder(), address.socket_path()
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as err:
        sys.stderr.write(f"asm-tutor server: cannot make {folder} ({err.strerror}); not serving.\n")
        return 1
    if not address.is_private(folder):
        sys.stderr.write(f"asm-tutor server: {folder} is not a private folder of this user's; not serving.\n")
        return 1
    lock = open(path + ".lock", "w")  # held for the server's whole life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another server is starting or running: let it serve
    # The server's own complaints (not a request's: those go to the client) land in a log.
    log = os.open(path + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 2)
    os.close(log)
    warm()
    # What is warm now stays untouched by the collector, so a child's collections neither
    # walk it nor copy its pages (fork shares them until written).
    gc.freeze()
    files = _code_files()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
    except OSError as err:
        sys.stderr.write(f"asm-tutor server: cannot listen on {path} ({err.strerror or err}); not serving.\n")
        return 1
    listener.listen(16)
    bound = os.stat(path).st_ino
    Path(path + ".pid").write_text(f"{os.getpid()}\n", encoding="utf-8")
    # Children are reaped by the kernel; SIGTERM (`asm-tutor server stop`) ends the loop.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    standby = 0
    try:
        last = time.monotonic()
        while _unchanged(files) and _still_ours(path, bound):
            # A child is forked before its request comes (a fork costs ~1.5 ms): it waits
            # on the socket, tells us over a pipe when it has taken a connection, and
            # we fork the next one.
            taken_r, taken_w = os.pipe()
            standby = os.fork()
            if standby == 0:
                try:
                    os.close(taken_r)
                    lock.close()  # the parent holds the lock; a child outliving it must not
                    _standby(listener, taken_w, files)
                finally:
                    os._exit(1)  # a child never returns to the parent's loop
            os.close(taken_w)
            ready, _, _ = select.select([taken_r], [], [], max(0.0, last + idle_timeout - time.monotonic()))
            taken = bool(ready) and os.read(taken_r, 1) == b"1"
            os.close(taken_r)
            if not taken:
                return 0  # idle (or the waiting child is gone)
            standby, last = 0, time.monotonic()
        return 0  # the code changed, or another server took the socket's name
    finally:
        if standby:
            with contextlib.suppress(OSError):
                os.kill(standby, signal.SIGKILL)  # still waiting: it holds no request
        with contextlib.suppress(OSError):
            if _still_ours(path, bound):
                os.unlink(path)
                os.unlink(path + ".pid")
        listener.close()


def _still_ours(path: str, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _standby(listener: socket.socket, taken: int, files: dict[str, Stamp | None]) -> None:
    """In a fresh child: wait for one connection, say so, then serve that request."""
    gc.disable()  # a child lives for one command: no collections, fewer copied pages
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()
    # Rehearse once the check just handed over has (most likely) finished, not beside it:
    # it would take CPU from that check's compiles.
    if not select.select([listener], [], [], REHEARSAL_DELAY)[0]:
        _rehearse()
    while not select.select([listener], [], [], ORPHAN_CHECK_SECONDS)[0]:
        if os.getppid() != parent:
            return  # the server was killed outright: nobody would fork the next child
    conn, _ = listener.accept()
    os.write(taken, b"1")
    os.close(taken)
    listener.close()
    with conn:
        _serve(conn, files)


def _rehearse() -> None:
    """Walk through what a check touches, with nothing to check, while waiting for the request.

    A forked child shares the server's memory until it writes to it, and Python writes
    to every object it uses (reference counts): each first use copies a page. Doing that
    here, before the request, takes ~3-5 ms off a check (measured; docs/benchmarks.md).
    """
    from rich.console import Console

    import asm_tutor.cli
    from asm_tutor.cmd.check import render
    from asm_tutor.context import Context
    from asm_tutor.grader import cache, runtime
    from asm_tutor.grader.driver import generate
    from asm_tutor.grader.result import GradeResult, Status, TestResult, TestStatus
    from asm_tutor.toolchain import require_grading_toolchain

    with contextlib.suppress(Exception):
        asm_tutor.cli.build_parser().parse_args(["check", "exercise", "file.rs", "--no-save"])
        pack = Context(pack_arg=None, profile=None).pack
        exercise = next(iter(pack.exercises.values()))
        toolchain = require_grading_toolchain()
        runtime.toolchain_paths(toolchain)
        generate(exercise, toolchain.arch)
        cache.load(cache.key(exercise, "", pack.edition, 0, toolchain))
        result = GradeResult(exercise=exercise.id, status=Status.FAIL, message="rehearsal", tests=[
            TestResult(name="case", status=TestStatus.FAIL, input="i", expected="e", actual="a")])
        result.to_json()
        render(Console(file=io.StringIO(), highlight=False, emoji=False), result, exercise, "file.rs")


def _serve(conn: socket.socket, files: dict[str, Stamp | None]) -> None:
    """Run the request on `conn`, or answer "N" (the client then runs it itself) when it is not
    one for this server: unreadable, from another tutor, or our code changed since we started."""
    request = _read(conn)
    if request is None or request.identity != address.identity() or not _unchanged(files):
        if request is not None:
            _close_all(request.fds)
        with contextlib.suppress(OSError):
            conn.sendall(b"N")
        return
    conn.sendall(b"A")
    _child(conn, request)


def _read(conn: socket.socket) -> Request | None:
    """The request and the client's three file descriptors; None (and nothing kept open) if malformed."""
    conn.settimeout(REQUEST_READ_TIMEOUT)
    fds: list[int] = []
    try:
        data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
        size = int.from_bytes(data[:4], "big")
        if len(data) < 4 or size > MAX_REQUEST_BYTES:
            raise ValueError("bad length")
        body = data[4:]
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                raise ValueError("short request")
            body += chunk
        request = Request.parse(address.decode(body), fds)
        if request is None:
            raise ValueError("malformed request")
    except (OSError, ValueError):
        _close_all(fds)
        return None
    return request


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _child(conn: socket.socket, request: Request) -> None:
    """Run the command as the client would have, on its terminal; send the status; exit."""
    code = 1
    answered = threading.Event()
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess must wait for its own children
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in zip((0, 1, 2), request.fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = _text_stream(1, request.stdout_encoding)
        sys.stderr = _text_stream(2, request.stderr_encoding)
        os.chdir(request.cwd)
        os.environ.clear()
        os.environ.update(request.env)
        tempfile.tempdir = None  # found again from the client's TMPDIR
        conn.settimeout(None)
        threading.Thread(target=_cancel_when_client_leaves, args=(conn, answered), daemon=True).start()
        from asm_tutor.cli import main

        code = main(request.argv)
    except SystemExit as stop:
        code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        answered.set()  # the client leaving after this is no interruption
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            conn.sendall(code.to_bytes(4, "big", signed=True))
        os._exit(code & 0xFF)


def _text_stream(fd: int, encoding: str) -> io.TextIOWrapper:
    try:
        interactive = os.isatty(fd)
    except OSError:
        interactive = False
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=encoding, errors="replace",
                            line_buffering=interactive)


def _cancel_when_client_leaves(conn: socket.socket, answered: threading.Event) -> None:
    """The client closing the connection (Ctrl-C there) interrupts this child, as Ctrl-C would.

    The client has said "interrupted" and given the terminal back: nothing more is written to it."""
    with contextlib.suppress(OSError):
        while conn.recv(1):
            pass
    if answered.is_set():
        return
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    os.kill(os.getpid(), signal.SIGINT)
