"""The promises an asm! block makes, graded like a teacher would: each broken promise fails with the
promise, the instruction and the lesson section named; each correct alternative passes. With the real
rustc, and for aarch64 on crates without std (any rustc builds those) or on machine code assembled beforehand."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from asm_tutor.grader.asm_blocks import find_blocks, naked_functions
from asm_tutor.grader.checks import CodeView, analyse
from asm_tutor.grader.contract import BlockReport
from asm_tutor.grader.contract import check as check_blocks
from asm_tutor.grader.disasm import Function, Instruction, ObjectCode, align, asm_items
from asm_tutor.grader.engine import grade, host_arch
from asm_tutor.grader.result import GradeResult, Status, TestStatus
from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import ContractSpec
from asm_tutor.paths import builtin_pack_dir

FIXTURES = Path(__file__).parent / "fixtures" / "contract"
PACK = load_pack(builtin_pack_dir())
SEED = 64
EXERCISE = {"tn": "times_nine", "mx": "max_u64", "cv": "cpu_vendor", "rc": "read_cycle_counter", "call": "repair_call",
            "nk": "naked_sum3", "fb": "fill_bytes", "mn": "min_i64", "wb": "write_byte", "sl": "shift_left",
            "pc": "popcount_checked", "ao": "add_overflows"}
x86_only = pytest.mark.skipif(host_arch() != "x86_64", reason="the fixtures are x86_64 asm")


# repair_call's solution, with one more option on the block that calls: each a promise a call breaks.
CALL_WITH = {"call_nostack.rs": "nostack", "call_preserves_flags.rs": "preserves_flags"}


def run(fixture: str, exercise_id: str | None = None, **changes: object) -> GradeResult:
    exercise = PACK.exercises[exercise_id or EXERCISE[fixture.split("_")[0]]]
    if changes:
        exercise = dataclasses.replace(exercise, **changes)  # type: ignore[arg-type]
    if fixture in CALL_WITH:
        source = exercise.solution("x86_64").replace('clobber_abi("sysv64"),', f'clobber_abi("sysv64"), options({CALL_WITH[fixture]}),')
    else:
        source = (FIXTURES / fixture).read_text(encoding="utf-8").replace("{HOST_VENDOR}", _vendor())
    return grade(exercise, source, use_cache=False, seed=SEED, lessons=PACK.lessons)


def _vendor() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("vendor_id"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def failed(result: GradeResult) -> dict[str, str]:
    return {c.name: c.message for c in result.checks if c.status is TestStatus.FAIL}


# -- each broken promise fails, naming the promise, the instruction and the lesson ----------------------

@x86_only
@pytest.mark.parametrize(("fixture", "check", "words"), [
    ("tn_flags_promised.rs", "promise: options(preserves_flags)", ["`shl rax, 3`", "What each option promises"]),
    ("mx_flags_promised.rs", "promise: options(preserves_flags)", ["`cmp rax, rsi`", "writes them"]),
    ("tn_rcx_undeclared.rs", "promise: declared registers", ["writes rcx", "`mov rcx, rdi`", "Undeclared clobbers"]),
    ("rc_eax_only.rs", "promise: declared registers", ["`rdtsc` implicitly writes rdx", 'out("rdx") _']),
    ("rc_rdtscp_no_ecx.rs", "promise: declared registers", ["`rdtscp` implicitly writes rcx"]),
    ("rc_pure_readonly.rs", "promise: options(pure)", ["`rdtsc` reads a value that changes"]),
    ("cv_push_nostack.rs", "promise: options(nostack)", ["`push rbx`"]),
    ("cv_bl_clobber.rs", "promise: reserved registers", ['`out("bl") _`', "rbx", "Registers LLVM reserves"]),
    ("cv_rbx_clobbered.rs", "promise: reserved registers", ["`cpuid` implicitly changes rbx"]),
    ("call_nostack.rs", "promise: options(nostack)", ["call"]),
    ("call_preserves_flags.rs", "promise: options(preserves_flags)", ["calls a function"]),
    ("tn_in_written.rs", "promise: in", ["`shl rdi, 1` (your `shl {x}, 1`) changes {x} (rdi)", "in and out"]),
    ("tn_lateout_early.rs", "promise: lateout", ["`mov rax, rdi` (your `mov {o}, {x}`) writes {o} before",
                                                 "out versus lateout"]),
    ("fb_std_no_cld.rs", "promise: the direction flag is clear at the end",
     ["`std`", "End the block with `cld`", "section “rep movsb and rep stosb”"]),
    # Every compiled block is judged: cfg'd blocks side by side, an inlined helper, a closure, each
    # copy of a generic, a function chosen at run time through OnceLock.
    ("mn_cfg_preserves_flags.rs", "promise: options(preserves_flags)", ["`cmp rax, rsi`", "The block at line 8"]),
    ("mn_inline_helper_flags.rs", "promise: options(preserves_flags)", ["(your `cmp {out}, {b}`)", "line 7"]),
    ("tn_closure_flags.rs", "promise: options(preserves_flags)", ["(your `shl {o}, 3`)", "line 7"]),
    ("tn_generic_r10.rs", "promise: declared registers", ["writes r10", "line 7"]),
    ("tn_oncelock_r10.rs", "promise: declared registers", ["writes r10", "line 7"]),
    ("tn_fn_table_r10.rs", "promise: declared registers", ["writes r10", "line 7"]),
    # Templates as people write them: `#` and `//` comments, `;`, concat!, raw strings.
    ("tn_comment_in_written.rs", "promise: in", ["(your `shl {x}, 3`) changes {x}"]),
    ("tn_lateout_semicolons.rs", "promise: lateout", ["(your `mov {o}, {x}`) writes {o} before"]),
    # The promises that were unchecked.
    ("tn_lateout_rax.rs", "promise: lateout", ['writes `lateout("rax")` before', "(your `add rax, {x}`) reads {x}",
                                               "out versus lateout"]),
    ("mn_jump_flags.rs", "promise: flags are set in the block that reads them",
     ["(your `cmovg {out}, {b}`) reads the flags on a path", "Flags across a jump"]),
    ("nk_rbx_read_first.rs", "promise: callee-saved registers", ["`add rbx, rdi` changes rbx", "Naked functions"]),
    ("nk_rbx_one_path.rs", "promise: callee-saved registers", ["`mov rbx, rdi`", "on every path to `ret`"]),
    ("nk_falls_off.rs", "promise: a naked function ends in ret", ["`add rax, rdx`", "runs on into", "Naked functions"]),
    ("wb_nomem.rs", "promise: options(nomem)", ["`syscall`", "the kernel reads", "nomem or readonly?"]),
    ("call_push_unaligned.rs", "promise: the stack is 16-byte aligned at a call",
     ["(your `call {f}`)", "8 bytes", "The stack: nostack and the red zone"]),
    ("fb_ecx_u32.rs", "promise: an input as wide as its use", ['`inout("ecx")`', "reads all of rcx", "Register modifiers"]),
    ("fb_n_u32_whole.rs", "promise: an input as wide as its use", ["{n} is a 32-bit", "(your `xchg rcx, {n}`)"]),
    ("fb_n_e_count.rs", "promise: an input as wide as its use",  # a usize count given as `{n:e}`
     ["{n} is a 64-bit value", "`mov ecx, esi`", "reads all of rcx", "Register modifiers"]),
    # Instruction facts from capstone: a CPU feature outside the baseline needs a guard.
    ("sl_shlx_unguarded.rs", "promise: a CPU feature is checked before use",
     ["(your `shlx {o}, {x}, {n}`)", "`bmi2`", 'is_x86_feature_detected!("bmi2")', "Features the CPU may lack"]),
    ("pc_unguarded.rs", "promise: a CPU feature is checked before use", ["`popcnt", "`popcnt`"]),
    # rcl reads CF (capstone 5 does not say so; isa.py's table does): here, the CF of another block.
    ("ao_rcl_other_block.rs", "promise: flags are set in the block that reads them",
     ["(your `rcl {c}, 1`) reads the flags before", "Flags are not operands"]),
])
def test_a_broken_promise_fails_with_the_promise_the_instruction_and_the_lesson(
        fixture: str, check: str, words: list[str]) -> None:
    result = run(fixture)
    assert result.status is Status.FAIL
    assert check in failed(result), result.to_json()
    message = failed(result)[check]
    assert all(word in message for word in words), message
    assert "The block at line" in message


@x86_only
def test_the_operand_map_is_in_the_message_and_the_assembly() -> None:
    result = run("tn_lateout_early.rs")
    assert "{o} became rax, {x} became rdi" in failed(result)["promise: lateout"]
    assert "; asm! begin (line 7: {o} became rax, {x} became rdi)" in result.assembly


@x86_only
def test_a_lateout_written_early_also_fails_where_the_optimizer_shares_the_register() -> None:
    # The static check needs no luck; the calling contexts show what it does at -O3.
    result = run("tn_lateout_early.rs", contract=ContractSpec(promises=False))
    wrong = [t for t in result.tests if t.status is TestStatus.FAIL]
    assert wrong and {t.opt_level for t in wrong} == {3}
    assert all("inputs unused after the call" in t.message for t in wrong)


@x86_only
@pytest.mark.parametrize("fixture", ["tn_decorative.rs", "mx_decorative.rs", "cv_hardcoded_after_cpuid.rs"])
def test_decorative_asm_fails_when_the_cases_pass_without_it(fixture: str) -> None:
    result = run(fixture)
    assert result.status is Status.FAIL
    assert "turned into no-ops, every test still passes" in failed(result)["asm! does the work"]


# -- each correct alternative passes --------------------------------------------------------------------

@x86_only
@pytest.mark.parametrize("fixture", [
    "tn_ok_inout.rs", "tn_ok_lateout_lea.rs", "tn_ok_scratch.rs", "tn_ok_add_chain.rs",
    "mx_ok_cmova.rs", "mx_ok_cmovae.rs", "mx_ok_cmovc.rs",
    "cv_ok_push_pop.rs", "cv_ok_rsi.rs", "cv_ok_buffer.rs",
    "fb_ok_backwards.rs",  # std and cld under preserves_flags: the direction flag is not one it promises
    "tn_ok_templates.rs",  # concat!, raw strings, comments, a label and `;` on one line
    "fb_ok_n_whole.rs",  # the same usize count used whole: `mov rcx, {n}`
    "fb_ok_ecx_widened.rs",  # a u32 count, zero-extended in the block before `rep stosb` reads all of rcx
    "sl_ok_shlx_guarded.rs",  # shlx in a #[target_feature] function called after is_x86_feature_detected!
    "ao_ok_rcl.rs",  # rcl reads CF: the carry is read in the block
])
def test_a_correct_alternative_passes(fixture: str) -> None:
    result = run(fixture)
    assert result.status is Status.PASS, result.to_json()
    assert {"asm! keeps its promises", "asm! does the work"} <= {c.name for c in result.checks}


@x86_only
def test_a_syscall_that_only_reads_memory_keeps_readonly_and_names_every_undeclared_register_at_once() -> None:
    result = run("wb_rcx_r11.rs")
    assert "promise: options(readonly)" not in failed(result)  # write(2) only reads the buffer
    message = failed(result)["promise: declared registers"]
    assert "`syscall` implicitly writes r11 and rcx" in message and '`out("r11") _`, `out("rcx") _`' in message


@x86_only
def test_a_block_built_by_a_macro_is_not_judged_and_a_row_says_so() -> None:
    result = run("tn_ok_macro_block.rs")
    assert result.status is Status.PASS, result.to_json()
    row = next(c for c in result.checks if c.name == "asm! blocks the checker could not judge")
    assert row.message.startswith("Not judged: the block at line 6: it is written in a macro"), row.message


@x86_only
def test_flags_set_on_every_path_before_a_jump_that_reads_them_keep_the_promise() -> None:
    result = run("mn_ok_jump_flags.rs")  # the exercise wants a cmov; the promise itself is kept
    assert not [name for name in failed(result) if name.startswith("promise")], result.to_json()
    assert "asm! keeps its promises" in {c.name for c in result.checks}


def test_template_lines_as_people_write_them() -> None:
    (block,) = find_blocks('fn f() { unsafe { std::arch::asm!(concat!("# set up\n", "mov {a:e}, 1 ; add {a}, 2"), '
                           'r"1: dec {a} // loop", "jnz 1b", a = out(reg) _) } }')
    assert block.template_lines("x86_64") == ["mov {a}, 1", "add {a}, 2", "dec {a}", "jnz 1b"]
    assert block.modifiers() == {"a": {"e", ""}}
    (a64,) = find_blocks('fn f() { unsafe { core::arch::asm!("add {a}, {a}, #1 // one", a = inout(reg) 0u64 => _) } }')
    assert a64.template_lines("aarch64") == ["add {a}, {a}, #1"]


def test_a_cfg_on_template_strings_and_operands_is_read_per_architecture() -> None:
    (block,) = find_blocks('fn f() { unsafe { std::arch::asm!(#[cfg(target_arch = "x86_64")] "nop", '
                           '#[cfg(not(target_arch = "x86_64"))] "yield", '
                           '#[cfg(target_arch = "x86_64")] out("rax") _) } }')
    assert block.for_arch("x86_64").template_lines("x86_64") == ["nop"]
    assert block.for_arch("aarch64").template_lines("aarch64") == ["yield"] and not block.for_arch("aarch64").operands
    (odd,) = find_blocks('fn f() { unsafe { std::arch::asm!(#[cfg(unix)] "nop") } }')
    assert "target_arch" in odd.for_arch("x86_64").problem


# -- naked functions: the whole function is the learner's, and its promise is the calling convention ----

@x86_only
def test_a_naked_function_that_changes_a_callee_saved_register_fails() -> None:
    result = run("nk_rbx.rs")
    message = failed(result)["promise: callee-saved registers"]
    assert all(word in message for word in ["`mov rbx, rdi`", "rbx, rbp, r12–r15", "Naked functions"]), message


@x86_only
@pytest.mark.parametrize("fixture", ["nk_ok_push_rbx.rs", "nk_ok_scratch.rs"])
def test_a_naked_function_that_keeps_the_convention_passes(fixture: str) -> None:
    result = run(fixture)
    assert result.status is Status.PASS, result.to_json()
    assert "asm! keeps its promises" in {c.name for c in result.checks}
    assert "; asm! begin (line 6)" in result.assembly and "▶ ret" in result.assembly


@x86_only
def test_a_naked_trampoline_to_rust_code_is_not_the_learners_assembly() -> None:
    result = run("nk_helper.rs")
    assert "Found `add rdi, rsi` in `helper`" in failed(result)["arithmetic in the naked function"]


# -- feedback that teaches -------------------------------------------------------------------------------

@x86_only
def test_a_signed_comparison_of_unsigned_values_is_named() -> None:
    result = run("mx_signed.rs")
    assert result.status is Status.FAIL and "read as signed" in result.message and "cmovb" in result.message


@x86_only
def test_imul_is_told_what_the_block_runs_not_that_it_does_no_arithmetic() -> None:
    result = run("tn_imul.rs")
    message = failed(result)["arithmetic done in asm!"]
    assert "does no arithmetic" not in message and "(Your asm! block runs `imul`.)" in message


@x86_only
def test_the_untouched_cpu_vendor_starter_is_told_it_has_no_asm_block() -> None:
    exercise = PACK.exercises["cpu_vendor"]
    result = grade(exercise, exercise.starter("x86_64"), use_cache=False)
    assert failed(result)["cpuid in your asm!"] == "Your function runs no asm! block yet: write one, with `cpuid` in it."


@x86_only
def test_each_contract_check_can_be_switched_off_by_the_pack() -> None:
    off = ContractSpec(promises=False, calling_contexts=False, asm_does_the_work=False)
    result = run("tn_decorative.rs", contract=off)
    assert result.status is Status.PASS
    assert not {"asm! keeps its promises", "asm! does the work"} & {c.name for c in result.checks}
    # Not judged, the broken promise is still undefined behaviour: here the optimizer relied on the
    # flags the block claimed to keep, and the answers are wrong.
    lied = run("tn_flags_promised.rs", contract=off)
    assert not [c for c in lied.checks if c.name.startswith("promise")]


# -- aarch64, on machine code assembled with llvm-mc -------------------------------------------------------

A64 = {  # instruction → its encoding, little-endian
    "cmp x0, x1": "1f0001eb", "csel x2, x0, x1, hs": "0220819a", "adds x0, x0, #1": "000400b1",
    "str x1, [x0]": "010000f9", "mrs x3, cntvct_el0": "43e03bd5", "mov x19, x0": "f30300aa",
    "mov x0, x19": "e00313aa", "add x2, x0, x1, lsl #3": "020c018b", "bl helper": "00000094",
    "stp x19, x20, [sp, #-16]!": "f353bfa9", "ldp x19, x20, [sp], #16": "f353c1a8", "add x0, x19, x1": "6002018b",
    "add x0, x0, x1": "0000018b", "ret": "c0035fd6", "ror x8, x1, #60": "28f0c193",
}


def a64_report(source: str, instructions: list[str]) -> list[str]:
    """The breaches of the one block in `source` (fn f), compiled to `instructions`."""
    code = [Instruction(4 * k, text, bytes.fromhex(A64[text]), region=0) for k, text in enumerate(instructions)]
    (report,) = check_blocks("aarch64", [Function("_ZN15asm_tutor_check7learner1f17h0000000000000000E", code)],
                             find_blocks(source))
    return [breach.promise for breach in report.breaches]


def test_aarch64_max_with_cmp_and_csel_keeps_its_promises() -> None:
    source = ('fn f(a: u64, b: u64) -> u64 { let o: u64; unsafe { std::arch::asm!("cmp {a}, {b}", '
              '"csel {o}, {a}, {b}, hs", a = in(reg) a, b = in(reg) b, o = lateout(reg) o, '
              "options(pure, nomem, nostack)) }; o }")
    assert a64_report(source, ["cmp x0, x1", "csel x2, x0, x1, hs"]) == []


@pytest.mark.parametrize(("template", "options", "instructions", "promise"), [
    ('"adds {a}, {a}, #1"', "options(preserves_flags)", ["adds x0, x0, #1"], "options(preserves_flags)"),
    ('"str {b}, [{a}]"', "options(nomem)", ["str x1, [x0]"], "options(nomem)"),
    ('"mrs {c}, cntvct_el0"', "options(pure, nomem)", ["mrs x3, cntvct_el0"], "options(pure)"),
    ('"mov x19, {a}", "mov {a}, x19"', "options(nomem)", ["mov x19, x0", "mov x0, x19"], "reserved registers"),
    ('"add {b}, {a}, {a}, lsl #3"', "", ["add x2, x0, x1, lsl #3"], "in"),
    ('"bl {f}"', "options(nostack)", ["bl helper"], "options(nostack)"),
])
def test_aarch64_broken_promises(template: str, options: str, instructions: list[str], promise: str) -> None:
    source = (f"fn f(a: u64, b: u64) {{ unsafe {{ std::arch::asm!({template}, a = inout(reg) a => _, "
              f"b = in(reg) b, c = out(reg) _, {options}) }} }}")
    assert promise in a64_report(source, instructions)


def test_an_instruction_shown_as_its_alias_fails_no_correct_block() -> None:
    # `extr {o}, {a}, {a}, #60` is a rotation; capstone shows it as `ror x8, x1, #60`, one
    # operand fewer than the template line, so which register {o} became is not known.
    source = ('fn f(a: u64) -> u64 { let o: u64; unsafe { std::arch::asm!("extr {o}, {a}, {a}, #60", '
              "a = in(reg) a, o = lateout(reg) o, options(pure, nomem, nostack)) }; o }")
    code = [Instruction(0, "ror x8, x1, #60", bytes.fromhex(A64["ror x8, x1, #60"]), region=0)]
    (report,) = check_blocks("aarch64", [Function("_ZN15asm_tutor_check7learner1f17h0000000000000000E", code)],
                             find_blocks(source))
    assert report.breaches == []


@pytest.mark.parametrize(("instructions", "promise"), [
    (["mov x19, x0", "add x0, x19, x1", "ret"], ["callee-saved registers"]),
    (["stp x19, x20, [sp, #-16]!", "mov x19, x0", "add x0, x19, x1", "ldp x19, x20, [sp], #16", "ret"], []),
    (["add x0, x0, x1", "ret"], []),
])
def test_aarch64_naked_functions_give_callee_saved_registers_back(instructions: list[str], promise: list[str]) -> None:
    source = '#[unsafe(naked)] extern "C" fn f(a: u64, b: u64) -> u64 { core::arch::naked_asm!("...") }'
    code = [Instruction(4 * k, text, bytes.fromhex(A64[text]), region=0) for k, text in enumerate(instructions)]
    function = Function("_ZN15asm_tutor_check7learner1f17h0000000000000000E", code, naked=True)
    (report,) = check_blocks("aarch64", [function], find_blocks(source))
    assert [breach.promise for breach in report.breaches] == promise


def test_aarch64_object_code_is_read_word_by_word(tmp_path: Path) -> None:
    # AArch64 code is one 32-bit word per instruction, little-endian. Built by the real rustc (any
    # rustc: a no_core crate needs no aarch64 std) for aarch64-unknown-linux-gnu at -O0.
    grader = Path(__file__).parent / "fixtures" / "grader"
    subprocess.run(["rustc", str(grader / "aarch64_o0.rs"), "--target", "aarch64-unknown-linux-gnu", "--edition=2021",
                    "-C", "opt-level=0", "--emit", f"obj={tmp_path / 'o0.o'},asm={tmp_path / 'o0.s'}"],
                   check=True, capture_output=True, env={**os.environ, "RUSTC_BOOTSTRAP": "1"})
    code = ObjectCode((tmp_path / "o0.o").read_bytes())
    asm_text = (tmp_path / "o0.s").read_text()
    functions = []
    for name in ("max_u64", "bump"):
        symbol = code.find(f"asm_tutor_check::learner::{name}")
        assert symbol is not None
        function = code.function(symbol)
        assert align(function, asm_items(asm_text, symbol) or [])
        functions.append(function)
    max_u64, bump = functions
    assert [i.text for i in max_u64.instructions if i.in_asm] == ["cmp x0, x1", "csel x8, x0, x1, hs"]
    assert max_u64.instructions[3].data == bytes.fromhex(A64["cmp x0, x1"])  # the word eb01001f, little-endian
    assert [i.refs for i in max_u64.instructions if i.refs] == [["helper"]]
    reports = check_blocks("aarch64", functions, find_blocks((grader / "aarch64_o0.rs").read_text()))
    assert {r.block.function: [b.promise for b in r.breaches] for r in reports} == {
        "max_u64": [], "bump": ["options(preserves_flags)"]}


def test_a_crash_beside_an_unrestored_reserved_register_is_explained() -> None:
    from asm_tutor.grader.advice import RESERVED_CRASH, explain_crashes
    from asm_tutor.grader.result import CheckResult, TestResult

    crash = TestResult("example 1", TestStatus.ERROR, "It crashed with SIGSEGV: it touched memory it must not.")
    wrong = TestResult("example 2", TestStatus.FAIL, "Wrong answer.")
    explain_crashes([crash, wrong], [CheckResult("promise: reserved registers", TestStatus.FAIL, "...")], undecodable=False)
    assert crash.message.endswith(RESERVED_CRASH) and wrong.message == "Wrong answer."
    quiet = TestResult("example 1", TestStatus.ERROR, "It crashed with SIGSEGV.")
    explain_crashes([quiet], [CheckResult("asm! keeps its promises", TestStatus.PASS)], undecodable=False)
    assert quiet.message == "It crashed with SIGSEGV."


@x86_only
def test_flags_read_in_a_block_that_did_not_set_them_break_a_promise() -> None:
    """Flags never carry into a block: `setc` in the block after the `add` reads what the compiler
    left. Two adjacent blocks are also told apart (each is checked, not skipped)."""
    result = run("flags_across_blocks.rs", "add_overflows")
    message = failed(result)["promise: flags are set in the block that reads them"]
    assert "(your `setc {carry}`) reads the flags before any instruction of this block sets them" in message
    assert "See the lesson “Flags and condition codes”, section “Flags are not operands”." in message


# -- aarch64, on objects built with the real cross toolchain (Debian's rustc and the arm64 std) ----------

CROSS_RUSTC = Path(os.environ.get("AARCH64_RUSTC", "/usr/bin/rustc"))
CROSS_SYSROOT = Path(os.environ.get("AARCH64_SYSROOT", "/opt/aarch64-std/usr"))
needs_cross = pytest.mark.skipif(
    not os.environ.get("CI") and not (CROSS_RUSTC.is_file() and CROSS_SYSROOT.is_dir()),
    reason="the aarch64 cross toolchain (rustc-web and the arm64 std) is not installed")


def a64_build(tmp_path: Path, source: str, required: str) -> list[BlockReport]:
    """The learner's file compiled for aarch64 as a check compiles it at -O0 (line tables on), its
    code read as a check reads it, and its blocks judged."""
    (tmp_path / "solution.rs").write_text(source)
    (tmp_path / "main.rs").write_text('#![allow(dead_code)]\n#[path = "solution.rs"] pub mod learner;\n')
    subprocess.run([str(CROSS_RUSTC), "--sysroot", str(CROSS_SYSROOT), "--target", "aarch64-unknown-linux-gnu",
                    "--crate-type", "lib", "--crate-name", "asm_tutor_check", "--edition", "2024", "-C", "opt-level=0",
                    "-C", "codegen-units=1", "-C", "debuginfo=line-tables-only", "--emit", "obj=o0.o,asm=o0.s",
                    "main.rs"], cwd=tmp_path, check=True, capture_output=True)
    view = analyse(ObjectCode.read(tmp_path / "o0.o"), (tmp_path / "o0.s").read_text(), required,
                   naked_functions(source))
    assert isinstance(view, CodeView)
    return check_blocks("aarch64", view.functions, find_blocks(source), view.asm_text)


def a64_promises(reports: list[BlockReport]) -> dict[str, str]:
    return {b.promise: f"{b.reason} (line {b.line})" for r in reports for b in r.breaches}


A64_MIN = """pub fn min_i64(a: i64, b: i64) -> i64 {
    let mut out = a;
    #[cfg(target_arch = "x86_64")]
    unsafe { core::arch::asm!("cmp {o}, {b}", "cmovg {o}, {b}", o = inout(reg) out, b = in(reg) b, options(pure, nomem, nostack)) }
    #[cfg(target_arch = "aarch64")]
    unsafe { core::arch::asm!("cmp {o}, {b} // flags from o - b", "csel {o}, {b}, {o}, gt",
                              o = inout(reg) out, b = in(reg) b, options(pure, nomem, nostack, preserves_flags)) }
    out
}
"""


@needs_cross
@pytest.mark.parametrize(("source", "required", "promise", "words"), [
    # The aarch64 block beside a cfg'd x86_64 one is judged (and only it: one block compiled).
    (A64_MIN, "min_i64", "options(preserves_flags)", ["(your `cmp {o}, {b}`)", "(line 6)"]),
    # In an #[inline(always)] helper: judged in the copy inlined into the caller, at the helper's line.
    ("#[inline(always)] fn h(a: u64) -> u64 { let o: u64; unsafe { core::arch::asm!(\"adds {o}, {a}, #1\", "
     "a = in(reg) a, o = out(reg) o, options(pure, nomem, nostack, preserves_flags)) }; o }\n"
     "pub fn f(a: u64) -> u64 { h(a) + 1 }\n", "f", "options(preserves_flags)", ["`adds", "(line 1)"]),
    # lateout("x0") written before the last input is read.
    ("pub fn f(a: u64) -> u64 { let o: u64; unsafe { core::arch::asm!(\"mov x0, {a}\", \"add x0, x0, {a}\", "
     "a = in(reg) a, lateout(\"x0\") o, options(pure, nomem, nostack)) }; o }\n", "f", "lateout", ['`lateout("x0")`']),
    # A flag test reached by a branch that skips the compare.
    ("pub fn f(a: u64, b: u64) -> u64 { let mut o = a; unsafe { core::arch::asm!(\"b 3f\", \"2: cmp {o}, {b}\", "
     "\"3: csel {o}, {b}, {o}, hi\", o = inout(reg) o, b = in(reg) b, options(pure, nomem, nostack)) }; o }\n",
     "f", "flags are set in the block that reads them", ["csel", "on a path"]),
    # A system call under nomem: the kernel reads the buffer.
    ("pub fn f(b: &u8) -> i64 { let r: i64; unsafe { core::arch::asm!(\"svc #0\", inlateout(\"x0\") 1i64 => r, "
     "in(\"x1\") b as *const u8, in(\"x2\") 1usize, in(\"x8\") 64usize, options(nostack, nomem)) }; r }\n",
     "f", "options(nomem)", ["`svc #0`", "the kernel reads"]),
    # An input narrower than the register, read whole.
    ("pub fn f(a: u64, n: u32) -> u64 { let o: u64; unsafe { core::arch::asm!(\"add {o}, {a}, {n:x}\", a = in(reg) a, "
     "n = in(reg) n, o = lateout(reg) o, options(pure, nomem, nostack)) }; o }\n", "f", "an input as wide as its use",
     ["{n} is a 32-bit", "reads all of"]),
    # crc32x is outside the aarch64 baseline: no detection, no #[target_feature].
    ("pub fn f(a: u32, b: u64) -> u32 { let o: u32; unsafe { core::arch::asm!(\".arch_extension crc\", "
     "\"crc32x {o:w}, {a:w}, {b}\", a = in(reg) a, b = in(reg) b, o = lateout(reg) o, options(pure, nomem, nostack)) }; o }\n",
     "f", "a CPU feature is checked before use", ["`crc`", "is_aarch64_feature_detected!(\"crc\")"]),
])
def test_aarch64_objects_broken_promises(tmp_path: Path, source: str, required: str, promise: str,
                                         words: list[str]) -> None:
    found = a64_promises(a64_build(tmp_path, source, required))
    assert promise in found, found
    assert all(word in found[promise] for word in words), found[promise]


@needs_cross
def test_aarch64_objects_correct_blocks_keep_their_promises(tmp_path: Path) -> None:
    ok = A64_MIN.replace("nostack, preserves_flags)", "nostack)")
    reports = a64_build(tmp_path, ok, "min_i64")
    assert [(r.block.line, r.unjudged, r.breaches) for r in reports] == [(6, "", [])]


@needs_cross
@pytest.mark.parametrize(("body", "promise"), [
    ('"add x19, x19, x0", "add x0, x0, x1", "ret"', ["callee-saved registers"]),  # x19 read before written
    ('"stp x19, x20, [sp, #-16]!", "mov x19, x0", "cbz x1, 2f", "ldp x19, x20, [sp], #16", "ret", '
     '"2:", "add sp, sp, #16", "ret"', ["callee-saved registers"]),  # restored on one path of two
    ('"stp x19, x30, [sp, #-16]!", "mov x19, x0", "add x0, x19, x1", "ldp x19, x30, [sp], #16", "ret"', []),
    ('"str x30, [sp, #-8]!", "bl {f}", "ldr x30, [sp], #8", "ret", f = sym g', ["the stack is 16-byte aligned at a call"]),
    ('"add x0, x0, x1"', ["a naked function ends in ret"]),  # falls off its end
    ('"cbz x1, 2f", "add x0, x0, x1", "ret", "2:", "mov x0, #0"', ["a naked function ends in ret"]),  # on one path
    ('"cbz x1, 2f", "ret", "2:", "b {f}", f = sym g', []),  # a tail call is a way out
])
def test_aarch64_objects_naked_functions(tmp_path: Path, body: str, promise: list[str]) -> None:
    source = ('pub extern "C" fn g() {}\n#[unsafe(naked)] pub extern "C" fn f(a: u64, b: u64) -> u64 { '
              f"core::arch::naked_asm!({body}) }}\n")
    reports = a64_build(tmp_path, source, "f")
    assert sorted(a64_promises(reports)) == promise


def test_a_rule_that_stumbles_leaves_the_block_reported_unjudged(monkeypatch: pytest.MonkeyPatch) -> None:
    import asm_tutor.grader.contract as contract

    def broken(*_args: object) -> None:
        raise ValueError("an instruction form no rule expected")

    monkeypatch.setattr(contract, "_direction", broken)
    source = ('fn f(a: u64, b: u64) -> u64 { let o: u64; unsafe { std::arch::asm!("cmp {a}, {b}", '
              '"csel {o}, {a}, {b}, hs", a = in(reg) a, b = in(reg) b, o = lateout(reg) o) }; o }')
    code = [Instruction(4 * k, text, bytes.fromhex(A64[text]), region=0)
            for k, text in enumerate(["cmp x0, x1", "csel x2, x0, x1, hs"])]
    (report,) = check_blocks("aarch64", [Function("_ZN15asm_tutor_check7learner1f17h0000000000000000E", code)],
                             find_blocks(source))
    assert report.breaches == [] and report.unjudged.startswith("the checker stumbled on it (ValueError")


def test_every_promise_points_to_a_section_the_built_in_course_has() -> None:
    from asm_tutor.grader.contract import LESSONS

    for topic, (lesson_id, heading) in LESSONS.items():
        assert f"## {heading}\n" in PACK.lessons[lesson_id].text(), (topic, lesson_id, heading)


@x86_only
def test_a_feature_checked_by_the_learners_own_function_guards_the_block() -> None:
    # `has_popcnt()` around the call of the block's function: the feature is checked first.
    # (Whether `has_popcnt` may be mistaken for the `_popcnt64` intrinsic is the forbidden-call check's matter.)
    result = run("pc_ok_own_detector.rs")
    assert not [name for name in failed(result) if name.startswith("promise")], result.to_json()
