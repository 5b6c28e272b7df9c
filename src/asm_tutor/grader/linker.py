"""Link the checks with the toolchain's own rust-lld, without the C compiler in between.

rustc links through `cc`, which starts collect2, which starts rust-lld: three programs
where one does the work, ~4 ms of each of a check's two links. Where the toolchain ships
rust-lld and `cc` says where the C runtime's start files and the dynamic loader are,
the checks hand them to rust-lld themselves. The flags are tried once per toolchain
(link a small program that unwinds a panic, run it) before they are used; anything
unexpected on the way keeps the ordinary link through `cc`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from asm_tutor.grader.jobs import Job, Limits
from asm_tutor.grader.processes import run_jobs

# The start files `cc` links into a position-independent executable, in its order.
START_FILES = ("Scrt1.o", "crti.o", "crtbeginS.o", "crtendS.o", "crtn.o")
_PROBE_SECONDS = 30.0

_PROBE = """
fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let unwound = std::panic::catch_unwind(|| panic!("unwinding works")).is_err();
    println!("linked {}", unwound);
}
"""


def direct_flags(compiler: Path, sysroot: Path, host: str, std_dylib_dir: Path) -> tuple[str, ...]:
    """rustc flags that link with rust-lld directly (for checks linked against the shared std),
    or () to link through `cc` as rustc does by default."""
    lld = sysroot / "lib" / "rustlib" / host / "bin" / "rust-lld"
    cc = shutil.which("cc")
    if not host.endswith("-linux-gnu") or not lld.is_file() or cc is None:
        return ()
    try:
        start_files = [_file_from_cc(cc, name) for name in START_FILES]
        loader = _dynamic_loader(cc)
        library_dirs = _library_dirs(cc)
    except (OSError, subprocess.SubprocessError, ValueError):
        return ()
    link_args = [f"-dynamic-linker={loader}", "--build-id", "--hash-style=gnu",
                 *(f"-L{folder}" for folder in library_dirs), *start_files]
    flags = ("-C", "linker-flavor=ld.lld", "-C", f"linker={lld}",
             *(part for arg in link_args for part in ("-C", f"link-arg={arg}")))
    return flags if _links_and_runs(compiler, flags, std_dylib_dir) else ()


def _cc(cc: str, *args: str) -> str:
    proc = subprocess.run([cc, *args], capture_output=True, text=True, timeout=_PROBE_SECONDS,
                          stdin=subprocess.DEVNULL, check=False)
    return proc.stdout + proc.stderr


def _file_from_cc(cc: str, name: str) -> str:
    found = _cc(cc, f"-print-file-name={name}").strip()
    if not os.path.isabs(found) or not os.path.isfile(found):
        raise ValueError(f"cc does not know where {name} is")
    return os.path.normpath(found)


def _dynamic_loader(cc: str) -> str:
    """The program interpreter `cc` would link in, from its dry run (`-###`)."""
    words = _cc(cc, "-###", "-x", "c", os.devnull, "-o", os.devnull).replace('"', " ").split()
    for flag, value in zip(words, words[1:], strict=False):
        if flag == "-dynamic-linker" and os.path.isfile(value):
            return value
    raise ValueError("cc names no dynamic loader")


def _library_dirs(cc: str) -> list[str]:
    for line in _cc(cc, "-print-search-dirs").splitlines():
        if line.startswith("libraries:"):
            folders = line.split(":", 1)[1].lstrip(" =").split(os.pathsep)
            return list(dict.fromkeys(os.path.normpath(f) for f in folders if f and os.path.isdir(f)))
    raise ValueError("cc lists no library folders")


def program_env(std_dylib_dir: Path | None) -> dict[str, str] | None:
    """The variables for a program built with `-C prefer-dynamic` against that std (None: static)."""
    if std_dylib_dir is None:
        return None
    return {"LD_LIBRARY_PATH": str(std_dylib_dir)}


def _links_and_runs(compiler: Path, flags: tuple[str, ...], std_dylib_dir: Path) -> bool:
    with tempfile.TemporaryDirectory(prefix="asm-tutor-link-") as folder:
        (Path(folder) / "probe.rs").write_text(_PROBE, encoding="utf-8")
        build = Job([str(compiler), "probe.rs", "-C", "prefer-dynamic", *flags, "-o", "probe"],
                    Limits(wall_time=_PROBE_SECONDS), cwd=Path(folder), separate_stderr=True)
        (built,) = run_jobs([build])
        if built.returncode != 0:
            return False
        run = Job([str(Path(folder) / "probe")], Limits(wall_time=_PROBE_SECONDS), cwd=Path(folder),
                  env=program_env(std_dylib_dir))
        (ran,) = run_jobs([run])
        return ran.returncode == 0 and ran.output.strip() == b"linked true"
