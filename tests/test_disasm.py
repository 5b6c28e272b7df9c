"""The one disassembler: capstone over the object file, pyelftools for its functions, symbols and
relocations, on x86_64 and aarch64. Objects from the real rustc: rustup's for x86_64 (and for
aarch64 crates without std, which need no target std), the aarch64 cross toolchain for aarch64
crates with std (skipped with the reason where it is absent, never in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cross_helpers import toolchain_for

from asm_tutor.grader import objfile
from asm_tutor.grader.checks import CodeProblem, analyse
from asm_tutor.grader.crate import REQUIRED_POINTER
from asm_tutor.grader.disasm import Instruction, ObjectCode, align, asm_items, demangle
from asm_tutor.grader.objfile import ObjectFileError

RUSTC = shutil.which("rustc")
needs_rustc = pytest.mark.skipif(RUSTC is None, reason="rustc is not installed")


def compile_object(tmp_path: Path, source: str, target: str | None = None, *, rustc: str | None = None,
                   sysroot: Path | None = None, bootstrap: bool = False, edition: str = "2024") -> tuple[ObjectCode, str]:
    """`source` as a library at -O0: its object, read, and its `.s` text."""
    (tmp_path / "lib.rs").write_text(source, encoding="utf-8")
    argv = [rustc or RUSTC or "rustc", "lib.rs", "--crate-type=lib", "--crate-name=asm_tutor_check", f"--edition={edition}",
            "-C", "opt-level=0", "-C", "codegen-units=1", "--emit=obj=o0.o,asm=o0.s"]
    if target:
        argv += ["--target", target]
    if sysroot:
        argv += ["--sysroot", str(sysroot)]
    if target in (None, "x86_64-unknown-linux-gnu"):
        argv += ["-C", "llvm-args=-x86-asm-syntax=intel"]  # as the grader builds
    env = {**os.environ, "RUSTC_BOOTSTRAP": "1"} if bootstrap else None
    subprocess.run(argv, cwd=tmp_path, check=True, capture_output=True, env=env)
    return ObjectCode((tmp_path / "o0.o").read_bytes()), (tmp_path / "o0.s").read_text(encoding="utf-8")


def aarch64_std() -> tuple[str, Path | None]:
    """The aarch64 toolchain with std, as the tutor finds it (targets.py): rustc and sysroot; a skip,
    or in CI a failure, without it."""
    toolchain = toolchain_for("aarch64")
    return str(toolchain.rustc), Path(toolchain.sysroot) if toolchain.sysroot else None


X86 = r"""
pub mod learner {
    use std::arch::asm;

    #[inline(never)]
    pub fn helper(x: u64) -> u64 { x.count_ones() as u64 }

    pub fn f(x: u64, buf: &mut [u8; 16]) -> u64 {
        let r: u64;
        unsafe {
            // `.byte` hides the instruction from the `.s` text; the object still has it.
            asm!("nop", ".byte 0x48, 0x6b, 0xc7, 0x09", "add rax, 0", in("rdi") x, out("rax") r);
            asm!("rep stosb", inout("rdi") buf.as_mut_ptr() => _, inout("rcx") 16usize => _, in("al") 0u8,
                 options(nostack));
        }
        helper(r) + core::cmp::max(x, 3)
    }
}
"""


def read_f(code: ObjectCode, asm_text: str, call: str) -> list[Instruction]:
    """`learner::f` read and lined up with the `.s`: its asm! instructions, once its calls are
    checked to be named through their relocations (a local function's, a section symbol plus an
    addend, too)."""
    symbol = code.find("asm_tutor_check::learner::f")
    assert symbol is not None
    function = code.function(symbol)
    called = {demangle(ref) for insn in function.instructions if insn.mnemonic == call for ref in insn.refs}
    assert called >= {"asm_tutor_check::learner::helper", "core::cmp::max"}
    assert {demangle(ref) for ref in code.refs(symbol)} >= called
    assert align(function, asm_items(asm_text, symbol) or [])
    return [insn for insn in function.instructions if insn.in_asm]


@needs_rustc
def test_x86_64_functions_calls_and_asm_regions_from_the_object(tmp_path: Path) -> None:
    code, asm_text = compile_object(tmp_path, X86)
    assert code.arch == "x86_64"
    inside = read_f(code, asm_text, "call")
    # capstone says `stosb` where GNU objdump said `stos`.
    assert [insn.mnemonic for insn in inside] == ["nop", "imul", "add", "stosb"]
    assert [insn.region for insn in inside] == [0, 0, 0, 1]
    assert inside[1].data == bytes.fromhex("486bc709") and inside[1].text == "imul rax, rdi, 9"
    assert inside[3].text.startswith("rep stosb")


@needs_rustc
def test_x86_64_undecodable_bytes_are_bad_and_decoding_goes_on(tmp_path: Path) -> None:
    code, _ = compile_object(tmp_path, "#[unsafe(no_mangle)] pub fn g() { unsafe { std::arch::asm!(\".byte 0x06\", \"nop\") } }")
    mnemonics = [insn.mnemonic for insn in code.function("g").instructions]
    assert "(bad)" in mnemonics and mnemonics[mnemonics.index("(bad)") + 1] == "nop"


A64_NO_CORE = Path(__file__).parent / "fixtures" / "grader" / "aarch64_o0.rs"


@needs_rustc
def test_aarch64_object_of_a_crate_without_std(tmp_path: Path) -> None:
    """Any rustc can build aarch64 code that needs no std: LLVM has the backend."""
    code, asm_text = compile_object(tmp_path, A64_NO_CORE.read_text(encoding="utf-8"), "aarch64-unknown-linux-gnu",
                                    bootstrap=True, edition="2021")
    assert code.arch == "aarch64"
    symbol = code.find("asm_tutor_check::learner::max_u64")
    assert symbol is not None
    function = code.function(symbol)
    assert align(function, asm_items(asm_text, symbol) or [])
    assert [i.text for i in function.instructions if i.in_asm] == ["cmp x0, x1", "csel x8, x0, x1, hs"]
    assert [i.refs for i in function.instructions if i.refs] == [["helper"]]
    assert all(len(i.data) == 4 for i in function.instructions)


A64 = r"""
pub mod learner {
    use std::arch::asm;

    #[inline(never)]
    pub fn helper(x: u64) -> u64 { x.count_ones() as u64 }

    pub fn f(x: u64) -> u64 {
        let r: u64;
        unsafe {
            asm!("cmp {x}, #0", ".inst 0xd503201f", "csel {r}, {x}, xzr, hi", x = in(reg) x, r = out(reg) r);
            asm!("mrs {t}, cntvct_el0", t = out(reg) _);
        }
        helper(r) + core::cmp::max(x, 3)
    }
}
"""


def test_aarch64_functions_calls_and_asm_regions_from_the_object(tmp_path: Path) -> None:
    rustc, sysroot = aarch64_std()
    code, asm_text = compile_object(tmp_path, A64, "aarch64-unknown-linux-gnu", rustc=rustc, sysroot=sysroot)
    assert code.arch == "aarch64"
    inside = read_f(code, asm_text, "bl")
    assert [insn.mnemonic for insn in inside] == ["cmp", "nop", "csel", "mrs"]
    assert [insn.region for insn in inside] == [0, 0, 0, 1]


DECOY = r"""
pub mod learner {
    use std::arch::asm;

    pub fn times_nine(x: u64) -> u64 {
        let out: u64;
        unsafe { asm!("MULTIPLY", lateout(reg) out, in(reg) x) };
        out
    }

    #[unsafe(export_name = "_ZN15asm_tutor_check7learner10times_nine17h0000000000000000E")]
    pub fn decoy(x: u64) -> u64 {
        let out: u64;
        unsafe { asm!("SHIFT_ADD", lateout(reg) out, in(reg) x) };
        out
    }

    pub mod __asm_tutor_driver {
        pub static __FN: fn(u64) -> u64 = super::times_nine;
    }
}
"""
# Per architecture: the multiply the checks must see, the shift-and-add the decoy shows them.
DECOY_ASM = {"x86_64": ("imul {0}, {1}, 9", "lea {0}, [{1} + {1}*8]", "imul"),
             "aarch64": ("mov {0}, #9\n mul {0}, {1}, {0}", "add {0}, {1}, {1}, lsl #3", "mul")}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_function_checked_is_the_one_the_driver_calls_and_a_decoy_is_refused(tmp_path: Path, arch: str) -> None:
    multiply, shift_add, mnemonic = DECOY_ASM[arch]
    source = DECOY.replace("MULTIPLY", multiply).replace("SHIFT_ADD", shift_add)
    if arch == "x86_64":
        if RUSTC is None:
            pytest.skip("rustc is not installed")
        code, asm_text = compile_object(tmp_path, source)
    else:
        rustc, sysroot = aarch64_std()
        code, asm_text = compile_object(tmp_path, source, "aarch64-unknown-linux-gnu", rustc=rustc, sysroot=sysroot)
    named = code.definitions("asm_tutor_check::learner::times_nine")
    assert len(named) == 2
    real = code.pointed_at(REQUIRED_POINTER)  # through the static's relocation (a section symbol + 0)
    assert real in named and "h0000000000000000" not in real
    assert mnemonic in [i.mnemonic for i in code.function(real).instructions]
    with pytest.raises(CodeProblem, match="Two functions in your compiled code are named `times_nine`"):
        analyse(code, asm_text, "times_nine")


def test_a_file_that_is_not_an_object_is_a_clear_error() -> None:
    with pytest.raises(ObjectFileError, match="could not be read"):
        ObjectCode(b"\x7fELF" + b"\0" * 12)


@needs_rustc
def test_the_object_is_read_within_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in the tutor's own process, the learner's object is bounded: a function of over a MiB
    (global_asm! or `.fill` can make one) or a symbol table past the limit is refused, with why."""
    code, _ = compile_object(tmp_path, '#[unsafe(no_mangle)] pub fn big() { unsafe { std::arch::asm!(".fill 1100000, 1, 0x90") } }')
    with pytest.raises(ObjectFileError, match="`big` is 11000.. bytes of code, more than the 1048576 the checks read"):
        code.function("big")
    monkeypatch.setattr(objfile, "MAX_SYMBOLS", 2)
    with pytest.raises(ObjectFileError, match="symbols, more than the 2 the checks read"):
        ObjectCode((tmp_path / "o0.o").read_bytes())
