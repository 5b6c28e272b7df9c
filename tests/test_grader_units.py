"""The grader's small parts on their own: demangling, mnemonics, alignment (on real objects: test_disasm.py),
edge values, the sandbox's output cap and the plain-words crash explanations."""

from __future__ import annotations

import signal
import sys

import pytest

from asm_tutor.grader.disasm import (
    Function,
    Instruction,
    align,
    asm_items,
    base_mnemonic,
    clean_symbol,
    demangle,
)
from asm_tutor.grader.driver import MAX_EDGE_CASES, CaseKind, edge_combinations, edge_values, generate
from asm_tutor.grader.jobs import OUTPUT_CAP, Job, Limits
from asm_tutor.grader.processes import describe_signal, run_jobs
from asm_tutor.pack.model import Param
from asm_tutor.pack.param_types import Kind, ParamType, invoke, observed_type


@pytest.mark.parametrize(("symbol", "name"), [
    ("_ZN15asm_tutor_check7learner10times_nine17hb2da047ef5f20bedE", "asm_tutor_check::learner::times_nine"),
    ("_ZN15asm_tutor_check7max_u6428_$u7b$$u7b$closure$u7d$$u7d$17hc27a7e300ba45810E",
     "asm_tutor_check::max_u64::{{closure}}"),
    ("_ZN4core5array4iter94_$LT$impl$u20$core..iter..traits..collect..IntoIterator$u20$for$u20$$u5b$T$u3b$"
     "$u20$N$u5d$$GT$9into_iter17h225daf9e90479287E",
     "core::array::iter::<impl core::iter::traits::collect::IntoIterator for [T; N]>::into_iter"),
    ("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$"
     "17h0123456789abcdefE",
     "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>"),
    ("__ZN4core3cmp3Ord3max17hb8e9aa379855115eE", "core::cmp::Ord::max"),  # Mach-O's extra underscore
    ("_RNvNtNtCsjrHSEGnQ3l9_3std2io5stdio6__print", "std::io::stdio::_print"),
    ("memcpy", "memcpy"),
    ("_ZN3foo", "_ZN3foo"),  # not a complete symbol: left alone
])
def test_demangle(symbol: str, name: str) -> None:
    assert demangle(symbol) == name


def test_mnemonics_skip_prefixes_and_relocation_targets_are_cleaned() -> None:
    assert base_mnemonic("lock cmpxchg QWORD PTR [rdi],rsi") == "cmpxchg"
    assert base_mnemonic("rep stos QWORD PTR es:[rdi],rax") == "stos"  # GNU objdump's spelling
    assert base_mnemonic("rep stosb byte ptr [rdi], al") == "stosb"  # capstone's (and LLVM's)
    assert base_mnemonic("IMUL rax,rdi,0x9") == "imul"
    assert clean_symbol(".text._ZN4core3cmp3Ord3max17hb8e9aa379855115eE-0x4") == "_ZN4core3cmp3Ord3max17hb8e9aa379855115eE"
    assert clean_symbol("_RNvNtNtCsjrHSEGnQ3l9_3std2io5stdio6__print-0x4") == "_RNvNtNtCsjrHSEGnQ3l9_3std2io5stdio6__print"


def test_align_without_regions_marks_nothing() -> None:
    function = Function("f", [Instruction(0, "ret")])
    assert not align(function, asm_items("\t.type f,@function\nf:\n\tret\n.Lfunc_end0:\n", "f") or [])
    assert not function.instructions[0].in_asm


def test_edge_values_per_type() -> None:
    assert edge_values("u64") == ["0", "1", "2", "u64::MAX", "u64::MAX - 1", "(u64::MAX >> 1) + 1", "u64::MAX >> 1"]
    assert edge_values("i32") == ["0", "1", "-1", "i32::MIN", "i32::MAX"]
    assert edge_values("bool") == ["false", "true"]
    assert edge_values("String") is None


def test_buffer_and_float_parameters_are_parsed_and_generated() -> None:
    parsed = {t: ParamType.parse(t) for t in ("&[u64]", "& mut [u8]", "*const u64", "*mut  i32", "f64", "[u8; 4]")}
    assert [p.kind for p in parsed.values()] == [Kind.SLICE, Kind.MUT_SLICE, Kind.CONST_PTR, Kind.MUT_PTR,
                                                  Kind.VALUE, Kind.VALUE]
    assert parsed["& mut [u8]"].stored == "&'static [u8]" and parsed["& mut [u8]"].mutable
    assert edge_values("&[u64]") == ["&[]", "&[1]", "&[" + ", ".join(edge_values("u64") or []) + "]",
                                     "&[" + ", ".join(str(k) for k in range(1, 18)) + "]"]
    assert edge_values("*const u8") == [f"&[{v}]" for v in edge_values("u8") or []]
    assert "f64::NAN" in (edge_values("f64") or []) and "-0.0" in (edge_values("f64") or [])
    assert edge_values("[u8; 4]") is None and parsed["[u8; 4]"].random_expr() is None
    assert parsed["&[u64]"].store("[1, 2]") == "::asm_tutor_rt::leak([1, 2])"
    # What a call with a `&mut` buffer is judged on: the returned value, then the buffer after.
    kinds = [parsed["& mut [u8]"], ParamType.parse("u8")]
    assert observed_type(kinds, "usize") == "(usize, Vec<u8>)"
    assert observed_type(kinds, "()") == "Vec<u8>" and observed_type([ParamType.parse("u8")], "()") == "()"
    assert invoke("f", kinds, "()", ["__a.0", "(7)"]) == "{ let mut __m0 = __a.0.to_vec(); let __r = f(&mut __m0[..], (7)); __m0 }"
    assert invoke("f", [parsed["*const u64"]], "u64", ["__a.0"]) == "f(__a.0.as_ptr())"


def test_edge_combinations_full_product_when_small_and_a_spread_when_large() -> None:
    one = edge_combinations((Param("x", "u64"),))
    assert len(one) == 7
    two = edge_combinations((Param("a", "u64"), Param("b", "u64")))
    assert len(two) == 49 and ("u64::MAX", "u64::MAX") in two
    three = edge_combinations((Param("a", "u64"), Param("b", "u64"), Param("c", "u64")))
    assert len(three) == MAX_EDGE_CASES == len(set(three))
    assert all((v, v, v) in three for v in edge_values("u64") or [])  # equal inputs included
    assert edge_combinations((Param("s", "&str"),)) == []


def test_each_edge_value_is_a_literal_once_per_position_and_the_rest_come_from_a_table() -> None:
    import re

    from asm_tutor.pack.loader import load_pack
    from asm_tutor.paths import builtin_pack_dir

    exercise = load_pack(builtin_pack_dir()).exercises["max_u64"]
    driver = generate(exercise, "x86_64")
    edges = [case for case in driver.cases if case.kind is CaseKind.EDGE]
    assert len(edges) == 49 and [case.name for case in edges] == [f"edge {k}" for k in range(1, 50)]
    # Literal calls: the examples' and the edge arms'. Every edge value is among them in each position.
    literal_calls = re.findall(r"super::max_u64\(\((.*?)\), \((.*?)\)\)", driver.source)
    values = set(edge_values("u64") or [])
    assert values <= {a for a, _ in literal_calls} and values <= {b for _, b in literal_calls}
    literal_edges = len(literal_calls) - len(exercise.tests.cases)
    assert literal_edges < 14 and f"static __EDGE: [__Args; {49 - literal_edges}]" in driver.source


def test_output_is_capped_and_the_rest_drained() -> None:
    flood = [sys.executable, "-c", "import sys\nfor _ in range(200): sys.stdout.write('x' * 65536)\n"]
    (outcome,) = run_jobs([Job(flood, Limits(wall_time=30))])
    assert outcome.returncode == 0 and not outcome.timed_out
    assert len(outcome.output) == OUTPUT_CAP and outcome.truncated


def test_wall_clock_limit_kills_the_whole_group() -> None:
    argv = ["sh", "-c", "sleep 30 & sleep 30; wait"]
    (outcome,) = run_jobs([Job(argv, Limits(wall_time=0.3))])
    assert outcome.timed_out and outcome.signal == signal.SIGKILL
    assert outcome.duration < 10


def test_a_program_that_cannot_start_is_an_outcome_not_an_exception(tmp_path) -> None:
    (outcome,) = run_jobs([Job([str(tmp_path / "missing")], Limits(wall_time=1))])
    assert outcome.returncode is None and "could not be started" in outcome.start_error


@pytest.mark.parametrize(("signum", "words"), [
    (signal.SIGSEGV, "touched memory it must not"),
    (signal.SIGILL, "illegal instruction"),
    (signal.SIGBUS, "misaligned"),
    (signal.SIGFPE, "division by zero"),
    (signal.SIGTRAP, "breakpoint"),
    (signal.SIGABRT, "stack overflow"),
    (signal.SIGKILL, "limit"),
    (signal.SIGXCPU, "never exits"),
])
def test_crashes_are_explained_in_plain_words(signum: int, words: str) -> None:
    assert words in describe_signal(signum)


def test_stack_overflow_is_recognised_from_rusts_message() -> None:
    text = describe_signal(signal.SIGABRT, b"\nthread 'main' has overflowed its stack\nfatal runtime error")
    assert "overflowed the stack" in text


def test_the_signed_compare_advice_is_for_selections_only() -> None:
    from asm_tutor.grader.advice import SIGNED_COMPARE, signed_compare
    from asm_tutor.grader.result import TestResult, TestStatus
    from asm_tutor.pack.model import Param

    params = (Param("a", "u64"), Param("b", "u64"))
    top = str(1 << 63)

    def case(status: TestStatus, call: str, expected: str) -> TestResult:
        return TestResult("c", status, "", call, expected, "", 0)

    small = case(TestStatus.PASS, "f(17, 42)", "42")
    # max_u64 with cmovl: only cases with a top bit set fail, and the answer is an argument.
    assert signed_compare([small, case(TestStatus.FAIL, f"f({top}, 1)", top)], params, "x86_64") == SIGNED_COMPARE["x86_64"]
    # ... said in aarch64's terms for an aarch64 file.
    said = signed_compare([small, case(TestStatus.FAIL, f"f({top}, 1)", top)], params, "aarch64")
    assert "`hs`" in said and "csel" in said and "cmov" not in said
    # add_overflows missing its carry: the same inputs fail, but the answer is a bool.
    assert signed_compare([case(TestStatus.PASS, "f(40, 2)", "false"),
                           case(TestStatus.FAIL, f"f({top}, {top})", "true")], params, "x86_64") == ""


def test_an_illegal_instruction_crash_is_explained_when_the_block_holds_undecodable_bytes() -> None:
    from asm_tutor.grader.advice import explain_crashes
    from asm_tutor.grader.checks import UNDECODABLE
    from asm_tutor.grader.result import TestResult, TestStatus

    crash = "It crashed with SIGILL: the CPU met an illegal instruction."
    tests = [TestResult("a", TestStatus.ERROR, crash, "f(1)", "2", "", 0)]
    explain_crashes(tests, [], undecodable=False)
    assert tests[0].message == crash
    explain_crashes(tests, [], undecodable=True)
    assert tests[0].message == f"{crash} {UNDECODABLE}"
