//! asm-tutor's test runtime: what every generated test program and judge shares.
//!
//! Built once per rustc into an rlib (grader/runtime.py) and linked into two kinds of
//! program, each run in its own sandboxed process:
//!
//! * the learner's test program (`run`), built from the learner's file: it reports only
//!   what the learner's function returned for each case, never a verdict;
//! * the exercise's judge (`judge`), built from the pack's reference alone: it reports each
//!   case's input and expected value, and decides the pack's properties by replaying the
//!   values the learner's program reported. The grader compares the two.
//!
//! Edition 2018 and only features from Rust 1.59 (when asm! became stable), so any rustc
//! that can grade builds it.
use std::fmt::{Debug, Write};
use std::io::Read;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::cell::RefCell;

static FD: AtomicI32 = AtomicI32::new(-1);
static CURRENT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// write(2) as a raw system call where we know how, so a learner's own `write` symbol
/// (which would override libc's for the whole program) never sees the report.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn write_fd(fd: i32, buf: *const u8, count: usize) -> isize {
    let written: isize;
    std::arch::asm!(
        "syscall",
        inlateout("rax") 1isize => written,
        in("rdi") fd as isize,
        in("rsi") buf,
        in("rdx") count,
        lateout("rcx") _,
        lateout("r11") _,
        options(nostack),
    );
    written
}

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn write_fd(fd: i32, buf: *const u8, count: usize) -> isize {
    let written: isize;
    std::arch::asm!(
        "svc 0",
        in("x8") 64usize,
        inlateout("x0") fd as isize => written,
        in("x1") buf,
        in("x2") count,
        options(nostack),
    );
    written
}

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
unsafe fn write_fd(fd: i32, buf: *const u8, count: usize) -> isize {
    extern "C" {
        fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    }
    write(fd, buf, count)
}

/// Send one report line on the pipe named on the command line.
fn emit(mut line: Vec<u8>) {
    line.push(b'\n');
    let fd = FD.load(Ordering::SeqCst);
    let mut rest: &[u8] = &line;
    while fd >= 0 && !rest.is_empty() {
        let n = unsafe { write_fd(fd, rest.as_ptr(), rest.len()) };
        if n <= 0 {
            return;
        }
        rest = &rest[n as usize..];
    }
}

/// A report line's start: its kind and the case number.
fn line(kind: &str, case: usize) -> Vec<u8> {
    let mut line = kind.as_bytes().to_vec();
    field(&mut line, &case.to_string());
    line
}

/// One tab-separated field, kept on one line and to a sane length.
fn field(line: &mut Vec<u8>, text: &str) {
    line.push(b'\t');
    for &b in text.as_bytes().iter().take(400) {
        line.push(if b == b'\t' || b == b'\n' || b == b'\r' { b' ' } else { b });
    }
}

/// A value as the report shows it (what `{:?}` prints). Implemented here for the usual
/// types, so their formatting is compiled once, in this library; other types go through
/// `Debugged`, which formats them in the program itself.
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

show_as_debug!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, bool, char, String);

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

/// xorshift64*, seeded per (seed, case) with splitmix64: a case draws the same values in
/// the learner's program and in the judge, however either run is split into processes.
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

    /// A mix: small whole numbers, values with a fraction (exact in binary), and any bit
    /// pattern at all (NaNs, infinities, subnormals).
    pub fn f64(&mut self) -> f64 {
        match self.next() % 8 {
            0 | 1 => ((self.next() % 33) as f64) - 16.0,
            2 => f64::from_bits(self.next()),
            _ => ((self.i() >> 11) as f64) / 1024.0,
        }
    }

    pub fn f32(&mut self) -> f32 {
        match self.next() % 8 {
            0 | 1 => ((self.next() % 33) as f32) - 16.0,
            2 => f32::from_bits(self.next() as u32),
            _ => ((self.i() >> 40) as f32) / 64.0,
        }
    }

    /// A made-up string (`[tests.bytes]`): 0 to `max` bytes, printable ASCII when `text`, and
    /// when `nul` never a NUL inside and one after the last byte.
    pub fn bytes(&mut self, text: bool, nul: bool, max: usize) -> Vec<u8> {
        let n = (self.next() % (max as u64 + 1)) as usize;
        let mut out: Vec<u8> = (0..n)
            .map(|_| if text { 32 + (self.next() % 95) as u8 } else if nul { 1 + (self.next() % 255) as u8 } else { self.next() as u8 })
            .collect();
        if nul {
            out.push(0);
        }
        out
    }

    /// A buffer's length: often short (0 to 3), else up to 32.
    pub fn len(&mut self) -> usize {
        (if self.next() % 4 == 0 { self.next() % 4 } else { self.next() % 33 }) as usize
    }
}

/// A case's buffer, kept for the rest of the run (a test program runs a bounded number of cases).
pub fn leak<T: Clone, A: AsRef<[T]>>(buffer: A) -> &'static [T] {
    Box::leak(buffer.as_ref().to_vec().into_boxed_slice())
}

fn panic_hook() {
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
        field(&mut report, message);
        match info.location() {
            Some(l) => field(&mut report, &format!("{}:{}", l.file(), l.line())),
            None => field(&mut report, ""),
        }
        emit(report);
    }));
}

/// Run cases `first..total` under `catch_unwind`, each announced with a START line, so a
/// crash names the case it happened in.
fn each_case(first: usize, total: usize, seed: u64, case: &dyn Fn(usize, u64)) {
    panic_hook();
    for i in first..total {
        CURRENT.store(i, Ordering::SeqCst);
        emit(line("START", i));
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(i, seed)));
    }
}

// -- the learner's test program ------------------------------------------------------------

/// The test program's main loop. argv: report fd, seed, first case. The grader sets the
/// resource limits before this program starts; nothing here is trusted for the verdict.
pub fn run(total: usize, case: &dyn Fn(usize, u64)) {
    FD.store(arg(1) as i32, Ordering::SeqCst);
    each_case(arg(3) as usize, total, arg(2), case);
}

/// VALUE: what the learner's function returned, called inlined, through a pointer, and in the
/// calling contexts the driver adds (inputs dead after the call, many values live across it).
pub fn value(case: usize, values: &[&dyn Show]) {
    let mut report = line("VALUE", case);
    for value in values {
        field(&mut report, &shown(*value));
    }
    emit(report);
}

/// CALL: one value the learner's function returned while a property ran.
pub fn record(value: &dyn Show) {
    let mut report = line("CALL", CURRENT.load(Ordering::SeqCst));
    field(&mut report, &shown(value));
    emit(report);
}

/// END: the property's expression ran to its end (the judge decides whether it held).
pub fn end(case: usize) {
    emit(line("END", case));
}

// -- the judge -------------------------------------------------------------------------------

/// The judge's main loop. argv: report fd, seed, then `props` to decide properties from the
/// learner's recorded calls on stdin (lines `case<TAB>value<TAB>value...`).
pub fn judge(total: usize, case: &dyn Fn(usize, u64)) {
    FD.store(arg(1) as i32, Ordering::SeqCst);
    if std::env::args().nth(3).map_or(false, |mode| mode == "props") {
        let mut input = String::new();
        let _ = std::io::stdin().read_to_string(&mut input);
        let mut cases = Vec::new();
        RECORDED.with(|recorded| {
            for text in input.lines() {
                let mut fields = text.split('\t');
                if let Some(Ok(index)) = fields.next().map(|f| f.parse::<usize>()) {
                    recorded.borrow_mut().push((index, fields.map(String::from).collect()));
                    cases.push(index);
                }
            }
        });
        panic_hook();
        for i in cases {
            CURRENT.store(i, Ordering::SeqCst);
            emit(line("START", i));
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(i, 0)));
        }
    } else {
        each_case(0, total, arg(2), case);
    }
}

/// EXPECT: a case's call as the learner would write it, e.g. `times_nine(6)`, and the
/// value the reference gives for it.
pub fn expect(case: usize, name: &str, args: &[&dyn Show], expected: &dyn Show) {
    let mut call = String::from(name);
    call.push('(');
    for (k, value) in args.iter().enumerate() {
        if k > 0 {
            call.push_str(", ");
        }
        value.show(&mut call);
    }
    call.push(')');
    let mut report = line("EXPECT", case);
    field(&mut report, &call);
    field(&mut report, &shown(expected));
    emit(report);
}

/// HOLDS: whether a property held on the learner's replayed values.
pub fn holds(case: usize, ok: bool) {
    let mut report = line("HOLDS", case);
    field(&mut report, if ok { "true" } else { "false" });
    emit(report);
}

thread_local! {
    /// The learner's recorded calls, per property case (the judge runs on one thread).
    static RECORDED: RefCell<Vec<(usize, Vec<String>)>> = RefCell::new(Vec::new());
}

/// A value the learner's function returned, read back from its report.
pub trait Replay: Sized {
    fn replay(text: &str) -> Option<Self>;
}

macro_rules! replay_by_parse {
    ($($t:ty),*) => {$(
        impl Replay for $t {
            fn replay(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )*};
}

// `{:?}` of a float reads back exactly, `NaN` and `inf` included.
replay_by_parse!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, bool);

/// The text between the quotes of a `{:?}` string or char, unescaped.
fn unescape(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '0' => out.push('\0'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'n' => out.push('\n'),
            'u' => {
                let hex: String = chars.by_ref().skip_while(|&c| c == '{').take_while(|&c| c != '}').collect();
                out.push(std::char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            other => out.push(other), // \\, \", \'
        }
    }
    Some(out)
}

impl Replay for String {
    fn replay(text: &str) -> Option<Self> {
        unescape(text.strip_prefix('"')?.strip_suffix('"')?)
    }
}

impl Replay for char {
    fn replay(text: &str) -> Option<Self> {
        let body = unescape(text.strip_prefix('\'')?.strip_suffix('\'')?)?;
        let mut chars = body.chars();
        let c = chars.next()?;
        if chars.next().is_none() { Some(c) } else { None }
    }
}

impl<T: Replay> Replay for Option<T> {
    fn replay(text: &str) -> Option<Self> {
        if text == "None" {
            return Some(None);
        }
        let inner = text.strip_prefix("Some(")?.strip_suffix(')')?;
        T::replay(inner).map(Some)
    }
}

/// A buffer's contents as `{:?}` prints them: `[1, 2, 3]` (elements of the types above).
impl<T: Replay> Replay for Vec<T> {
    fn replay(text: &str) -> Option<Self> {
        let body = text.strip_prefix('[')?.strip_suffix(']')?;
        if body.is_empty() {
            return Some(Vec::new());
        }
        body.split(", ").map(T::replay).collect()
    }
}

/// What the learner's function left in a `&mut` buffer during the current property, written
/// back into the judge's copy of it: the property then sees the buffer as the learner's did.
pub fn replay_into<T: Replay + Clone>(buffer: &mut [T]) {
    let after: Vec<T> = replay();
    if after.len() != buffer.len() {
        panic!("a buffer the function changed could not be read back");
    }
    buffer.clone_from_slice(&after);
}

/// The next value the learner's function returned during the current property, in the
/// order it returned them. Running out means the property made more calls in the judge
/// than in the learner's program: the property then does not hold.
pub fn replay<T: Replay>() -> T {
    let case = CURRENT.load(Ordering::SeqCst);
    let next = RECORDED.with(|recorded| {
        let mut recorded = recorded.borrow_mut();
        let calls = recorded.iter_mut().find(|r| r.0 == case)?;
        if calls.1.is_empty() { None } else { Some(calls.1.remove(0)) }
    });
    match next.as_deref().map(T::replay) {
        Some(Some(value)) => value,
        Some(None) => panic!("a value the function returned could not be read back"),
        None => panic!("the property called the function more often than the test program did"),
    }
}
