"""Reading a pack's files: TOML parsed with its text kept, tables read field by field (unknown
keys reported), paths kept inside the pack, and every problem located by file, line and field.

A pack is data written by people: each problem names the file, the line where known and
the field, and reading goes on after a problem so an author sees them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asm_tutor.pack.model import ARCHES
from asm_tutor.pack.problems import Problem, find_key_line

if TYPE_CHECKING:
    import tomllib

ID_RE = re.compile(r"^[a-z0-9_]+$")
MISSING = object()


class Source:
    """One TOML file of the pack, parsed, with the text kept to locate fields."""

    def __init__(self, pack: PackFiles, path: Path) -> None:
        self.pack = pack
        self.path = path
        self.rel = pack.rel(path)
        self.text = ""
        self.data: dict[str, Any] | None = None

    def parse(self) -> dict[str, Any] | None:
        try:
            self.text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            self.pack.problem(self.rel, "", *not_utf8(self.path, err))
            return None
        except OSError as err:
            self.pack.problem(self.rel, "", f"cannot be read ({err.strerror})")
            return None
        import tomllib  # only when the pack is read anew: a remembered pack needs no parser

        from asm_tutor import toml_text

        try:
            self.data = toml_text.loads(self.text)
        except tomllib.TOMLDecodeError as err:
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
            reason, line = unclosed_string(reason, self.text, toml_error_line(err))
            self.pack.problem(self.rel, "", f"is not valid TOML: {reason}", line)
            return None
        return self.data



def unclosed_string(reason: str, text: str, line: int | None) -> tuple[str, int | None]:
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


def not_utf8(path: Path, err: UnicodeDecodeError) -> tuple[str, int]:
    """(message, line) for a file that is not UTF-8: where the first bad byte is."""
    data = path.read_bytes()
    line = data.count(b"\n", 0, err.start) + 1
    column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
    return (f"is not valid UTF-8 text: byte {err.start} (line {line}, column {column}) is 0x{data[err.start]:02x}; "
            "save the file as UTF-8"), line


def toml_error_line(err: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(err, "lineno", None)  # Python 3.14+
    if lineno:
        return int(lineno)
    match = re.search(r"at line (\d+)", str(err))
    return int(match.group(1)) if match else None



class Table:
    """Reads one TOML table, tracking which keys were used so the rest are reported."""

    def __init__(
        self, source: Source, data: dict[str, Any], name: str, table: str | None, index: int = 0,
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
        default: Any = MISSING,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """The value of `key` if present and well typed, else report and return `default`/None."""
        self.used.add(key)
        if key not in self.data:
            if default is MISSING:
                self.problem(key, f"missing required field `{key}`")
                return None
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; never accept one for the other.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.problem(key, f"must be {type_name(kinds)}, not {type_name((type(value),))}")
            return None if default is MISSING else default
        if check is not None:
            message = check(value)
            if message:
                self.problem(key, message)
                return None if default is MISSING else default
        return value

    def strings(self, key: str, default: Any = MISSING, nonempty: bool = False) -> tuple[str, ...] | None:
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

    def sub(self, key: str, required: bool = True) -> Table | None:
        value = self.get(key, dict, default=MISSING if required else None)
        if value is None:
            return None
        table = f"{self.table}.{key}" if self.table else key
        return Table(self.source, value, self.field(key), table)

    def finish(self) -> None:
        for key in self.data:
            if key not in self.used:
                known = ", ".join(sorted(self.used))
                self.problem(key, f"unknown field `{key}` (known fields here: {known})")


def type_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)



def id_problem(value: str) -> str | None:
    if not ID_RE.match(value):
        return f"`{value}` is not a valid id (use lowercase letters, digits and `_` only)"
    return None


def arch_problem(value: str) -> str | None:
    if value not in ARCHES:
        return f"unknown architecture `{value}` (known: {', '.join(ARCHES)})"
    return None


class PackFiles:
    """The pack folder being read: paths kept inside it, the files it was read from, every problem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.problems: list[Problem] = []
        # (exercise table, lesson id): checked once every lesson is known.
        self.lesson_refs: list[tuple[Table, str]] = []
        self.inputs: list[Path] = []  # files and folders the pack was read from
        self.solutions = True  # the manifest's `solutions`

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def problem(self, file: str, field: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(file=file, field=field, message=message, line=line))

    def confined(self, rel: str, table: Table, key: str) -> Path | None:
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
