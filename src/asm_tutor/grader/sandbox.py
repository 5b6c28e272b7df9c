"""The sandbox every untrusted program runs in: bubblewrap (`bwrap`), as Flatpak uses it.

rustc on a learner's file, the learner's test program, the exercise's judge and
a pack's lesson code all run confined. Inside they see:

- the system's programs and libraries (/usr, and the /bin, /lib... links into it, with
  the few files of /etc the linker and the dynamic loader read), read-only;
- the Rust toolchain (its sysroot) and what the job names (the prebuilt runtime, the
  judge), read-only;
- the job's own work folder, the one place they may write;
- a fresh /proc, a minimal /dev and an empty /tmp: no home folder, no progress files,
  no other process, no network (only a loopback of their own), no terminal.

The PID namespace dies with the job's first process, so nothing started inside
outlives the check. Resource limits are not set here but by the grader before the
sandbox starts (jobs.py), so a program cannot refuse them; only the process cap is set
inside, by `prlimit` before the job's program starts, in a user namespace made for the
job alone (`unshare --user`): the kernel then counts the job's own processes and
threads against it, not everything the same user runs on the machine, so a small cap
holds whatever else runs.

When the tutor runs as root (containers, CI), the job runs as `nobody` inside the
sandbox: the kernel does not apply the process-count limit to root, and nobody owns
nothing outside the work folder.

Where bwrap is missing or cannot make namespaces, `status()` says why, the tutor says so
(doctor, every result), and jobs run with the limits alone.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asm_tutor import memo
from asm_tutor.stamp import stamp

NOBODY = 65534
# Files of /etc that compiling and running need: the `cc` link Debian's alternatives
# make, and the dynamic loader's cache. Nothing about users or the network.
_ETC = ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d")
_SYSTEM_LINKS = ("/bin", "/lib", "/lib64", "/lib32", "/libx32", "/sbin")
_PROBE_SECONDS = 10.0
_PROBE_PROCESSES = 2  # the probe's own cap: `true` alone


@dataclass(frozen=True)
class Confinement:
    """What one sandboxed job may see beyond the system and the toolchain."""

    writable: Path  # its work folder
    read_only: tuple[Path, ...] = ()  # e.g. the prebuilt runtime, the judge


@dataclass(frozen=True)
class SandboxStatus:
    tool: str  # e.g. "bubblewrap 0.8.0"; "" when jobs run unconfined
    problem: str = ""  # why not, in a sentence with what to do
    bwrap: str = ""  # its path
    # A job's processes are counted in a user namespace of its own (the kernel lets this
    # user make one inside the sandbox): its process cap is then its own, however many
    # processes the same user runs elsewhere.
    own_count: bool = False

    @property
    def available(self) -> bool:
        return bool(self.tool)


@functools.cache
def status() -> SandboxStatus:
    """Whether jobs can run in bubblewrap here: found by running one, then remembered (memo.py)
    while bwrap, setpriv, the user and the kernel's namespace settings stay the same."""
    where, key = memo.folder("sandbox"), _memo_key()
    kept = memo.load_json(where, key)
    if kept is not None:
        with contextlib.suppress(TypeError):
            return SandboxStatus(**kept)
    found = _probe()
    memo.store_json(where, key, vars(found))
    return found


def forget() -> None:
    """The sandbox failed after all (a job got bwrap's own error): ask again next time."""
    with contextlib.suppress(OSError):
        (memo.folder("sandbox") / f"{_memo_key()}.json").unlink()
    status.cache_clear()


def _memo_key() -> str:
    settings = []
    for name in ("/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces",
                 "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"):
        with contextlib.suppress(OSError):
            settings.append(Path(name).read_text(encoding="ascii").strip())
    tools = [(found, stamp(Path(found))) for found in map(shutil.which, ("bwrap", "setpriv")) if found]
    tools += [(found, stamp(Path(found))) for found in map(shutil.which, ("unshare", "prlimit")) if found]
    return memo.key_of("sandbox", 2, tools, os.geteuid(), os.uname().release, settings)


def _probe() -> SandboxStatus:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxStatus("", "bubblewrap (bwrap) is not installed, so learner code runs with your own "
                                 "rights, under time and memory limits only; install it (Debian/Ubuntu: "
                                 "`apt install bubblewrap`)")
    try:
        version = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=_PROBE_SECONDS,
                                 stdin=subprocess.DEVNULL, check=False).stdout.split()
        true = shutil.which("true") or "/usr/bin/true"
        trial = subprocess.run(wrap([true], Confinement(Path("/")), bwrap=bwrap, uid=os.geteuid(), trial=True),
                               capture_output=True, text=True, timeout=_PROBE_SECONDS,
                               stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError) as err:
        return SandboxStatus("", f"bubblewrap could not be run ({err}), so learner code runs unconfined")
    if trial.returncode != 0:
        why = (trial.stderr.strip().splitlines() or [f"exit status {trial.returncode}"])[-1]
        return SandboxStatus("", f"bubblewrap cannot make a sandbox here ({why}); learner code runs "
                                 "unconfined, under time and memory limits only")
    name = " ".join(version[:2]) if version else "bubblewrap"
    counted = subprocess.run(wrap([true], Confinement(Path("/")), bwrap=bwrap, uid=os.geteuid(), trial=True,
                                  processes=_PROBE_PROCESSES), capture_output=True, timeout=_PROBE_SECONDS,
                             stdin=subprocess.DEVNULL, check=False)
    return SandboxStatus(name.replace("bwrap", "bubblewrap"), bwrap=bwrap, own_count=counted.returncode == 0)


def wrap(argv: Sequence[str], confinement: Confinement, *, bwrap: str, uid: int, info_fd: int = -1,
         trial: bool = False, processes: int | None = None) -> list[str]:
    """The bwrap command line that runs `argv` in `confinement` (in its work folder).

    `uid` is who runs it (root is handled differently, see the module's docstring);
    bwrap writes the pid of the sandbox's first process to `info_fd` (killing that one
    kills the sandbox); a `trial` sandbox binds no work folder, for status()'s probe;
    `processes` caps the processes and threads `argv` may have at once, counted in a user
    namespace of its own (only where status().own_count says the kernel allows one)."""
    args = [bwrap, *(["--info-fd", str(info_fd)] if info_fd >= 0 else []),
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    as_root = uid == 0
    if as_root:
        # Root needs no user namespace to mount; it keeps only what dropping to nobody takes.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user-try"]  # a setuid bwrap needs none
    args += ["--ro-bind", "/usr", "/usr"]
    for link in _SYSTEM_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    made = {"/", "/usr", "/proc", "/dev", "/tmp", *_SYSTEM_LINKS}
    for name in _ETC:
        if os.path.exists(name):
            args += _parents(Path(name), made) + ["--ro-bind", name, name]
    for path in confinement.read_only:
        if not _inside(path, "/usr"):
            args += _parents(path, made) + ["--ro-bind", str(path), str(path)]
    if not trial:
        work = str(confinement.writable)
        args += _parents(confinement.writable, made) + ["--bind", work, work, "--chdir", work]
    if as_root:
        args += ["--", "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all",
                 "--no-new-privs"]
    if processes is not None:
        # After the drop to nobody: a namespace of nobody's, so the count is nobody's in it alone.
        args += ["--", "unshare", "--user", "--", "prlimit", f"--nproc={processes}:{processes}"]
    return [*args, "--", *argv]


def prepare_work_folder(folder: Path) -> None:
    """Let the sandboxed jobs write their work folder: as root they run as nobody, who
    must own it; bwrap itself (root without its powers over files) must be able to enter it."""
    if os.geteuid() == 0 and status().available:
        os.chown(folder, NOBODY, NOBODY)
        os.chmod(folder, 0o711)


def _parents(path: Path, made: set[str]) -> list[str]:
    """`--dir` for each folder above `path` not made yet, readable by all: bwrap would
    otherwise create them as private folders, which nobody could not cross."""
    args: list[str] = []
    for parent in reversed(path.parents):
        name = str(parent)
        if name not in made:
            made.add(name)
            args += ["--perms", "0755", "--dir", name]
    return args


def _inside(path: Path, top: str) -> bool:
    return str(path) == top or str(path).startswith(top.rstrip("/") + "/")
