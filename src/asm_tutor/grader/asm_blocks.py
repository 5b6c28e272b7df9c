"""The learner's `asm!` blocks as written: template, operands, options, from the source (tree-sitter).

The contract checker (contract.py) needs what each block promises, and only the
source says it: which operands are inputs, outputs, `lateout`s or clobbers, which
registers are named, which options are given. tree-sitter's Rust grammar gives the
tokens of each `asm!(...)` invocation (comments, raw strings and nesting handled);
this module reads them the way rustc's `asm!` parser does, and gives up quietly on
anything it does not understand (that block is then not checked).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

_DIRECTIONS = frozenset({"in", "out", "lateout", "inout", "inlateout", "const", "sym", "label"})
_WRITES = frozenset({"out", "lateout", "inout", "inlateout"})
_PLACEHOLDER_RE = re.compile(r"\{\{|\}\}|\{([^{}:]*)(?::([^{}]*))?\}")


@dataclass(frozen=True)
class Operand:
    direction: str  # in, out, lateout, inout, inlateout, const, sym, label
    name: str | None  # `x` in `x = in(reg) x`; None for a positional one
    register: str | None  # an explicit register, e.g. "rax"; None for a register class
    reg_class: str | None  # e.g. "reg"; None for an explicit register
    discarded: bool = False  # `out(reg) _`, `inout(reg) x => _`: a scratch register (a clobber)

    @property
    def writes(self) -> bool:
        """The block may write its register (an output, or a clobber)."""
        return self.direction in _WRITES

    @property
    def reads(self) -> bool:
        return self.direction in ("in", "inout", "inlateout")

    @property
    def late(self) -> bool:
        """Written only after every input is read (so it may share an input's register)."""
        return self.direction in ("lateout", "inlateout")


@dataclass(frozen=True)
class AsmBlock:
    function: str  # the name of the function it is in
    line: int  # 1-based line of `asm!` in the learner's file
    template: str  # the template strings joined by newlines, escapes decoded
    operands: tuple[Operand, ...]
    options: frozenset[str]
    clobber_abis: tuple[str, ...]
    naked: bool = False  # a `naked_asm!` block: the whole body of a naked function

    def placeholders(self) -> dict[str, Operand]:
        """Operands the template can name: `{x}` by name, `{0}` by position."""
        found: dict[str, Operand] = {}
        positional = [op for op in self.operands if op.name is None and op.register is None]
        for index, op in enumerate(positional):
            found[str(index)] = op
        for op in self.operands:
            if op.name is not None:
                found[op.name] = op
        return found

    def template_lines(self) -> list[str]:
        """The template's instruction lines, each placeholder as `{name}` (modifier dropped,
        `{}` numbered), comments, labels and directives left out."""
        lines: list[str] = []
        counter = 0
        for raw in self.template.replace(";", "\n").split("\n"):

            def name(match: re.Match[str]) -> str:
                nonlocal counter
                if match.group(0) in ("{{", "}}"):
                    return match.group(0)[0]
                label = match.group(1).strip()
                if not label:
                    label, counter = str(counter), counter + 1
                return "{" + label + "}"

            text = re.sub(r"/\*.*?\*/", " ", raw).split("//")[0]
            text = _PLACEHOLDER_RE.sub(name, text).strip()
            if not text or text.endswith(":") or text.startswith("."):
                continue
            lines.append(text)
        return lines


def find_blocks(source: str) -> list[AsmBlock]:
    """Every `asm!` and `naked_asm!` block in the file, in source order; [] when the file does not parse."""
    return list(_blocks(source))


@functools.lru_cache(maxsize=8)
def _blocks(source: str) -> tuple[AsmBlock, ...]:
    # One check asks several times (the source checks, the promises at each level, which
    # functions are naked): the file is parsed once. The blocks are frozen, so they are shared.
    return tuple(block for node in _macros(source) if (block := _read(node)) is not None)


def naked_functions(source: str) -> frozenset[str]:
    """The functions whose body is a `naked_asm!` block: all their code is the learner's assembly."""
    if "naked_asm" not in source:  # most files: no parse needed
        return frozenset()
    return frozenset(block.function for block in find_blocks(source) if block.naked)


def _macros(source: str) -> list[Any]:
    """The `asm!` and `naked_asm!` invocations (also written `std::arch::asm!`), in source order."""
    try:
        tree = _parser().parse(source.encode("utf-8", errors="replace"))
    except Exception:  # tree-sitter gives up on nothing, but a block that is not read is only not checked
        return []
    found: list[Any] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "macro_invocation" and _macro_name(node) in ("asm", "naked_asm"):
            found.append(node)
        stack.extend(reversed(node.children))
    return found


@functools.cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_rust

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))


def _macro_name(node: Any) -> str | None:
    macro = node.child_by_field_name("macro")
    return None if macro is None else macro.text.decode().replace(" ", "").split("::")[-1]


def _function(node: Any) -> str:
    while node is not None:
        if node.type == "function_item":
            name = node.child_by_field_name("name")
            return name.text.decode() if name is not None else ""
        node = node.parent
    return ""


def _read(node: Any) -> AsmBlock | None:
    tree = next((c for c in node.children if c.type == "token_tree"), None)
    if tree is None:
        return None
    items = _split(tree.children[1:-1])
    pieces: list[str] = []
    operands: list[Operand] = []
    options: set[str] = set()
    abis: list[str] = []
    for item in items:
        if all(t.type in ("string_literal", "raw_string_literal") for t in item) and not operands and item:
            decoded = [_string(t) for t in item]
            if any(d is None for d in decoded):
                return None
            pieces.append("".join(d for d in decoded if d is not None))
            continue
        words = [t.text.decode() for t in item]
        if words[:1] == ["options"] and len(item) == 2:
            options |= {w for w in re.findall(r"[a-z_]+", words[1])}
        elif words[:1] == ["clobber_abi"] and len(item) == 2:
            abis += re.findall(r'"([^"]*)"', words[1])
        else:
            operand = _operand(item)
            if operand is None:
                return None
            operands.append(operand)
    return AsmBlock(function=_function(node), line=node.start_point[0] + 1, template="\n".join(pieces),
                    operands=tuple(operands), options=frozenset(options), clobber_abis=tuple(abis),
                    naked=_macro_name(node) == "naked_asm")


def _split(tokens: list[Any]) -> list[list[Any]]:
    """The invocation's arguments: its tokens split at the top-level commas."""
    items: list[list[Any]] = [[]]
    for token in tokens:
        if token.type == ",":
            items.append([])
        elif token.type not in ("line_comment", "block_comment"):
            items[-1].append(token)
    return [item for item in items if item]


def _operand(item: list[Any]) -> Operand | None:
    words = [t.text.decode() for t in item]
    name = None
    if len(words) > 2 and words[1] == "=" and words[2] in _DIRECTIONS:
        name, item, words = words[0], item[2:], words[2:]
    if not words or words[0] not in _DIRECTIONS:
        return None
    direction = words[0]
    if direction in ("const", "sym", "label"):
        return Operand(direction, name, None, None)
    if len(item) < 3 or item[1].type != "token_tree":
        return None
    spec = words[1][1:-1].strip()
    register = reg_class = None
    if spec.startswith('"'):
        register = spec.strip('"').lower()
    else:
        reg_class = spec
    rest = words[2:]
    discarded = rest == ["_"] or (len(rest) >= 2 and rest[-2:] == ["=>", "_"])
    return Operand(direction, name, register, reg_class, discarded)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def _string(token: Any) -> str | None:
    """The value of a string literal token (None for one it cannot read, e.g. a byte string)."""
    text = token.text.decode()
    if token.type == "raw_string_literal":
        match = re.fullmatch(r'r(#*)"(.*)"\1', text, re.S)
        return match.group(2) if match else None
    if not text.startswith('"') or not text.endswith('"'):
        return None
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif nxt == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3:end], 16)))
            i = end + 1
        elif nxt == "\n":  # a line continuation: the newline and the next line's indentation go
            i += 2
            while i < len(body) and body[i] in " \t\n\r":
                i += 1
        else:
            return None
    return "".join(out)
