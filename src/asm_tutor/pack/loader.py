"""Load a pack folder into the model, collecting every problem on the way.

A pack is data written by people: each problem names the file, the line where
known and the field, and loading goes on after a problem so an author sees
them all at once. Unknown keys are errors, because a typo must not pass silently.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asm_tutor import memo
from asm_tutor.pack.model import (
    ANY_ARCH,
    ARCHES,
    ASM_DECLARATIONS,
    CLOBBER_ABI_RE,
    FORMAT_VERSION,
    SOURCE_KINDS,
    CheckKind,
    Display,
    ContractSpec,
    CourseItem,
    Difficulty,
    ErrorHint,
    Exercise,
    InstructionCheck,
    ItemKind,
    Lesson,
    Pack,
    Param,
    Property,
    Signature,
    TestCase,
    TestSpec,
)
from asm_tutor.pack.problems import PackError, Problem, find_key_line
from asm_tutor.stamp import Stamp, stamp

if TYPE_CHECKING:
    import tomllib

MANIFEST = "pack.toml"
EXERCISE_SPEC = "exercise.toml"
ID_RE = re.compile(r"^[a-z0-9_]+$")
RUST_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_TIME_LIMIT = 5.0
MAX_TIME_LIMIT = 60.0
MAX_RANDOM_CASES = 10_000
EDITIONS = ("2015", "2018", "2021", "2024")
# Calling conventions a `[function] abi` may name: "C" exists on every target, "sysv64" is x86_64's.
ABIS = ("C", "sysv64")

_MISSING = object()


class _Source:
    """One TOML file of the pack, parsed, with the text kept to locate fields."""

    def __init__(self, pack: _PackReader, path: Path) -> None:
        self.pack = pack
        self.path = path
        self.rel = pack.rel(path)
        self.text = ""
        self.data: dict[str, Any] | None = None

    def parse(self) -> dict[str, Any] | None:
        try:
            self.text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            self.pack.problem(self.rel, "", *_not_utf8(self.path, err))
            return None
        except OSError as err:
            self.pack.problem(self.rel, "", f"cannot be read ({err.strerror})")
            return None
        import tomllib  # only when the pack is read anew: a remembered pack needs no parser

        try:
            self.data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as err:
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
            reason, line = _unclosed_string(reason, self.text, _toml_error_line(err))
            self.pack.problem(self.rel, "", f"is not valid TOML: {reason}", line)
            return None
        return self.data


def _unclosed_string(reason: str, text: str, line: int | None) -> tuple[str, int | None]:
    """tomllib's words for a string left open ("Illegal character '\\n'", "Unterminated string"),
    said plainly, with the line the string starts on."""
    lines = text.splitlines()
    if reason.startswith("Illegal character '\\n'") and line is not None and 0 < line <= len(lines):
        quotes = lines[line - 1].replace('\\"', "").count('"')
        if quotes % 2:
            return 'a string on this line is not closed: a `"` is missing before the end of the line', line
    if reason.startswith(("Unterminated string", 'Expected "\'"')):
        opened = None
        for number, content in enumerate(lines, start=1):
            if content.count('"""') % 2 or content.count("\'\'\'") % 2:
                opened = None if opened else number
        if opened is not None:
            return 'a multi-line string (`"""`) that starts on this line is never closed', opened
    return reason, line


def _not_utf8(path: Path, err: UnicodeDecodeError) -> tuple[str, int]:
    """(message, line) for a file that is not UTF-8: where the first bad byte is."""
    data = path.read_bytes()
    line = data.count(b"\n", 0, err.start) + 1
    column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
    return (f"is not valid UTF-8 text: byte {err.start} (line {line}, column {column}) is 0x{data[err.start]:02x}; "
            "save the file as UTF-8"), line


def _toml_error_line(err: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(err, "lineno", None)  # Python 3.14+
    if lineno:
        return int(lineno)
    match = re.search(r"at line (\d+)", str(err))
    return int(match.group(1)) if match else None


class _Table:
    """Reads one TOML table, tracking which keys were used so the rest are reported."""

    def __init__(
        self, source: _Source, data: dict[str, Any], name: str, table: str | None, index: int = 0,
        anchor: str | None = None,
    ) -> None:
        self.source = source
        self.data = data
        self.name = name  # dotted name used in messages, e.g. "checks[2]"
        self.table = table  # TOML header to search for line numbers
        self.index = index
        # An inline table has no lines of its own: point at the key holding it (e.g. `cases =`).
        self.anchor = anchor
        self.used: set[str] = set()

    def field(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def line(self, key: str | None) -> int | None:
        return find_key_line(self.source.text, self.table, self.anchor or key, self.index)

    def problem(self, key: str | None, message: str) -> None:
        self.source.pack.problem(
            self.source.rel, self.field(key) if key else self.name, message, self.line(key)
        )

    def get(
        self,
        key: str,
        kind: type | tuple[type, ...],
        default: Any = _MISSING,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """The value of `key` if present and well typed, else report and return `default`/None."""
        self.used.add(key)
        if key not in self.data:
            if default is _MISSING:
                self.problem(key, f"missing required field `{key}`")
                return None
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; never accept one for the other.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.problem(key, f"must be {_type_name(kinds)}, not {_type_name((type(value),))}")
            return None if default is _MISSING else default
        if check is not None:
            message = check(value)
            if message:
                self.problem(key, message)
                return None if default is _MISSING else default
        return value

    def strings(self, key: str, default: Any = _MISSING, nonempty: bool = False) -> tuple[str, ...] | None:
        value = self.get(key, list, default=default)
        if value is None:
            return None
        if not all(isinstance(v, str) for v in value):
            self.problem(key, "must be a list of strings")
            return None
        if nonempty and not value:
            self.problem(key, "must not be empty")
            return None
        return tuple(value)

    def sub(self, key: str, required: bool = True) -> _Table | None:
        value = self.get(key, dict, default=_MISSING if required else None)
        if value is None:
            return None
        table = f"{self.table}.{key}" if self.table else key
        return _Table(self.source, value, self.field(key), table)

    def finish(self) -> None:
        for key in self.data:
            if key not in self.used:
                known = ", ".join(sorted(self.used))
                self.problem(key, f"unknown field `{key}` (known fields here: {known})")


def _type_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _id_problem(value: str) -> str | None:
    if not ID_RE.match(value):
        return f"`{value}` is not a valid id (use lowercase letters, digits and `_` only)"
    return None


def _arch_problem(value: str) -> str | None:
    if value not in ARCHES:
        return f"unknown architecture `{value}` (known: {', '.join(ARCHES)})"
    return None


class _PackReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.problems: list[Problem] = []
        # (exercise table, lesson id): checked once every lesson is known.
        self.lesson_refs: list[tuple[_Table, str]] = []
        self.inputs: list[Path] = [root / MANIFEST]  # files and folders the pack was read from
        self.solutions = True  # the manifest's `solutions`

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def problem(self, file: str, field: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(file=file, field=field, message=message, line=line))

    def confined(self, rel: str, table: _Table, key: str) -> Path | None:
        """Resolve a path written in the pack, refusing anything that leaves the pack folder."""
        candidate = Path(rel)
        if candidate.is_absolute() or ".." in candidate.parts:
            table.problem(key, f"path `{rel}` must stay inside the pack folder (no absolute paths, no `..`)")
            return None
        path = self.root / candidate
        if not self.inside(path):
            table.problem(key, f"path `{rel}` leads outside the pack folder (through a symlink)")
            return None
        return path

    def inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.real_root)

    def check_symlinks(self, folder: Path) -> bool:
        """No file in an exercise folder may be a symlink that points out of the pack."""
        clean = True
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() and not self.inside(path):
                self.problem(self.rel(path), "", "is a symlink that points outside the pack folder; copy the file in instead")
                clean = False
        return clean

    # -- the manifest -----------------------------------------------------

    def load(self) -> Pack:
        if not self.root.is_dir():
            raise PackError(str(self.root), [Problem(str(self.root), "", "is not a folder")])
        manifest = _Source(self, self.root / MANIFEST)
        if not manifest.path.is_file():
            raise PackError(str(self.root), [Problem(MANIFEST, "", "is missing: a pack folder needs a pack.toml manifest")])
        if not self.inside(manifest.path):
            raise PackError(str(self.root), [Problem(MANIFEST, "", "is a symlink that points outside the pack folder")])
        data = manifest.parse()
        if data is None:
            raise PackError(str(self.root), self.problems)
        top = _Table(manifest, data, "", None)
        fmt = top.get("format", int)
        if fmt is not None and fmt != FORMAT_VERSION:
            top.problem("format", f"format version {fmt} is not supported (this tutor reads format {FORMAT_VERSION})")
        pack_id = top.get("id", str, check=_id_problem)
        title = top.get("title", str)
        version = top.get("version", str)
        description = top.get("description", str, default="")
        edition = top.get("edition", str, default="2021",
                          check=lambda v: None if v in EDITIONS else f"must be one of {', '.join(EDITIONS)}")
        # false in a hand-out (`pack export`): the reference solutions are left out.
        self.solutions = top.get("solutions", bool, default=True)
        course_raw = top.get("course", list)
        top.finish()

        course: list[CourseItem] = []
        lessons: dict[str, Lesson] = {}
        exercises: dict[str, Exercise] = {}
        seen: dict[str, str] = {}
        for index, entry in enumerate(course_raw or []):
            item = self.course_entry(manifest, entry, index)
            if item is None:
                continue
            kind, item_id, table = item
            if item_id in seen:
                table.problem(kind.value, f"id `{item_id}` is used twice in the course (first as a {seen[item_id]})")
                continue
            seen[item_id] = kind.value
            if kind is ItemKind.LESSON:
                lesson = self.lesson(table, item_id)
                if lesson is not None:
                    lessons[item_id] = lesson
                    course.append(CourseItem(kind, item_id))
            else:
                exercise = self.exercise(table, item_id)
                if exercise is not None:
                    exercises[item_id] = exercise
                    course.append(CourseItem(kind, item_id))
        if course_raw is not None and not course_raw:
            top.problem("course", "the course is empty: list at least one lesson or exercise")
        for table, lesson_id in self.lesson_refs:
            if seen.get(lesson_id) != ItemKind.LESSON.value:  # a lesson that failed to load is reported already
                table.problem("lesson", f"names lesson `{lesson_id}`, which is not a lesson in the course")
        if self.problems:
            raise PackError(str(self.root), self.problems)
        return Pack(
            root=self.root, manifest_path=manifest.path, id=pack_id, title=title, version=version,
            format=fmt, description=description, edition=edition, course=tuple(course),
            lessons=lessons, exercises=exercises, solutions=self.solutions,
        )

    def course_entry(self, manifest: _Source, entry: Any, index: int) -> tuple[ItemKind, str, _Table] | None:
        table = _Table(manifest, entry if isinstance(entry, dict) else {}, f"course[{index}]", "course", index)
        if not isinstance(entry, dict):
            table.problem(None, "each course entry must be a table like `[[course]]` with `lesson = ...` or `exercise = ...`")
            return None
        kinds = [k for k in (ItemKind.LESSON, ItemKind.EXERCISE) if k.value in entry]
        if len(kinds) != 1:
            table.problem(None, "each course entry needs exactly one of `lesson = \"id\"` or `exercise = \"id\"`")
            for key in entry:
                table.used.add(key)
            return None
        kind = kinds[0]
        item_id = table.get(kind.value, str, check=_id_problem)
        return (kind, item_id, table) if item_id is not None else None

    def lesson(self, table: _Table, lesson_id: str) -> Lesson | None:
        rel = table.get("file", str, default=f"lessons/{lesson_id}.md")
        title = table.get("title", str, default=None)
        table.finish()
        if rel is None:
            return None
        path = self.confined(rel, table, "file")
        if path is None:
            return None
        self.inputs.append(path)
        if not path.is_file():
            table.problem("file" if "file" in table.data else "lesson", f"lesson file `{rel}` does not exist")
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            self.problem(rel, "", *_not_utf8(path, err))
            return None
        if title is None:
            heading = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), None)
            if not heading:
                self.problem(rel, "title", "the lesson has no `# Title` heading and the course entry gives no `title`", 1)
                return None
            title = heading
        return Lesson(id=lesson_id, title=title, path=path)

    # -- exercises ---------------------------------------------------------

    def exercise(self, table: _Table, exercise_id: str) -> Exercise | None:
        rel = table.get("dir", str, default=f"exercises/{exercise_id}")
        table.finish()
        if rel is None:
            return None
        folder = self.confined(rel, table, "dir")
        if folder is None:
            return None
        self.inputs.append(folder)
        if not folder.is_dir():
            table.problem("dir" if "dir" in table.data else "exercise", f"exercise folder `{rel}` does not exist")
            return None
        if not self.check_symlinks(folder):
            return None
        source = _Source(self, folder / EXERCISE_SPEC)
        if not source.path.is_file():
            self.problem(source.rel, "", f"is missing: every exercise folder needs an {EXERCISE_SPEC}")
            return None
        data = source.parse()
        if data is None:
            return None
        before = len(self.problems)
        top = _Table(source, data, "", None)
        title = top.get("title", str)
        lesson = top.get("lesson", str, default=None, check=_id_problem)
        difficulty = top.get("difficulty", str, default=Difficulty.BEGINNER.value,
                             check=lambda v: None if v in Difficulty._value2member_map_
                             else f"must be one of {', '.join(d.value for d in Difficulty)}")
        arches = top.strings("arch", nonempty=True)
        for arch in arches or ():
            message = _arch_problem(arch)
            if message:
                top.problem("arch", message)
        time_limit = top.get("time_limit", (int, float), default=DEFAULT_TIME_LIMIT,
                             check=lambda v: None if 0 < v <= MAX_TIME_LIMIT else f"must be between 0 and {MAX_TIME_LIMIT:g} seconds")
        if lesson is not None:
            self.lesson_refs.append((top, lesson))
        require_asm = top.get("require_asm", bool, default=True)
        starter_passes = top.get("starter_passes", bool, default=False)
        starter_error = top.get("starter_error", str, default=None,
                                check=lambda v: None if v.strip() else "must name the error (a code like E0133, or words of it)")
        if starter_passes and starter_error:
            top.problem("starter_error", "a starter cannot both pass (`starter_passes = true`) and fail to compile")
        prompt = top.get("prompt", str)
        hints = top.strings("hints", nonempty=True)
        function = self.signature(top.sub("function"))
        tests = self.tests(top.sub("tests"), function)
        checks = self.checks(source, top.get("checks", list, default=[]))
        error_hints = self.error_hints(source, top.get("error_hints", list, default=[]))
        contract = self.contract(top.sub("contract", required=False))
        top.finish()
        for kind in ("starter", "solution") if self.solutions else ("starter",):
            for arch in arches or ():
                candidate = folder / arch / f"{kind}.rs"
                path = candidate if candidate.is_file() else folder / f"{kind}.rs"
                if not path.is_file():
                    self.problem(self.rel(folder), kind, f"no {kind} for {arch}: add `{kind}.rs` or `{arch}/{kind}.rs`")
                    break
        if len(self.problems) != before:
            return None
        # No new problem means every required field above was present and well typed.
        assert function is not None and hints is not None and tests is not None and arches is not None
        return Exercise(
            id=exercise_id, title=title, dir=folder, spec_path=source.path, prompt=prompt,
            function=function, hints=hints, error_hints=error_hints, tests=tests, checks=checks,
            arch=arches, time_limit=float(time_limit), lesson=lesson,
            difficulty=Difficulty(difficulty), require_asm=require_asm, starter_passes=starter_passes,
            starter_error=starter_error, contract=contract,
        )

    def contract(self, table: _Table | None) -> ContractSpec:
        if table is None:
            return ContractSpec()
        found = ContractSpec(**{name: table.get(name, bool, default=True) for name in ContractSpec.__dataclass_fields__})
        table.finish()
        return found

    def signature(self, table: _Table | None) -> Signature | None:
        if table is None:
            return None
        name = table.get("name", str, check=lambda v: None if RUST_IDENT_RE.match(v) else f"`{v}` is not a Rust identifier")
        raw_params = table.strings("params", default=())
        returns = table.get("returns", str, default="()")
        abi = table.get("abi", str, default=None,
                        check=lambda v: None if v in ABIS else f"`{v}` is not one of {', '.join(ABIS)}")
        table.finish()
        params: list[Param] = []
        for raw in raw_params or ():
            pname, sep, ptype = raw.partition(":")
            if not sep or not RUST_IDENT_RE.match(pname.strip()) or not ptype.strip():
                table.problem("params", f"`{raw}` must look like `name: type`")
                continue
            params.append(Param(pname.strip(), ptype.strip()))
        if name is None:
            return None
        return Signature(name=name, params=tuple(params), returns=returns, abi=abi)

    def tests(self, table: _Table | None, function: Signature | None) -> TestSpec | None:
        if table is None:
            return None
        reference_raw = table.get("reference", (str, dict), default={})
        reference: dict[str, str] = {}
        if isinstance(reference_raw, str):
            reference[ANY_ARCH] = reference_raw
        elif isinstance(reference_raw, dict):
            for arch, expr in reference_raw.items():
                if arch != ANY_ARCH and _arch_problem(arch):
                    table.problem("reference", f"{_arch_problem(arch)} in the reference table")
                elif not isinstance(expr, str):
                    table.problem("reference", f"the reference for `{arch}` must be a string holding a Rust expression")
                else:
                    reference[arch] = expr
        edge = table.get("edge", bool, default=True)
        random = table.get("random", int, default=0,
                           check=lambda v: None if 0 <= v <= MAX_RANDOM_CASES else f"must be between 0 and {MAX_RANDOM_CASES}")
        seed = table.get("seed", int, default=None)
        display = table.get("display", str, default=Display.DECIMAL.value,
                            check=lambda v: None if v in {d.value for d in Display} else
                            f"`{v}` is not one of {', '.join(d.value for d in Display)}")
        helpers, helpers_path = self.helpers(table)
        cases_raw = table.get("cases", list, default=[])
        properties = self.properties(table, table.get("properties", list, default=[]))
        table.finish()
        cases: list[TestCase] = []
        for index, raw in enumerate(cases_raw or []):
            case = _Table(table.source, raw if isinstance(raw, dict) else {}, f"{table.name}.cases[{index}]",
                          table.table, anchor="cases")
            if not isinstance(raw, dict):
                case.problem(None, "each case must be a table like `{ args = [\"6\"], expected = \"54\" }`")
                continue
            args = case.strings("args", default=())
            expected = case.get("expected", str, default=None)
            case.finish()
            if args is None:
                continue
            if function is not None and len(args) != len(function.params):
                case.problem("args", f"has {len(args)} argument(s) but `{function.name}` takes {len(function.params)}")
                continue
            if expected is None and not reference:
                case.problem("expected", "is needed when the tests have no `reference` expression")
                continue
            cases.append(TestCase(args=args, expected=expected))
        if (edge or random) and not reference:
            table.problem("reference", "edge and random cases need a `reference` expression to compare against")
        if not cases and not reference and not properties:
            table.problem("cases", "the exercise has no test cases")
        if function is not None:
            self.generated_values(table, function, random=bool(random), edge=bool(edge) and "edge" in table.data)
        return TestSpec(cases=tuple(cases), reference=reference, edge=bool(edge), random=random or 0,
                        seed=seed, properties=properties, helpers=helpers,
                        helpers_path=helpers_path, display=Display(display or Display.DECIMAL))

    def helpers(self, table: _Table) -> tuple[str, Path | None]:
        """The Rust file `helpers` names (a path inside the pack): its text and path; ("", None)
        without one."""
        rel = table.get("helpers", str, default=None)
        path = None if rel is None else self.confined(rel, table, "helpers")
        if path is None:
            return "", None
        self.inputs.append(path)
        try:
            return path.read_text(encoding="utf-8"), path
        except UnicodeDecodeError as err:
            message, line = _not_utf8(path, err)
            self.problem(self.rel(path), "", message, line)
        except OSError:
            table.problem("helpers", f"`{rel}` does not exist (a path from the pack folder, e.g. `shared/helpers.rs`)")
        return "", None

    @staticmethod
    def generated_values(table: _Table, function: Signature, *, random: bool, edge: bool) -> None:
        """Random cases (and edge cases asked for by name) need values the tests can make up for
        every parameter; say so rather than silently adding none."""
        from asm_tutor.pack.param_types import GENERATED, ParamType

        kinds = [(p, ParamType.parse(p.type)) for p in function.params]
        for key, wanted, blocked in (
            ("random", random, [p for p, kind in kinds if kind.random_expr() is None]),
            ("edge", edge, [p for p, kind in kinds if kind.edge_values() is None]),
        ):
            if wanted and blocked:
                names = ", ".join(f"`{p.name}: {p.type}`" for p in blocked)
                table.problem(key, f"{key} values cannot be made up for {names} (they can for {GENERATED}); "
                                   f"write its cases in `cases`, or set `{key} = {'0' if key == 'random' else 'false'}`")

    def properties(self, tests: _Table, raw: list[Any] | None) -> tuple[Property, ...]:
        found: list[Property] = []
        for index, entry in enumerate(raw or []):
            table = _Table(tests.source, entry if isinstance(entry, dict) else {},
                           f"{tests.name}.properties[{index}]", f"{tests.table}.properties", index)
            if not isinstance(entry, dict):
                table.problem(None, "each property must be a `[[tests.properties]]` table")
                continue
            name = table.get("name", str)
            expr = table.get("expr", str)
            arch = table.get("arch", str, default=None, check=_arch_problem)
            label = table.get("label", str, default=None,
                              check=lambda v: None if v.strip() else "must not be blank (leave it out to show `expr`)")
            table.finish()
            if name and expr:
                found.append(Property(name=name, expr=expr, arch=arch, label=label))
        return tuple(found)

    def checks(self, source: _Source, raw: list[Any] | None) -> tuple[InstructionCheck, ...]:
        checks: list[InstructionCheck] = []
        for index, entry in enumerate(raw or []):
            table = _Table(source, entry if isinstance(entry, dict) else {}, f"checks[{index}]", "checks", index)
            if not isinstance(entry, dict):
                table.problem(None, "each check must be a `[[checks]]` table")
                continue
            name = table.get("name", str)
            kind = table.get("kind", str, check=lambda v: None if v in CheckKind._value2member_map_
                             else f"`{v}` is not a check kind (known: {', '.join(k.value for k in CheckKind)})")
            patterns = table.strings("patterns", nonempty=True)
            message = table.get("message", str)
            arch = table.get("arch", str, default=None, check=_arch_problem)
            table.finish()
            if kind in SOURCE_KINDS and patterns is not None:
                unknown = [p for p in patterns if p not in ASM_DECLARATIONS and not CLOBBER_ABI_RE.fullmatch(p)]
                if unknown:
                    table.problem("patterns", f"`{unknown[0]}` is not something an asm! block declares; "
                                              f"{kind} looks for an option, an operand kind or clobber_abi: "
                                              f"{', '.join(ASM_DECLARATIONS)}, or clobber_abi(\"C\")")
                    continue
            if name is None or kind is None or patterns is None or message is None:
                continue
            checks.append(InstructionCheck(name=name, kind=CheckKind(kind), patterns=patterns, message=message, arch=arch))
        return tuple(checks)

    def error_hints(self, source: _Source, raw: list[Any] | None) -> tuple[ErrorHint, ...]:
        hints: list[ErrorHint] = []
        for index, entry in enumerate(raw or []):
            table = _Table(source, entry if isinstance(entry, dict) else {}, f"error_hints[{index}]", "error_hints", index)
            if not isinstance(entry, dict):
                table.problem(None, "each error hint must be an `[[error_hints]]` table")
                continue
            match = table.get("match", str)
            hint = table.get("hint", str)
            table.finish()
            if match and hint:
                hints.append(ErrorHint(match=match, hint=hint))
        return tuple(hints)


# Packs loaded by this process: what they were read from, and the stat of its files.
_loaded: dict[Path, tuple[tuple[Path, ...], tuple[tuple[str, Stamp | None], ...], Pack]] = {}
# A file stamped this close to the moment it was read may change again without a new
# stamp (file systems stamp coarsely): such a load is not kept (git's "racy" rule).
_RACY_NS = 2_000_000_000


def _stats(inputs: tuple[Path, ...]) -> tuple[tuple[str, Stamp | None], ...]:
    """The stamp of every file named, and of every file in the folders named."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files += sorted(Path(top, name) for top, _dirs, names in os.walk(item) for name in names)
        else:
            files.append(item)
    return tuple((str(path), stamp(path)) for path in files)


def load_pack(root: Path) -> Pack:
    """Load and validate the pack at `root`; raises PackError listing every problem.

    A process that lives on (the TUI, `asm-tutor watch`) asks again and again: while the
    files the pack was read from keep their stat (~0.3 ms for the built-in pack, against
    ~8 ms to parse and validate it), the pack loaded before is returned.
    """
    known = _loaded.get(root)
    if known is not None and _stats(known[0]) == known[1]:
        return known[2]
    # A one-shot command finds the pack the last process loaded (~1 ms instead of ~10).
    where, key = memo.folder("packs"), memo.key_of("pack", str(root.resolve()))
    kept = memo.load_object(where, key)
    if isinstance(kept, tuple) and len(kept) == 3 and isinstance(kept[2], Pack) and _stats(kept[0]) == kept[1]:
        _loaded[root] = kept
        return kept[2]
    read_at = time.time_ns()
    reader = _PackReader(root)
    pack = reader.load()
    inputs = tuple(reader.inputs)
    stats = _stats(inputs)
    if all(found is not None and found[2] < read_at - _RACY_NS for _path, found in stats):
        _loaded[root] = (inputs, stats, pack)
        memo.store_object(where, key, _loaded[root])
    return pack
