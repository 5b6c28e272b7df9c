"""Rust's v0 symbol names read into the paths the checks match (grader/symbols.py), and
forbidden-call patterns that name library functions, never the learner's own."""

from __future__ import annotations

import pytest

from asm_tutor.grader.disasm import demangle
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import TestStatus
from asm_tutor.grader.symbols import demangle_v0
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir


@pytest.mark.parametrize(("symbol", "path"), [
    # A trait method of std (the kind `println!` reaches), as the legacy names show one.
    ("_RNvXsV_NtCs6jpVUYoSzTk_3std2ioNtNtB5_5stdio6StdoutNtB5_5Write9write_fmt",
     "<std::io::stdio::Stdout as std::io::Write>::write_fmt"),
    ("_RNvNtNtCsgEmfK2I1SDS_4core9panicking11panic_const24panic_const_add_overflow",
     "core::panicking::panic_const::panic_const_add_overflow"),
    # An inherent impl keeps the module it is in, like `core::num::<impl u64>::count_ones`.
    ("_RNvMs16_NtCsjrHSEGnQ3l9_3std4pathNtB6_4Path7is_file", "std::path::<impl std::path::Path>::is_file"),
    ("_RNvXs0_NtNtCsjrHSEGnQ3l9_3std2io5errorNtB5_5ErrorINtNtCsgEmfK2I1SDS_4core7convert4FromNtNtNtCslNYArtu3iFV"
     "_5alloc3ffi5c_str8NulErrorE4from",
     "<std::io::error::Error as core::convert::From<alloc::ffi::c_str::NulError>>::from"),
    ("_RINvNtCsgEmfK2I1SDS_4core9panicking13assert_failedssECsjrHSEGnQ3l9_3std",
     "core::panicking::assert_failed::<i16, i16>"),
    ("_RNvNCNKNvNtNtCsjrHSEGnQ3l9_3std6thread9spawnhook11SPAWN_HOOKS0023___RUST_STD_INTERNAL_VAL",
     "std::thread::spawnhook::SPAWN_HOOKS::{K#0}::{closure#0}::__RUST_STD_INTERNAL_VAL"),
])
def test_v0_names_read_as_paths(symbol: str, path: str) -> None:
    assert demangle_v0(symbol) == path
    assert demangle(symbol) == path


@pytest.mark.parametrize("symbol", ["_RNvB9_3foo", "_RNvNtC", "_RNvNtB0_3foo3bar", "_RNv" + "NvB2_" * 100 + "3foo"])
def test_a_name_it_cannot_read_is_shown_as_it_is(symbol: str) -> None:
    # A back-reference forward or to itself, a name cut short: never an endless loop or a crash.
    assert demangle_v0(symbol) is None
    assert demangle(symbol) == symbol


PACK = load_pack(builtin_pack_dir())
HELPER_NAMED_LIKE_THE_INTRINSIC = """use std::arch::asm;

fn has_popcnt() -> bool {
    is_x86_feature_detected!("popcnt")
}

fn popcount_checked(x: u64) -> u32 {
    if has_popcnt() {
        let n: u64;
        // SAFETY: the CPU has POPCNT (checked just above).
        unsafe { asm!("popcnt {n}, {x}", x = in(reg) x, n = lateout(reg) n, options(pure, nomem, nostack)) };
        return n as u32;
    }
    x.count_ones()
}
"""
THE_INTRINSIC = """use std::arch::asm;

fn popcount_checked(x: u64) -> u32 {
    if is_x86_feature_detected!("popcnt") {
        let n: u64;
        // SAFETY: the CPU has POPCNT (checked just above).
        unsafe { asm!("popcnt {n}, {x}", x = in(reg) x, n = lateout(reg) n, options(pure, nomem, nostack)) };
        let _ = n;
        return unsafe { std::arch::x86_64::_popcnt64(x as i64) } as u32;
    }
    x.count_ones()
}
"""


@pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")
@pytest.mark.usefixtures("builds")
def test_a_helper_of_the_learners_is_not_the_intrinsic_it_is_named_after() -> None:
    exercise = PACK.exercises["popcount_checked"]
    helper = grade(exercise, HELPER_NAMED_LIKE_THE_INTRINSIC, seed=7)
    assert next(c for c in helper.checks if c.name == "no popcnt intrinsic").status is TestStatus.PASS
    intrinsic = grade(exercise, THE_INTRINSIC, seed=7)
    found = next(c for c in intrinsic.checks if c.name == "no popcnt intrinsic")
    assert found.status is TestStatus.FAIL and "core::core_arch::x86_64::abm::_popcnt64" in found.message
