"""Helpers shared by the grader's tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cross_helpers import toolchain_for

from asm_tutor.grader import checks, crate
from asm_tutor.pack.model import Signature


def processes_under(folder: Path) -> list[str]:
    """Command lines of live processes started from inside `folder` (a test's build folder)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in text:
            found.append(text)
    return found


def aarch64_code_view(tmp_path: Path, sig: Signature, source: str) -> checks.CodeView:
    """The learner's code of `source` built for aarch64 at -O0 as the check crate lays it out (the
    file as the module `learner` of `asm_tutor_check`, a stand-in driver keeping `sig`'s function),
    read as the checks read it. Skips (fails in CI) without the aarch64 toolchain."""
    toolchain = toolchain_for("aarch64")
    tmp_path.mkdir(parents=True, exist_ok=True)
    fn_type = f"fn({', '.join(p.type for p in sig.params)}) -> {sig.returns}"
    driver = f"\npub mod {crate.DRIVER_MODULE} {{ pub static __FN: {fn_type} = super::{sig.name}; }}\n"
    (tmp_path / crate.LEARNER_FILE).write_text(source + driver, encoding="utf-8")
    (tmp_path / crate.ROOT_FILE).write_text(
        f'#[path = "{crate.LEARNER_FILE}"] mod {crate.LEARNER_MODULE};\n'
        f"fn main() {{ unsafe {{ ::std::ptr::read_volatile(&{crate.REQUIRED_POINTER.split('::', 1)[1]}) }}; }}\n",
        encoding="utf-8")
    sysroot = ["--sysroot", toolchain.sysroot] if toolchain.sysroot else []
    subprocess.run([str(toolchain.rustc), *sysroot, "--target", toolchain.triple, "--edition", "2021",
                    "--crate-name", crate.CHECK_CRATE, "-C", "opt-level=0", "--emit=obj,asm",
                    "-o", str(tmp_path / "check.o"), str(tmp_path / crate.ROOT_FILE)], check=True, cwd=tmp_path)
    view = checks.view_of(tmp_path / "check.o", tmp_path / "check.s", sig.name, source)
    assert view is not None and view.has_asm_region
    return view
