"""The test driver's fixed half, compiled once per rustc into a small library (an rlib).

Everything in the driver that does not depend on the exercise (the report pipe, the
line protocol and its formatting, the random numbers, the panic hook, the loop over
cases with `catch_unwind`) lives here. Compiling it into every check cost a third of the -O3
build; now each check links the prebuilt rlib from the cache instead. It is built
with the same rustc that builds the checks (the key includes its commit), written
atomically, and rebuilt when this file changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from asm_tutor.atomic import atomic_write
from asm_tutor.grader.sandbox import Job, Limits, run_jobs
from asm_tutor.paths import cache_dir
from asm_tutor.toolchain import Toolchain, ToolchainError

CRATE = "asm_tutor_rt"
_BUILD_TIME_LIMIT = 120.0

# Edition 2018 and only features from before Rust 1.59, so any rustc with asm! builds it.
SOURCE = r"""
//! asm-tutor's test runtime: what every generated driver shares.
use std::fmt::{Debug, Write};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

static FD: AtomicI32 = AtomicI32::new(-1);
static CURRENT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Send one report line on the pipe named on the command line.
fn emit(mut line: Vec<u8>) {
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
fn line(kind: &str, case: usize) -> Vec<u8> {
    let mut line = kind.as_bytes().to_vec();
    field(&mut line, format_args!("{}", case));
    line
}

/// One tab-separated field, kept on one line and to a sane length.
fn field(line: &mut Vec<u8>, text: std::fmt::Arguments) {
    let text = std::fmt::format(text);
    line.push(b'\t');
    for &b in text.as_bytes().iter().take(400) {
        line.push(if b == b'\t' || b == b'\n' || b == b'\r' { b' ' } else { b });
    }
}

/// A value as the report shows it (what `{:?}` prints). Implemented here for the usual
/// types, so their formatting is compiled once, in this library: through `dyn Debug`,
/// every check compiled the integer formatting again (~7 ms at -O3). Other types go
/// through `Debugged`, which formats them in the check itself.
pub trait Show {
    fn show(&self, out: &mut String);
}

macro_rules! show_as_debug {
    ($($t:ty),*) => {$(
        impl Show for $t {
            #[inline(never)]
            fn show(&self, out: &mut String) {
                let _ = write!(out, "{:?}", self);
            }
        }
    )*};
}

show_as_debug!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool, char, String);

impl<T: Show> Show for Option<T> {
    fn show(&self, out: &mut String) {
        match self {
            Some(value) => {
                out.push_str("Some(");
                value.show(out);
                out.push(')');
            }
            None => out.push_str("None"),
        }
    }
}

/// Any other `Debug` value.
pub struct Debugged<'a, T: Debug>(pub &'a T);

impl<'a, T: Debug> Show for Debugged<'a, T> {
    fn show(&self, out: &mut String) {
        let _ = write!(out, "{:?}", self.0);
    }
}

fn shown(value: &dyn Show) -> String {
    let mut text = String::new();
    value.show(&mut text);
    text
}

/// The call as the learner would write it, e.g. `times_nine(6)`.
fn call(line: &mut Vec<u8>, name: &str, args: &[&dyn Show]) {
    let mut text = String::from(name);
    text.push('(');
    for (k, value) in args.iter().enumerate() {
        if k > 0 {
            text.push_str(", ");
        }
        value.show(&mut text);
    }
    text.push(')');
    field(line, format_args!("{}", text));
}

/// INPUT: said before the learner's function runs, so a crash inside it still names its input.
pub fn note(case: usize, name: &str, args: &[&dyn Show], expected: &dyn Show) {
    let mut report = line("INPUT", case);
    call(&mut report, name, args);
    field(&mut report, format_args!("{}", shown(expected)));
    emit(report);
}

/// RESULT of one call; `how` is empty for a pass, else which call went wrong ("direct", "pointer").
pub fn verdict(case: usize, name: &str, args: &[&dyn Show], expected: &dyn Show, actual: &dyn Show, how: &str) {
    let mut report = line("RESULT", case);
    field(&mut report, format_args!("{}", if how.is_empty() { "pass" } else { "fail" }));
    call(&mut report, name, args);
    field(&mut report, format_args!("{}", shown(expected)));
    field(&mut report, format_args!("{}", shown(actual)));
    field(&mut report, format_args!("{}", how));
    emit(report);
}

/// RESULT of a property; its input is the property's text, which the grader knows.
pub fn property(case: usize, ok: bool) {
    let mut report = line("RESULT", case);
    field(&mut report, format_args!("{}", if ok { "pass" } else { "fail" }));
    field(&mut report, format_args!(""));
    field(&mut report, format_args!("true"));
    field(&mut report, format_args!("{}", ok));
    emit(report);
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

/// Apply one resource limit given as `resource=soft:hard` (the numbers are the platform's,
/// as the grader's Python reads them from its `resource` module).
fn limit(spec: &str) -> bool {
    #[repr(C)]
    struct Limit {
        soft: u64,
        hard: u64,
    }
    extern "C" {
        fn setrlimit(resource: i32, limit: *const Limit) -> i32;
    }
    let mut parts = spec.splitn(2, '=');
    let resource = parts.next().and_then(|r| r.parse::<i32>().ok());
    let mut values = parts.next().unwrap_or("").splitn(2, ':');
    let soft = values.next().and_then(|v| v.parse::<u64>().ok());
    let hard = values.next().and_then(|v| v.parse::<u64>().ok());
    match (resource, soft, hard) {
        (Some(resource), Some(soft), Some(hard)) => unsafe { setrlimit(resource, &Limit { soft, hard }) == 0 },
        _ => false,
    }
}

/// Run cases `start..total` (argv: report fd, seed, start, then resource limits), each
/// under `catch_unwind`. The limits are applied first, before any of the learner's code
/// runs: the grader starts this program without a fork of its own (a fork of the
/// grader's Python, to set them in between, cost milliseconds on every run).
pub fn run(total: usize, case: &dyn Fn(usize, u64)) {
    for spec in std::env::args().skip(4) {
        if !limit(&spec) {
            eprintln!("asm-tutor: the test program could not set the limit {}", spec);
            std::process::exit(120);
        }
    }
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

_PATHS_FILE = "toolchain-paths.json"  # beside the cached rlib: what toolchain_paths() found


@dataclass(frozen=True)
class ToolchainPaths:
    """Where a toolchain's parts are, found once per rustc (`rustc --print sysroot`)."""

    # The rustc binary inside the toolchain. rustup's `rustc` on PATH is a proxy that
    # picks the toolchain and then starts this one: ~8 ms per compile saved by
    # starting it directly. The cache key holds the commit `rustc -vV` reported
    # through the proxy, so a toolchain switch still gets its own entry.
    compiler: Path
    # The toolchain's shared std (libstd-*.so), when it ships one: linking the checks
    # against it instead of the static std takes ~25 ms off the two links of a check.
    # The programs then find it through LD_LIBRARY_PATH (see program_env()).
    std_dylib_dir: Path | None
    # How checks (and lesson blocks) link: against the shared std when there is one,
    # and with rust-lld directly when that was found to work (linker.py).
    link_flags: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"compiler": str(self.compiler), "std_dylib_dir": str(self.std_dylib_dir or ""),
                           "link_flags": list(self.link_flags)})

    @classmethod
    def from_json(cls, text: str) -> ToolchainPaths | None:
        """The recorded paths, or None when they are unreadable or gone (found again then)."""
        try:
            data = json.loads(text)
            compiler, std_dir = Path(data["compiler"]), Path(data["std_dylib_dir"]) if data["std_dylib_dir"] else None
            link_flags = tuple(str(flag) for flag in data["link_flags"])
        except (ValueError, KeyError, TypeError):
            return None
        if not compiler.is_file() or (std_dir is not None and not std_dir.is_dir()):
            return None
        return cls(compiler, std_dir, link_flags)


@dataclass(frozen=True)
class Runtime:
    rlib: Path
    paths: ToolchainPaths

    def env(self) -> dict[str, str] | None:
        """The environment a test binary needs, or None for the tutor's own."""
        return program_env(self.paths.std_dylib_dir)


def program_env(std_dylib_dir: Path | None) -> dict[str, str] | None:
    """The environment for a program built with `-C prefer-dynamic` against that std (None: static)."""
    if std_dylib_dir is None:
        return None
    paths = [str(std_dylib_dir), *filter(None, [os.environ.get("LD_LIBRARY_PATH")])]
    return {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(paths)}


_lock = threading.Lock()
_known: dict[str, Runtime] = {}  # key → runtime already checked or built by this process
_paths: dict[str, ToolchainPaths] = {}  # key → the toolchain's parts, found by this process


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
        paths_file = cached.parent / _PATHS_FILE
        if cached.is_file() and paths_file.is_file():
            recorded = ToolchainPaths.from_json(paths_file.read_text(encoding="utf-8"))
            if recorded is not None:
                _paths[key] = recorded
                _known[key] = Runtime(cached, recorded)
                return _known[key]
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(dir=cached.parent, prefix=".build-"))
        except OSError:
            # No cache to keep it in: build it for this check alone.
            built = _build(toolchain, work / "runtime", cancel)
            return None if built is None else Runtime(built, toolchain_paths(toolchain))
        try:
            built = _build(toolchain, folder, cancel)
            if built is None:
                return None
            paths = toolchain_paths(toolchain)
            os.replace(built, cached)  # atomic: another process may be doing the same
            atomic_write(paths_file, paths.to_json().encode("utf-8"), mode=0o644, durable=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        _known[key] = Runtime(cached, paths)
        return _known[key]


def toolchain_paths(toolchain: Toolchain) -> ToolchainPaths:
    """The toolchain's compiler, shared std and link flags, once per process (prepare() also keeps
    them on disk)."""
    key = _key(toolchain)
    if key not in _paths:
        _paths[key] = _find_paths(toolchain)
    return _paths[key]


def _find_paths(toolchain: Toolchain) -> ToolchainPaths:
    """Ask rustc for its sysroot; without an answer, use rustc as found and link statically."""
    try:
        proc = subprocess.run([str(toolchain.rustc), "--print", "sysroot"], capture_output=True, text=True,
                              timeout=30, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ToolchainPaths(toolchain.rustc, None)
    if proc.returncode != 0 or not proc.stdout.strip():
        return ToolchainPaths(toolchain.rustc, None)
    sysroot = Path(proc.stdout.strip())
    inside = sysroot / "bin" / ("rustc.exe" if os.name == "nt" else "rustc")
    compiler = inside if inside.is_file() and os.access(inside, os.X_OK) else toolchain.rustc
    std_dir = _std_dylib_dir(sysroot, toolchain)
    if std_dir is None:
        return ToolchainPaths(compiler, None)
    from asm_tutor.grader import linker

    flags = ("-C", "prefer-dynamic", *linker.direct_flags(compiler, sysroot, toolchain.host, std_dir))
    return ToolchainPaths(compiler, std_dir, flags)


def _std_dylib_dir(sysroot: Path, toolchain: Toolchain) -> Path | None:
    """The folder of the toolchain's shared std on Linux, if it ships one; else None (link statically)."""
    if not sys.platform.startswith("linux"):
        return None
    folder = sysroot / "lib" / "rustlib" / toolchain.host / "lib"
    return folder if any(folder.glob("libstd-*.so")) else None


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
