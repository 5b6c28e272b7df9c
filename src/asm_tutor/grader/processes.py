"""Run processes with limits: rustc, the judge and, above all, the learner's test program.

Each job (jobs.py: its command, limits and sandbox) gets its own process group, so a
time-out or a cancel kills everything it started. Output is read through pipes up to a cap
and the rest is drained and dropped, so a `println!` in a loop costs neither memory
nor a hang. Several jobs run at once from one selector loop: the two compiles, the
two test programs and the judge each run side by side.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from asm_tutor.grader import sandbox
from asm_tutor.grader.jobs import CHANNEL_CAP, CHANNEL_FD, Job, command, environment, sandboxed

_POLL = 0.05  # seconds between looks at the cancel flag while nothing happens
_KILL_WAIT = 5.0  # seconds a killed sandbox may take to empty before its group is killed too


@dataclass
class Outcome:
    returncode: int | None = None  # None when it could not be started
    timed_out: bool = False
    cancelled: bool = False
    output: bytes = b""  # stdout (and stderr unless kept separate), up to the cap
    stderr: bytes = b""
    channel: bytes = b""
    truncated: bool = False  # more output came than the cap; the rest was dropped
    start_error: str = ""
    duration: float = 0.0
    sandboxed: bool = False  # it ran in bwrap, which reports a death by signal N as exit status 128 + N

    @property
    def signal(self) -> int | None:
        """The signal that ended the process, if one did."""
        if self.returncode is not None and self.returncode < 0:
            return -self.returncode
        if self.sandboxed and self.returncode is not None and 128 < self.returncode <= 128 + 64:
            return self.returncode - 128
        return None


@dataclass
class _Stream:
    outcome: Outcome
    attr: str  # "output" | "stderr" | "channel"
    cap: int
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0

    def feed(self, data: bytes) -> None:
        room = self.cap - self.size
        if room > 0:
            self.chunks.append(data[:room])
            self.size += min(room, len(data))
        if len(data) > room:
            self.outcome.truncated = True

    def close(self) -> None:
        setattr(self.outcome, self.attr, b"".join(self.chunks))


def _feed(pipe: object, data: bytes) -> None:
    try:
        pipe.write(data)  # type: ignore[attr-defined]
        pipe.close()  # type: ignore[attr-defined]
    except OSError:  # it exited without reading it all
        pass


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Running:
    def __init__(self, job: Job, selector: selectors.BaseSelector) -> None:
        self.job = job
        self.outcome = Outcome(sandboxed=sandboxed(job))
        self.streams: dict[int, _Stream] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.info_fd = -1
        self.killed = False
        self.started = time.monotonic()
        channel_r = channel_w = info_r = info_w = -1
        argv = list(job.argv)
        pass_fds: tuple[int, ...] = ()
        if job.channel:
            channel_r, channel_w = os.pipe()
            argv = [a.replace(CHANNEL_FD, str(channel_w)) for a in argv]
            pass_fds = (channel_w,)
        if self.outcome.sandboxed:
            info_r, info_w = os.pipe()  # bwrap says there which process is the sandbox's first
            pass_fds += (info_w,)
        started, set_limits = command(job, argv, info_w)
        try:
            self.proc = subprocess.Popen(
                started,
                cwd=job.cwd,
                env=environment(job),
                stdin=subprocess.PIPE if job.stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if job.separate_stderr else subprocess.STDOUT,
                pass_fds=pass_fds,
                start_new_session=True,
                preexec_fn=set_limits,  # None (with prlimit): Python then starts it with vfork, ~3 ms faster
            )
        except OSError as err:
            self.outcome.start_error = f"{argv[0]} could not be started ({err.strerror or err})"
            for fd in (channel_r, channel_w, info_r, info_w):
                if fd >= 0:
                    os.close(fd)
            return
        for fd in (channel_w, info_w):
            if fd >= 0:
                os.close(fd)  # the child holds its own copy; EOF comes when it exits
        self.info_fd = info_r
        if info_r >= 0:
            self._watch(selector, info_r, "info", 4096)
        if job.stdin:
            # From a thread: a job that does not read must not block the runner.
            threading.Thread(target=_feed, args=(self.proc.stdin, job.stdin), daemon=True).start()
        self._watch(selector, self.proc.stdout.fileno(), "output", job.limits.output_cap)  # type: ignore[union-attr]
        if job.separate_stderr:
            self._watch(selector, self.proc.stderr.fileno(), "stderr", CHANNEL_CAP)  # type: ignore[union-attr]
        if job.channel:
            os.set_blocking(channel_r, False)
            self._watch(selector, channel_r, "channel", CHANNEL_CAP)

    def _watch(self, selector: selectors.BaseSelector, fd: int, attr: str, cap: int) -> None:
        os.set_blocking(fd, False)
        self.streams[fd] = _Stream(self.outcome, attr, cap)
        selector.register(fd, selectors.EVENT_READ, self)

    @property
    def deadline(self) -> float:
        return self.started + self.job.limits.wall_time

    def read(self, selector: selectors.BaseSelector, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.streams[fd].feed(data)
        else:
            self._close(selector, fd)

    def _close(self, selector: selectors.BaseSelector, fd: int) -> None:
        selector.unregister(fd)
        self.streams[fd].close()
        if self.streams[fd].attr in ("channel", "info"):
            os.close(fd)  # the pipe ends of stdout/stderr belong to Popen, which closes them

    def stop(self, selector: selectors.BaseSelector, *, timed_out: bool = False, cancelled: bool = False) -> None:
        if self.proc is None or self.killed:
            return
        if not self._kill_sandbox(selector):
            _kill_group(self.proc)
        self.killed = True
        self.outcome.timed_out |= timed_out
        self.outcome.cancelled |= cancelled
        for fd in list(self.streams):
            if self._open(selector, fd):
                # Keep what was already written (the driver's last START line names the case).
                self._drain(fd)
                self._close(selector, fd)

    def _kill_sandbox(self, selector: selectors.BaseSelector) -> bool:
        """Kill the sandbox's first process, which takes every process in its PID namespace
        with it (however they detached); bwrap then exits once they are all gone. False when
        the job is not in a sandbox, or bwrap has not said yet which process that is."""
        if self.info_fd < 0 or self.info_fd not in self.streams:
            return False
        if self._open(selector, self.info_fd):
            self._drain(self.info_fd)
        try:
            pid = int(json.loads(b"".join(self.streams[self.info_fd].chunks))["child-pid"])
            os.kill(pid, signal.SIGKILL)
        except (ValueError, KeyError, TypeError, ProcessLookupError, PermissionError):
            return False
        return True

    def _drain(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # BlockingIOError included: nothing more is waiting
                return
            if not data:
                return
            self.streams[fd].feed(data)

    def _open(self, selector: selectors.BaseSelector, fd: int) -> bool:
        """Whether this job still reads `fd`. Once closed, its number may already belong to
        another job's pipe in the same selector: that one is not ours to drain or close."""
        key = selector.get_map().get(fd)
        return key is not None and key.data is self

    def reading(self, selector: selectors.BaseSelector) -> bool:
        return any(self._open(selector, fd) for fd in self.streams)

    def done(self, selector: selectors.BaseSelector) -> bool:
        """Its output is all read and the process has exited (or it was killed, or never started)."""
        if self.proc is None or self.killed:
            return True
        return not self.reading(selector) and self.proc.poll() is not None

    def finish(self) -> Outcome:
        if self.proc is not None:
            try:
                # After a kill of the sandbox, bwrap leaves once its namespace is empty.
                self.outcome.returncode = self.proc.wait(timeout=_KILL_WAIT if self.killed else None)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc)
                self.outcome.returncode = self.proc.wait()
            # The main process is gone; anything it left in its group goes too.
            _kill_group(self.proc)
            for pipe in (self.proc.stdout, self.proc.stderr):
                if pipe is not None:
                    pipe.close()
        self.outcome.duration = time.monotonic() - self.started
        if self.outcome.sandboxed and self.outcome.returncode == 1 and \
                (self.outcome.stderr or self.outcome.output).startswith(b"bwrap: "):
            sandbox.forget()  # bwrap itself failed: the next job asks again whether it works
        return self.outcome


class Runner:
    """Jobs that start whenever the caller likes and are reported as each one finishes.

    This lets the grader run a test binary as soon as the -O0 build is
    ready, while the slower -O3 build is still compiling.
    """

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._running: list[_Running] = []

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, job: Job) -> object:
        """Start a job; the returned handle identifies it in wait()'s answers."""
        run = _Running(job, self._selector)
        self._running.append(run)
        return run

    def kill(self, handle: object) -> None:
        """Stop a job early; it is still reported by wait()."""
        assert isinstance(handle, _Running)
        handle.stop(self._selector)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, cancel: threading.Event | None = None) -> list[tuple[object, Outcome]]:
        """Block until at least one job has finished; those jobs with their outcomes (none when idle)."""
        while self._running:
            finished = [run for run in self._running if run.done(self._selector)]
            if finished:
                self._running = [run for run in self._running if run not in finished]
                return [(run, run.finish()) for run in finished]
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                for run in self._running:
                    run.stop(self._selector, cancelled=True)
                continue
            for run in self._running:
                if now >= run.deadline:
                    run.stop(self._selector, timed_out=True)
            # Reading output: wake on data; only waiting for an exit: look again soon.
            reading = [run for run in self._running if run.reading(self._selector)]
            timeout = _POLL if reading else 0.002
            timeout = max(0.0, min([timeout] + [run.deadline - now for run in self._running]))
            for key, _ in self._selector.select(timeout):
                key.data.read(self._selector, key.fd)
        return []

    def close(self) -> None:
        """Kill whatever is still running; nothing is left behind."""
        for run in self._running:
            run.stop(self._selector)
            run.finish()
        self._running = []
        self._selector.close()


def run_jobs(jobs: Sequence[Job], cancel: threading.Event | None = None) -> list[Outcome]:
    """Run the jobs side by side until each has exited (or was killed); outcomes in job order."""
    with Runner() as runner:
        handles = [runner.start(job) for job in jobs]
        outcomes: dict[int, Outcome] = {}
        while runner.busy:
            for handle, outcome in runner.wait(cancel):
                outcomes[id(handle)] = outcome
    return [outcomes[id(handle)] for handle in handles]


_SIGNAL_WORDS = {
    signal.SIGILL: "it crashed with SIGILL: the CPU met an illegal instruction (e.g. `ud2`, or bytes that are not an instruction)",
    signal.SIGBUS: "it crashed with SIGBUS: a misaligned or impossible memory access",
    signal.SIGFPE: "it crashed with SIGFPE: an arithmetic fault such as division by zero (or a quotient too large for `div`)",
    signal.SIGTRAP: "it stopped at a breakpoint trap (SIGTRAP, e.g. `int3`)",
    signal.SIGXCPU: "it used up its CPU-time limit (SIGXCPU) — probably a loop that never exits",
    signal.SIGKILL: "it was killed (SIGKILL), most likely for going over a memory or time limit",
    signal.SIGXFSZ: "it tried to write a file larger than allowed (SIGXFSZ)",
}


def describe_signal(signum: int, output: bytes = b"") -> str:
    """Why a learner's process died, in plain words."""
    overflowed = b"has overflowed its stack" in output  # Rust's own message before it aborts
    if signum == signal.SIGSEGV:
        if overflowed:
            return "it overflowed the stack (SIGSEGV) — e.g. endless recursion or a clobbered stack pointer"
        return "it crashed with SIGSEGV: it touched memory it must not — e.g. a wrong register or a clobbered stack pointer"
    if signum == signal.SIGABRT:
        if overflowed:
            return "it overflowed the stack and was aborted (SIGABRT) — e.g. endless recursion or a clobbered stack pointer"
        if b"memory allocation of" in output:  # Rust's message when an allocation fails
            return "it asked for more memory than a test may use and was aborted (SIGABRT)"
        return "it was aborted (SIGABRT) — a stack overflow, a failed allocation or an abort inside the code"
    if signum in _SIGNAL_WORDS:
        return _SIGNAL_WORDS[signal.Signals(signum)]
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"it was ended by {name}"
