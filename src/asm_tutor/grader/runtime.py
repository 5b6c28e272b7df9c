"""The test driver's fixed half, compiled once per rustc into a small library (an rlib).

Everything in the driver that does not depend on the exercise (the report pipe, the
line protocol, the random numbers, the panic hook, the loop over cases with
`catch_unwind`) lives here. Compiling it into every check cost a third of the -O3
build; now each check links the prebuilt rlib from the cache instead. It is built
with the same rustc that builds the checks (the key includes its commit), written
atomically, and rebuilt when this file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.grader.sandbox import Job, Limits, run_jobs
from asm_tutor.paths import cache_dir
from asm_tutor.toolchain import Toolchain, ToolchainError

CRATE = "asm_tutor_rt"
_BUILD_TIME_LIMIT = 120.0

# Edition 2018 and only features from before Rust 1.59, so any rustc with asm! builds it.
SOURCE = r"""
//! asm-tutor's test runtime: what every generated driver shares.
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

static FD: AtomicI32 = AtomicI32::new(-1);
static CURRENT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Send one report line on the pipe named on the command line.
pub fn emit(mut line: Vec<u8>) {
    line.push(b'\n');
    let fd = FD.load(Ordering::SeqCst);
    let mut rest: &[u8] = &line;
    // libc's write(2): std's File would bring io::Error's machinery along. A report line
    // is shorter than PIPE_BUF, so it arrives whole.
    extern "C" {
        fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    }
    while fd >= 0 && !rest.is_empty() {
        let n = unsafe { write(fd, rest.as_ptr(), rest.len()) };
        if n <= 0 {
            return;
        }
        rest = &rest[n as usize..];
    }
}

/// A report line's start: its kind and the case number.
pub fn line(kind: &str, case: usize) -> Vec<u8> {
    let mut line = kind.as_bytes().to_vec();
    field(&mut line, format_args!("{}", case));
    line
}

/// One tab-separated field, kept on one line and to a sane length.
pub fn field(line: &mut Vec<u8>, text: std::fmt::Arguments) {
    let text = std::fmt::format(text);
    line.push(b'\t');
    for &b in text.as_bytes().iter().take(400) {
        line.push(if b == b'\t' || b == b'\n' || b == b'\r' { b' ' } else { b });
    }
}

/// A decimal argument from the command line (0 when absent or not a number).
fn arg(k: usize) -> u64 {
    let text = std::env::args().nth(k).unwrap_or_default();
    let mut value: u64 = 0;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            return 0;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
    }
    value
}

/// xorshift64*, seeded per (seed, case) with splitmix64: a case draws the same values
/// however the run is split into processes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, case: u64) -> Self {
        let mut z = seed ^ case.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A mix: small numbers, powers of two and their neighbours, and the full range.
    pub fn u(&mut self) -> u64 {
        match self.next() % 8 {
            0 | 1 => self.next() % 17,
            2 => 1u64 << (self.next() % 64),
            3 => (1u64 << (self.next() % 64)).wrapping_sub(1),
            4 => u64::MAX - self.next() % 17,
            _ => self.next(),
        }
    }

    pub fn i(&mut self) -> i64 {
        if self.next() % 4 == 0 { (self.next() % 33) as i64 - 16 } else { self.u() as i64 }
    }

    pub fn u128(&mut self) -> u128 {
        if self.next() % 2 == 0 { self.u() as u128 } else { ((self.u() as u128) << 64) | self.u() as u128 }
    }

    pub fn b(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// Run cases `start..total` (argv: report fd, seed, start), each under `catch_unwind`.
pub fn run(total: usize, case: &dyn Fn(usize, u64)) {
    let has_fd = std::env::args().nth(1).map_or(false, |a| !a.is_empty());
    FD.store(if has_fd { arg(1) as i32 } else { -1 }, Ordering::SeqCst);
    let seed = arg(2);
    let start = arg(3) as usize;
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            *s
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.as_str()
        } else {
            "(no message)"
        };
        let mut report = line("PANIC", CURRENT.load(Ordering::SeqCst));
        field(&mut report, format_args!("{}", message));
        match info.location() {
            Some(l) => field(&mut report, format_args!("{}:{}", l.file(), l.line())),
            None => field(&mut report, format_args!("")),
        }
        emit(report);
    }));
    for i in start..total {
        CURRENT.store(i, Ordering::SeqCst);
        emit(line("START", i));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(i, seed)));
        if outcome.is_err() {
            let mut report = line("RESULT", i);
            field(&mut report, format_args!("panic"));
            emit(report);
        }
    }
    emit(b"DONE".to_vec());
}
"""

_STD_DIR_FILE = "std-dylib-dir"  # beside the cached rlib: where the shared std is, or empty


@dataclass(frozen=True)
class Runtime:
    rlib: Path
    # The toolchain's shared std (libstd-*.so), when it ships one: linking the checks
    # against it instead of the static std takes ~25 ms off the two links of a check.
    # The test binaries then find it through LD_LIBRARY_PATH (see env()).
    std_dylib_dir: Path | None

    def env(self) -> dict[str, str] | None:
        """The environment a test binary needs, or None for the tutor's own."""
        return program_env(self.std_dylib_dir)


def program_env(std_dylib_dir: Path | None) -> dict[str, str] | None:
    """The environment for a program built with `-C prefer-dynamic` against that std (None: static)."""
    if std_dylib_dir is None:
        return None
    paths = [str(std_dylib_dir), *filter(None, [os.environ.get("LD_LIBRARY_PATH")])]
    return {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(paths)}


_lock = threading.Lock()
_known: dict[str, Runtime] = {}  # key → runtime already checked or built by this process
_std_dirs: dict[str, Path | None] = {}  # key → shared std folder (or None), found by this process


class RuntimeBuildError(ToolchainError):
    """The runtime did not compile: a broken toolchain, not the learner's code."""


def _key(toolchain: Toolchain) -> str:
    digest = hashlib.sha256()
    for part in (toolchain.release, toolchain.host, toolchain.commit, str(toolchain.rustc), SOURCE):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def prepare(toolchain: Toolchain, work: Path, cancel: threading.Event | None) -> Runtime | None:
    """The runtime for this rustc: from the cache, else built now. None when cancelled."""
    key = _key(toolchain)
    with _lock:  # one build at a time; the others then find it ready
        known = _known.get(key)
        if known is not None and known.rlib.is_file():
            return known
        cached = cache_dir() / "runtime" / key / f"lib{CRATE}.rlib"
        std_file = cached.parent / _STD_DIR_FILE
        if cached.is_file() and std_file.is_file():
            recorded = std_file.read_text(encoding="utf-8").strip()
            runtime = Runtime(cached, Path(recorded) if recorded else None)
            if runtime.std_dylib_dir is None or runtime.std_dylib_dir.is_dir():
                _known[key] = runtime
                _std_dirs[key] = runtime.std_dylib_dir
                return runtime
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(dir=cached.parent, prefix=".build-"))
        except OSError:
            # No cache to keep it in: build it for this check alone.
            built = _build(toolchain, work / "runtime", cancel)
            return None if built is None else Runtime(built, shared_std_dir(toolchain))
        try:
            built = _build(toolchain, folder, cancel)
            if built is None:
                return None
            std_dir = shared_std_dir(toolchain)
            (folder / _STD_DIR_FILE).write_text(str(std_dir or ""), encoding="utf-8")
            os.replace(built, cached)  # atomic: another process may be doing the same
            os.replace(folder / _STD_DIR_FILE, std_file)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        runtime = Runtime(cached, std_dir)
        _known[key] = runtime
        return runtime


def shared_std_dir(toolchain: Toolchain) -> Path | None:
    """The folder of the toolchain's shared std, once per process (prepare() also keeps it on disk)."""
    key = _key(toolchain)
    if key not in _std_dirs:
        _std_dirs[key] = _find_std_dylib_dir(toolchain)
    return _std_dirs[key]


def _find_std_dylib_dir(toolchain: Toolchain) -> Path | None:
    """The folder of the toolchain's shared std on Linux, if it ships one; else None (link statically)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        proc = subprocess.run([str(toolchain.rustc), "--print", "sysroot"], capture_output=True, text=True,
                              timeout=30, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    folder = Path(proc.stdout.strip()) / "lib" / "rustlib" / toolchain.host / "lib"
    if proc.returncode != 0 or not any(folder.glob("libstd-*.so")):
        return None
    return folder


def _build(toolchain: Toolchain, folder: Path, cancel: threading.Event | None) -> Path | None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rt.rs").write_text(SOURCE, encoding="utf-8")
    out = folder / f"lib{CRATE}.rlib"
    argv = [str(toolchain.rustc), "rt.rs", "--crate-type", "rlib", "--crate-name", CRATE, "--edition", "2018",
            "-C", "opt-level=3", "-C", "codegen-units=1", "-C", "debuginfo=0", "-o", str(out)]
    (outcome,) = run_jobs([Job(argv, Limits(wall_time=_BUILD_TIME_LIMIT), cwd=folder, separate_stderr=True)], cancel)
    if outcome.cancelled:
        return None
    if outcome.returncode != 0 or not out.is_file():
        detail = outcome.start_error or outcome.stderr.decode("utf-8", errors="replace").strip()[-300:]
        raise RuntimeBuildError(f"the tutor's test runtime did not compile with {toolchain.describe()}: {detail}")
    return out
