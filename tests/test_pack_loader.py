"""The pack loader: a valid pack loads; every malformed one names file, line and field."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from asm_tutor.pack.loader import load_pack
from asm_tutor.pack.model import CheckKind, ItemKind
from asm_tutor.pack.problems import PackError, Problem
from asm_tutor.paths import builtin_pack_dir

MANIFEST = """\
format = 1
id = "mini"
title = "Mini pack"
version = "0.1.0"
description = "A tiny pack for the loader tests."

[[course]]
lesson = "intro"

[[course]]
exercise = "double"
"""

LESSON = "# Introduction\n\nHello.\n"

EXERCISE = """\
title = "Double it"
lesson = "intro"
arch = ["x86_64", "aarch64"]
prompt = "Return twice x."
hints = ["one", "two", "three"]

[function]
name = "double"
params = ["x: u64"]
returns = "u64"

[tests]
reference = "x.wrapping_mul(2)"
random = 8
cases = [{ args = ["2"], expected = "4" }]

[[checks]]
name = "no multiply"
kind = "forbid"
patterns = ["mul", "imul"]
message = "no multiplying"
"""


def write_pack(root: Path, **overrides: str | None) -> Path:
    """A valid pack; each override replaces (or, given None, deletes) one file."""
    files = {
        "pack.toml": MANIFEST,
        "lessons/intro.md": LESSON,
        "exercises/double/exercise.toml": EXERCISE,
        "exercises/double/starter.rs": "fn double(x: u64) -> u64 { x }\n",
        "exercises/double/solution.rs": "fn double(x: u64) -> u64 { x + x }\n",
    }
    files.update(overrides)
    for rel, text in files.items():
        if text is not None:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return root


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(PackError) as info:
        load_pack(root)
    return info.value.problems


def only_problem(root: Path) -> Problem:
    problems = problems_of(root)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_valid_pack_loads(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path))
    assert (pack.id, pack.title, pack.version, pack.edition) == ("mini", "Mini pack", "0.1.0", "2021")
    assert [(i.kind, i.id) for i in pack.course] == [(ItemKind.LESSON, "intro"), (ItemKind.EXERCISE, "double")]
    assert pack.lessons["intro"].title == "Introduction"
    exercise = pack.exercises["double"]
    assert exercise.function.render() == "fn double(x: u64) -> u64"
    assert exercise.tests.reference_for("x86_64") == "x.wrapping_mul(2)"
    assert exercise.checks[0].kind is CheckKind.FORBID
    assert exercise.time_limit == 5.0
    assert pack.exercises_for_lesson("intro") == [exercise]
    assert exercise.starter("x86_64").startswith("fn double")


def test_builtin_pack_loads() -> None:
    pack = load_pack(builtin_pack_dir())
    assert {"times_nine", "max_u64", "cpu_vendor"} <= set(pack.exercises)
    assert len(pack.lessons) >= 7


def test_bad_toml_names_its_line(tmp_path: Path) -> None:
    broken = EXERCISE.replace('title = "Double it"', 'title = "Double it')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": broken}))
    assert problem.file == "exercises/double/exercise.toml"
    assert problem.line == 1
    assert "not valid TOML" in problem.message
    assert 'a string on this line is not closed: a `"` is missing' in problem.message  # not "Illegal character"


def test_an_unclosed_multiline_string_names_the_line_it_opens_on(tmp_path: Path) -> None:
    broken = EXERCISE.replace('title = "Double it"', 'title = "Double it"\nprompt2 = """\nnever closed')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": broken}))
    assert problem.line == 2 and 'multi-line string (`"""`) that starts on this line is never closed' in problem.message


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    (root / "exercises" / "double" / "exercise.toml").write_bytes(EXERCISE.encode().replace(b"Double it", b"Double \xff"))
    problem = only_problem(root)
    assert problem.line == 1 and "byte 16 (line 1, column 17) is 0xff" in problem.message, problem


def test_problems_print_as_the_docs_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from asm_tutor.cli import main

    typo = EXERCISE.replace("random = 8", "randon = 8")
    root = write_pack(tmp_path, **{"exercises/double/exercise.toml": typo})
    assert main(["--pack", str(root), "list"]) == 1
    line = EXERCISE.splitlines().index("random = 8") + 1
    assert f"  exercises/double/exercise.toml:{line}: tests.randon: unknown field" in capsys.readouterr().err


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    typo = EXERCISE.replace("random = 8", "randon = 8")
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": typo}))
    assert problem.file == "exercises/double/exercise.toml"
    assert problem.field == "tests.randon"
    assert problem.line == EXERCISE.splitlines().index("random = 8") + 1
    assert "unknown field" in problem.message


def test_the_contract_switches_load_and_a_typo_in_them_is_named(tmp_path: Path) -> None:
    from asm_tutor.pack.loader import load_pack
    from asm_tutor.pack.model import ContractSpec

    assert load_pack(write_pack(tmp_path / "plain")).exercises["double"].contract == ContractSpec()
    off = EXERCISE + "\n[contract]\nasm_does_the_work = false\n"
    loaded = load_pack(write_pack(tmp_path / "off", **{"exercises/double/exercise.toml": off}))
    assert loaded.exercises["double"].contract == ContractSpec(asm_does_the_work=False)
    typo = EXERCISE + "\n[contract]\npromise = false\n"
    problem = only_problem(write_pack(tmp_path / "typo", **{"exercises/double/exercise.toml": typo}))
    assert (problem.field, problem.line) == ("contract.promise", typo.splitlines().index("promise = false") + 1)
    assert "unknown field" in problem.message and "promises" in problem.message


def test_a_starter_cannot_both_pass_and_fail_to_compile(tmp_path: Path) -> None:
    both = EXERCISE.replace('arch = [', 'starter_passes = true\nstarter_error = "E0133"\narch = [')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": both}))
    assert (problem.field, problem.line) == ("starter_error", both.splitlines().index('starter_error = "E0133"') + 1)
    assert "cannot both pass" in problem.message


def test_random_values_that_cannot_be_made_up_are_a_problem_not_silence(tmp_path: Path) -> None:
    text = EXERCISE.replace('params = ["x: u64"]', 'params = ["x: [u8; 4]"]').replace(
        'cases = [{ args = ["2"], expected = "4" }]', 'cases = [{ args = ["[1, 2, 3, 4]"], expected = "4" }]')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": text}))
    assert (problem.field, problem.line) == ("tests.random", EXERCISE.splitlines().index("random = 8") + 1)
    assert "cannot be made up for `x: [u8; 4]`" in problem.message and "slices" in problem.message


def test_a_source_check_for_something_no_block_declares_is_named(tmp_path: Path) -> None:
    text = EXERCISE + '\n[[checks]]\nname = "const"\nkind = "asm_declares"\npatterns = ["constant"]\nmessage = "m"\n'
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": text}))
    assert (problem.field, problem.line) == ("checks[1].patterns", len(text.splitlines()) - 1)
    assert "`constant` is not something an asm! block declares" in problem.message


def test_mnemonic_patterns_are_case_insensitive_and_one_word(tmp_path: Path) -> None:
    shouted = EXERCISE + '\n[[checks]]\nname = "copy"\nkind = "asm_uses"\npatterns = ["MOVSB", "Stos*"]\nmessage = "m"\n'
    exercise = load_pack(write_pack(tmp_path / "ok", **{"exercises/double/exercise.toml": shouted})).exercises["double"]
    assert exercise.checks[-1].patterns == ("movsb", "stos*")
    prefixed = shouted.replace('["MOVSB", "Stos*"]', '["REP MOVSB"]')
    problem = only_problem(write_pack(tmp_path / "bad", **{"exercises/double/exercise.toml": prefixed}))
    assert (problem.field, problem.line) == ("checks[1].patterns", len(prefixed.splitlines()) - 1)
    assert "`rep movsb` is not one mnemonic" in problem.message and "checked as `movsb`" in problem.message


def test_points_default_to_one_and_must_be_a_whole_number(tmp_path: Path) -> None:
    assert load_pack(write_pack(tmp_path / "ok")).exercises["double"].points == 1
    worth = EXERCISE.replace('arch = [', 'points = 1.5\narch = [')
    problem = only_problem(write_pack(tmp_path / "bad", **{"exercises/double/exercise.toml": worth}))
    assert problem.field == "points" and "integer" in problem.message


def test_helpers_are_read_from_inside_the_pack(tmp_path: Path) -> None:
    with_helpers = EXERCISE.replace('random = 8', 'random = 8\nhelpers = "shared/h.rs"')
    root = write_pack(tmp_path, **{"exercises/double/exercise.toml": with_helpers, "shared/h.rs": "fn two() -> u64 { 2 }\n"})
    assert load_pack(root).exercises["double"].tests.helpers == "fn two() -> u64 { 2 }\n"
    (root / "shared" / "h.rs").unlink()
    problem = only_problem(root)
    assert (problem.field, problem.line) == ("tests.helpers", with_helpers.splitlines().index('helpers = "shared/h.rs"') + 1)
    assert "`shared/h.rs` does not exist" in problem.message


def test_missing_lesson_file(tmp_path: Path) -> None:
    problem = only_problem(write_pack(tmp_path, **{"lessons/intro.md": None}))
    assert (problem.file, problem.field) == ("pack.toml", "course[0].lesson")
    assert problem.line == MANIFEST.splitlines().index('lesson = "intro"') + 1
    assert "lessons/intro.md" in problem.message


def test_duplicate_id(tmp_path: Path) -> None:
    manifest = MANIFEST + '\n[[course]]\nlesson = "intro"\n'
    problem = only_problem(write_pack(tmp_path, **{"pack.toml": manifest}))
    assert (problem.file, problem.field) == ("pack.toml", "course[2].lesson")
    assert "used twice" in problem.message


def test_bad_id(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('id = "mini"', 'id = "Mini-Pack"')
    problem = only_problem(write_pack(tmp_path, **{"pack.toml": manifest}))
    assert (problem.file, problem.field, problem.line) == ("pack.toml", "id", 2)
    assert "not a valid id" in problem.message


@pytest.mark.parametrize("escape", ["../outside.md", "/etc/passwd"])
def test_path_escaping_the_pack(tmp_path: Path, escape: str) -> None:
    manifest = MANIFEST.replace('lesson = "intro"', f'lesson = "intro"\nfile = "{escape}"')
    problem = only_problem(write_pack(tmp_path / "pack", **{"pack.toml": manifest}))
    assert (problem.file, problem.field) == ("pack.toml", "course[0].file")
    assert "inside the pack folder" in problem.message


def test_symlink_pointing_out(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "pack", **{"exercises/double/solution.rs": None})
    secret = tmp_path / "secret.rs"
    secret.write_text("fn double(x: u64) -> u64 { x * 2 }\n")
    os.symlink(secret, root / "exercises/double/solution.rs")
    problem = only_problem(root)
    assert problem.file == "exercises/double/solution.rs"
    assert "outside the pack folder" in problem.message


def test_missing_solution(tmp_path: Path) -> None:
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/solution.rs": None}))
    assert (problem.file, problem.field) == ("exercises/double", "solution")
    assert "solution.rs" in problem.message


def test_unsupported_format_version(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("format = 1", "format = 7")
    problem = only_problem(write_pack(tmp_path, **{"pack.toml": manifest}))
    assert (problem.file, problem.field, problem.line) == ("pack.toml", "format", 1)
    assert "format version 7 is not supported" in problem.message


def test_wrong_type(tmp_path: Path) -> None:
    wrong = EXERCISE.replace("random = 8", 'random = "eight"')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": wrong}))
    assert (problem.field, problem.line) == ("tests.random", EXERCISE.splitlines().index("random = 8") + 1)
    assert "must be an integer" in problem.message


def test_missing_required_field(tmp_path: Path) -> None:
    no_prompt = EXERCISE.replace('prompt = "Return twice x."\n', "")
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": no_prompt}))
    assert (problem.file, problem.field) == ("exercises/double/exercise.toml", "prompt")
    assert "missing required field" in problem.message


def test_unknown_check_kind_in_array_table(tmp_path: Path) -> None:
    bad = EXERCISE.replace('kind = "forbid"', 'kind = "forbidden"')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": bad}))
    assert (problem.field, problem.line) == ("checks[0].kind", EXERCISE.splitlines().index('kind = "forbid"') + 1)
    assert "not a check kind" in problem.message


def test_unknown_architecture(tmp_path: Path) -> None:
    bad = EXERCISE.replace('arch = ["x86_64", "aarch64"]', 'arch = ["x86_64", "riscv64"]')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": bad}))
    assert (problem.field, problem.line) == ("arch", 3)
    assert "riscv64" in problem.message


def test_case_with_wrong_arity(tmp_path: Path) -> None:
    bad = EXERCISE.replace('{ args = ["2"], expected = "4" }', '{ args = ["2", "3"], expected = "4" }')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": bad}))
    assert problem.field == "tests.cases[0].args"
    assert "takes 1" in problem.message


def test_exercise_naming_an_unknown_lesson(tmp_path: Path) -> None:
    bad = EXERCISE.replace('lesson = "intro"', 'lesson = "intro2"')
    problem = only_problem(write_pack(tmp_path, **{"exercises/double/exercise.toml": bad}))
    assert (problem.field, problem.line) == ("lesson", 2)
    assert "intro2" in problem.message


def test_all_problems_are_collected(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('id = "mini"', 'id = "Mini"').replace("format = 1", "format = 2")
    bad = EXERCISE.replace("random = 8", "randon = 8").replace('name = "double"', 'name = "2x"')
    problems = problems_of(write_pack(tmp_path, **{"pack.toml": manifest, "exercises/double/exercise.toml": bad}))
    assert {p.field for p in problems} == {"format", "id", "tests.randon", "function.name"}
    assert all(str(p).startswith(("pack.toml:", "exercises/double/exercise.toml:")) for p in problems)


def test_missing_manifest(tmp_path: Path) -> None:
    problem = only_problem(write_pack(tmp_path, **{"pack.toml": None}))
    assert problem.file == "pack.toml"
    assert "missing" in problem.message


def test_a_pack_loaded_again_is_read_again_once_a_file_changed(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "pack"
    shutil.copytree(builtin_pack_dir() / "exercises", root / "exercises")
    shutil.copytree(builtin_pack_dir() / "lessons", root / "lessons")
    shutil.copy2(builtin_pack_dir() / "pack.toml", root / "pack.toml")  # copies keep their old time stamps
    first = load_pack(root)
    assert load_pack(root) is first  # unchanged: kept
    spec = root / "exercises" / "times_nine" / "exercise.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("Times nine", "Nine times"), encoding="utf-8")
    again = load_pack(root)
    assert again is not first and again.exercises["times_nine"].title.startswith("Nine times")


# -- the format's docs ------------------------------------------------------------------------------------

FORMAT_DOC = Path(__file__).parent.parent / "docs" / "pack-format.md"


def _toml_examples(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, re.S)


def test_every_documented_field_has_an_example() -> None:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    examples = "\n".join(_toml_examples(text + (FORMAT_DOC.parent / "authoring-packs.md").read_text(encoding="utf-8")))
    fields: set[str] = set()
    for table in re.findall(r"^\| field \|.*?\n\n", text, re.S | re.M):
        fields |= set(re.findall(r"^\| `\[*([a-z_.]+)\]*` \|", table, re.M))
    assert {"starter_error", "abi", "helpers", "tests.properties"} <= fields
    missing = [f for f in sorted(fields)
               if not re.search(rf"(^|[{{,\s]){re.escape(f)}\s*=|\[\[?{re.escape(f)}\]\]?", examples, re.M)]
    assert not missing, f"pack-format.md documents fields no ```toml example shows: {missing}"


def test_the_every_field_example_loads(tmp_path: Path) -> None:
    section = FORMAT_DOC.read_text(encoding="utf-8").split("## Every field, once", 1)[1]
    spec, manifest_tail = _toml_examples(section)[:2]
    header = MANIFEST.split("[[course]]", 1)[0]
    write_pack(tmp_path, **{
        "pack.toml": header + manifest_tail + '\n[[course]]\nlesson = "templates"\nfile = "lessons/t.md"\n',
        "lessons/t.md": LESSON, "lessons/intro.md": None,
        "exercises/double/exercise.toml": None, "exercises/double/starter.rs": None,
        "exercises/double/solution.rs": None,
        "shared/bits.rs": "pub fn unused() {}\n",
        "exercises/week1/add_one/exercise.toml": spec,
        "exercises/week1/add_one/starter.rs": "fn add_one(x: u64) -> u64 { x }\n",
    })
    exercise = load_pack(tmp_path).exercises["add_one"]
    assert exercise.starter_error == "E0133" and exercise.tests.helpers is not None and exercise.points == 2
