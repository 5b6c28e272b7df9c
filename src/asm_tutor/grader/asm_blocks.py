"""The learner's `asm!` blocks as written: template, operands, options, from the source (tree-sitter).

The contract checker (contract.py) needs what each block promises, and only the
source says it: which operands are inputs, outputs, `lateout`s or clobbers, which
registers are named, which options are given. tree-sitter's Rust grammar gives the
tokens of each `asm!(...)` invocation (comments, raw strings and nesting handled);
this module reads them the way rustc's `asm!` parser does, and gives up quietly on
anything it does not understand (that block is then not checked).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Any

from asm_tutor.grader import guards

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
    bits: int = 0  # the width of the Rust value going in, when the source says it (`len as u32`, `n: u32`)
    cfg: str = ""  # a `#[cfg(...)]` on the operand: its predicate

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
    column: int = 0  # 1-based column of the invocation, as rustc counts it
    problem: str = ""  # why the checker cannot read this block ("": it can)
    pieces: tuple[tuple[str, str], ...] = ()  # the template strings, each with its `cfg` predicate ("" if none)
    guards: frozenset[str] = frozenset()  # CPU features the code makes sure of before the block runs

    def for_arch(self, arch: str) -> AsmBlock:
        """The block as rustc compiles it for `arch`: template strings and operands under a false
        `#[cfg]` left out (one the checker cannot decide makes the block unreadable)."""
        if not any(cfg for cfg, _ in self.pieces) and not any(op.cfg for op in self.operands):
            return self
        holds = {cfg: cfg_holds(cfg, arch) for cfg in {c for c, _ in self.pieces} | {op.cfg for op in self.operands}}
        if None in holds.values():
            return dataclasses.replace(self, problem="a `#[cfg]` in it tests something other than `target_arch`")
        pieces = tuple(p for p in self.pieces if holds[p[0]])
        return dataclasses.replace(self, pieces=pieces, template="\n".join(text for _, text in pieces),
                                   operands=tuple(op for op in self.operands if holds[op.cfg]))

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

    def modifiers(self) -> dict[str, set[str]]:
        """Each placeholder's modifiers as the template uses it (`{n:e}` → {"n": {"e"}}; "" for none)."""
        found: dict[str, set[str]] = {}
        counter = 0
        for match in _PLACEHOLDER_RE.finditer(self.template):
            if match.group(0) in ("{{", "}}"):
                continue
            label = match.group(1).strip()
            if not label:
                label, counter = str(counter), counter + 1
            found.setdefault(label, set()).add((match.group(2) or "").strip())
        return found

    def template_lines(self, arch: str = "x86_64") -> list[str]:
        """The template's instruction lines, each placeholder as `{name}` (modifier dropped,
        `{}` numbered), comments, labels and directives left out. Several instructions may share
        a line (`;`); `#` starts a comment on x86 (on aarch64 it marks an immediate), `//` on both."""
        lines: list[str] = []
        counter = 0
        text = re.sub(r"/\*.*?\*/", " ", self.template, flags=re.S)
        physical = [line.split("//")[0] for line in text.split("\n")]
        if arch != "aarch64":
            physical = [line.split("#")[0] for line in physical]
        for raw in ";".join(physical).split(";"):

            def name(match: re.Match[str]) -> str:
                nonlocal counter
                if match.group(0) in ("{{", "}}"):
                    return match.group(0)[0]
                label = match.group(1).strip()
                if not label:
                    label, counter = str(counter), counter + 1
                return "{" + label + "}"

            line = _LABELS_RE.sub("", _PLACEHOLDER_RE.sub(name, raw)).strip()
            if not line or line.startswith("."):
                continue
            lines.append(line)
        return lines


# Labels before an instruction on its line (`1:`, `again:`, `2: dec rcx`).
_LABELS_RE = re.compile(r"^(?:\s*[A-Za-z0-9_.$]+:)+")
_CFG_ARCH_RE = re.compile(r'^target_arch\s*=\s*"([^"]*)"$')


def cfg_holds(predicate: str, arch: str) -> bool | None:
    """Whether a `cfg` predicate holds for `arch` ("" always does); None when it tests more than the
    architecture (`all`, `any` and `not` of `target_arch = "..."` are read)."""
    predicate = predicate.strip()
    if not predicate:
        return True
    if match := _CFG_ARCH_RE.match(predicate):
        return match.group(1) == arch
    match = re.fullmatch(r"(all|any|not)\s*\((.*)\)", predicate, re.S)
    if match is None:
        return None
    parts = [cfg_holds(part, arch) for part in split_operands(match.group(2)) if part]
    if None in parts:
        return None
    if match.group(1) == "not":
        return not parts[0] if len(parts) == 1 else None
    return all(parts) if match.group(1) == "all" else any(parts)


def split_operands(text: str) -> list[str]:
    """`text` split at the commas outside any brackets, parentheses or braces, each piece
    stripped (a template line's operands, AT&T or Intel; a cfg's `any(...)` arguments)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if current.strip() else parts


def find_blocks(source: str) -> list[AsmBlock]:
    """Every `asm!` and `naked_asm!` block in the file, in source order; [] when the file does not parse."""
    return list(_blocks(source))


@functools.lru_cache(maxsize=8)
def _blocks(source: str) -> tuple[AsmBlock, ...]:
    # One check asks several times (the source checks, the promises at each level, which
    # functions are naked): the file is parsed once. The blocks are frozen, so they are shared.
    return tuple(block for node in _macros(source) if (block := _read(node, source)) is not None)


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


def _read(node: Any, source: str) -> AsmBlock | None:
    tree = next((c for c in node.children if c.type == "token_tree"), None)
    if tree is None:
        return None
    row, byte_column = node.start_point
    line_text = source.encode("utf-8", errors="replace").split(b"\n")[row] if source else b""
    column = len(line_text[:byte_column].decode("utf-8", errors="replace")) + 1
    function = _function(node)
    pieces: list[tuple[str, str]] = []
    operands: list[Operand] = []
    options: set[str] = set()
    abis: list[str] = []
    problem = ""
    for item in _split(tree.children[1:-1]):
        cfg = ""
        if len(item) > 2 and item[0].type == "#" and item[1].type == "token_tree":
            attribute = item[1].text.decode()[1:-1].strip()
            match = re.fullmatch(r"cfg\s*\((.*)\)", attribute, re.S)
            if match is None:
                problem = problem or f"it has the attribute `#[{attribute}]`, which the checker does not read"
            cfg, item = (match.group(1) if match else ""), item[2:]
        text = _template_piece(item) if not operands else None
        if text is not None:
            pieces.append((cfg, text))
            continue
        if not operands and _looks_like_template(item):
            problem = problem or "its template is built by a macro the checker does not read (only `concat!` of strings)"
            continue
        words = [t.text.decode() for t in item]
        if words[:1] == ["options"] and len(item) == 2:
            options |= {w for w in re.findall(r"[a-z_]+", words[1])}
        elif words[:1] == ["clobber_abi"] and len(item) == 2:
            abis += re.findall(r'"([^"]*)"', words[1])
        else:
            operand = _operand(item, node)
            if operand is None:
                problem = problem or f"the checker cannot read its operand `{' '.join(words)}`"
                continue
            operands.append(dataclasses.replace(operand, cfg=cfg) if cfg else operand)
    return AsmBlock(function=function, line=row + 1, guards=guards.of(node, function, source),
                    template="\n".join(text for _, text in pieces), operands=tuple(operands),
                    options=frozenset(options), clobber_abis=tuple(abis),
                    naked=_macro_name(node) == "naked_asm", column=column, problem=problem, pieces=tuple(pieces))


def _template_piece(item: list[Any]) -> str | None:
    """A template argument's text: string literals, raw strings, `concat!` of them; else None."""
    if item and all(t.type in ("string_literal", "raw_string_literal") for t in item):
        decoded = [_string(t) for t in item]
        return None if any(d is None for d in decoded) else "".join(d for d in decoded if d is not None)
    if len(item) == 3 and item[0].text == b"concat" and item[1].type == "!" and item[2].type == "token_tree":
        parts = [_template_piece(part) for part in _split(item[2].children[1:-1])]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    return None


def _looks_like_template(item: list[Any]) -> bool:
    """A macro call in the template's place (`include_str!`, the learner's own macro)."""
    return len(item) >= 2 and item[0].type == "identifier" and item[1].type == "!"


def _split(tokens: list[Any]) -> list[list[Any]]:
    """The invocation's arguments: its tokens split at the top-level commas."""
    items: list[list[Any]] = [[]]
    for token in tokens:
        if token.type == ",":
            items.append([])
        elif token.type not in ("line_comment", "block_comment"):
            items[-1].append(token)
    return [item for item in items if item]


def _operand(item: list[Any], node: Any) -> Operand | None:
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
    return Operand(direction, name, register, reg_class, discarded, _bits(rest, node))


_INT_BITS = {f"{sign}{bits}": int(bits) for sign in "ui" for bits in ("8", "16", "32", "64")} \
    | {"usize": 64, "isize": 64}  # both targets graded are 64-bit


def _bits(expression: list[str], node: Any) -> int:
    """The width of an input's value when the source says it: a cast (`len as u32`), or a
    parameter or `let` of the function typed as an integer (`len: u32`)."""
    value = expression[:expression.index("=>")] if "=>" in expression else expression
    if len(value) >= 3 and value[-2] == "as":
        return _INT_BITS.get(value[-1], 0)
    if value[-3:] == ["len", "(", ")"]:
        return 64  # a slice's or a string's `.len()`: a usize
    if len(value) != 1 or not re.fullmatch(r"[A-Za-z_]\w*", value[0]):
        return 0
    while node is not None and node.type not in ("function_item", "closure_expression"):
        node = node.parent
    if node is None:
        return 0
    text = node.text.decode(errors="replace")
    typed = re.search(rf"\b{value[0]}\s*:\s*([ui](?:8|16|32|64|size))\b", text) \
        or re.search(rf"\blet\s+(?:mut\s+)?{value[0]}\s*=[^;]*\bas\s+([ui](?:8|16|32|64|size))\s*;", text)
    if typed:
        return _INT_BITS[typed.group(1)]
    return 64 if re.search(rf"\blet\s+(?:mut\s+)?{value[0]}\s*=[^;]*\.len\(\)\s*;", text) else 0


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
