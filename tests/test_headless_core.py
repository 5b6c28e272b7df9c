"""Only the TUI may import Textual: the CLI and the core must not pay its import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys, pkgutil, importlib
import asm_tutor
{body}
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print("TEXTUAL:" + ",".join(loaded))
"""


def run_probe(body: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.rsplit("TEXTUAL:", 1)[1].strip()


def test_core_modules_import_no_textual() -> None:
    body = """
for info in pkgutil.walk_packages(asm_tutor.__path__, "asm_tutor."):
    if info.name.startswith("asm_tutor.tui") or info.name.endswith(".__main__"):
        continue
    importlib.import_module(info.name)
"""
    assert run_probe(body) == ""


@pytest.mark.parametrize("argv", [["list"], ["doctor"], ["--version"]])
def test_cli_commands_import_no_textual(argv: list[str]) -> None:
    body = f"""
from asm_tutor.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
"""
    assert run_probe(body) == ""
