"""The learner's file as handed in: a program or a library, and its crate-level attributes.

The check crate mounts the learner's file as a module (crate.py). Two things a file says
about the crate as a whole would then change meaning silently, so they are read here first:

- whether it has a `fn main`: without one, rustc builds the file as a library, and so does
  the tutor (the driver then takes no `main`'s address); the learner is told with a note;
- its inner attributes (`#![...]` before the first item). Lints (`allow`, `deny`, …), `doc`
  and `cfg` mean the same on the module, which is all the learner's code: they stay. Those
  only the crate root obeys (`no_std`, `feature`, `recursion_limit`, …) move to the crate
  root, on the line they came from, so they act as rustc would act on the learner's crate.
  Those that make a library of the file (`crate_type`, `no_main`, `crate_name`) are dropped,
  the file graded as a library. Any other crate-level attribute the check crate cannot honour
  (`no_core`) is refused with a message naming its line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Placement(StrEnum):
    """What becomes of one of the learner's inner attributes in the check crate."""

    KEPT = "kept"  # stays on the learner's module, where it means what it meant
    HOISTED = "hoisted"  # moved to the crate root
    DROPPED = "dropped"  # says the file is a library: it is graded as one
    REFUSED = "refused"  # the check crate cannot honour it


_KEPT = frozenset({"allow", "warn", "deny", "forbid", "expect", "doc", "cfg", "cfg_attr"})
_HOISTED = frozenset({"no_std", "feature", "recursion_limit", "type_length_limit", "windows_subsystem",
                      "no_builtins", "compiler_builtins", "needs_panic_runtime", "panic_runtime"})
_DROPPED = frozenset({"crate_type", "crate_name", "no_main"})
_NAME_RE = re.compile(r"#!\s*\[\s*([A-Za-z_][\w:]*)")


@dataclass(frozen=True)
class InnerAttribute:
    line: int  # 1-based, in the learner's file
    start: int  # byte offsets of `#![...]` in the UTF-8 file
    end: int
    text: str  # as written
    name: str  # `no_std`, `allow`, …
    placement: Placement


@dataclass(frozen=True)
class FileShape:
    has_main: bool  # a `fn main` at the top level: a program; else a library
    attributes: tuple[InnerAttribute, ...] = ()

    def placed(self, placement: Placement) -> list[InnerAttribute]:
        return [a for a in self.attributes if a.placement is placement]

    @property
    def no_std(self) -> bool:
        return any(a.name == "no_std" for a in self.placed(Placement.HOISTED))

    @property
    def library(self) -> bool:
        """rustc would build the file as a library (no `main`, or an attribute that says so)."""
        return not self.has_main or bool(self.placed(Placement.DROPPED))

    def notes(self) -> list[str]:
        """What the learner is told about how their file was built (not errors)."""
        found: list[str] = []
        dropped = self.placed(Placement.DROPPED)
        if dropped:
            found.append(f"Line {dropped[0].line}: `{dropped[0].text}` makes your file a library: it is graded as "
                         "one, the hidden tests calling your function directly.")
        elif not self.has_main:
            found.append("Your file has no `fn main`, so rustc builds it as a library (`--crate-type lib`), and "
                         "so does the tutor: the hidden tests call your function directly. To run it yourself, "
                         "add a `fn main`.")
        return found

    def refusal(self) -> InnerAttribute | None:
        return next(iter(self.placed(Placement.REFUSED)), None)


def refusal_message(attribute: InnerAttribute) -> str:
    return (f"Line {attribute.line}: `{attribute.text}` changes how the whole crate is built, and the tutor's "
            "check crate cannot build yours that way. Remove it: nothing in this course needs it.")


def read(source: str) -> FileShape:
    """The shape of the learner's file; a file tree-sitter cannot read is taken as a program
    without crate attributes (rustc's own errors then say what is wrong)."""
    return _read(source)


# A top-level `fn main` as files write it: at the start of a line (a nested one is indented).
_MAIN_RE = re.compile(r'^(?:pub(?:\([^)]*\))?\s+)?(?:(?:unsafe|async|const|extern\s*(?:"[^"]*")?)\s+)*fn\s+main\b', re.M)
_INNER_ATTRIBUTE_RE = re.compile(r"#!\s*\[")


@functools.lru_cache(maxsize=8)
def _read(source: str) -> FileShape:
    if not _INNER_ATTRIBUTE_RE.search(source):
        # No crate-level attribute: no need for the parser (importing it would delay the compile
        # that starts right after); where `fn main` is, a line's start says.
        return FileShape(has_main=_MAIN_RE.search(source) is not None)
    try:
        root = _parser().parse(source.encode("utf-8", errors="replace")).root_node
    except Exception:  # a parser failure is no reason to refuse: build as before
        return FileShape(has_main=True)
    has_main = False
    attributes: list[InnerAttribute] = []
    for node in root.children:
        if node.type == "function_item" and (name := node.child_by_field_name("name")) is not None:
            has_main = has_main or name.text == b"main"
        elif node.type == "inner_attribute_item":
            text = node.text.decode("utf-8", errors="replace")
            match = _NAME_RE.match(text)
            name = match.group(1) if match else ""
            attributes.append(InnerAttribute(node.start_point[0] + 1, node.start_byte, node.end_byte, text, name,
                                             _placement(name)))
    return FileShape(has_main=has_main, attributes=tuple(attributes))


def _placement(name: str) -> Placement:
    if name in _KEPT:
        return Placement.KEPT
    if name in _HOISTED:
        return Placement.HOISTED
    if name in _DROPPED:
        return Placement.DROPPED
    if name in ("no_core",):
        return Placement.REFUSED
    return Placement.KEPT  # an unknown attribute: rustc says so, on the learner's line


@functools.cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_rust

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))
