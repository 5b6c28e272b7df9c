"""The README's promises: two quick-start commands, and CI runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.S)


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert commands[0].endswith("asm-tutor")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci.splitlines()


def test_the_layout_paragraph_names_every_package_of_the_tree() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("Layout: `src/asm_tutor/`", 1)[1].split("\n\n", 1)[0]
    packages = sorted(p.name for p in (ROOT / "src" / "asm_tutor").iterdir() if (p / "__init__.py").is_file())
    missing = [name for name in packages if f"`{name}/`" not in layout]
    assert not missing, f"the README's layout paragraph does not name {missing}"
