"""Rust code blocks in lesson Markdown: what each promises (parsed from its tags), and the lesson as shown.

Every fenced block whose info string starts with the word `rust` is a Rust block, and
every Rust block is checked. The conventions are rustdoc's, so an instructor who has
written doc tests already knows them.

Info strings (tags are separated by commas; a value with spaces or commas goes in
double quotes, with `\\"` for a quote inside it)::

    ```rust                      a whole program: must compile on the host and run with exit status 0
    ```rust,no_run               compile only (e.g. it would wait for input or loop)
    ```rust,compile_fail         must fail to compile (any error)
    ```rust,compile_fail,E0133   must fail with that error code (several codes: all must appear)
    ```rust,compile_fail="invalid reference to argument"
                                 must fail, and rustc's output must contain that text
    ```rust,compile_fail="text",E0133    both
    ```rust,arch=aarch64         written for that architecture (x86_64, aarch64): checked with its
                                 toolchain (the host's, or a cross one under emulation); reported
                                 as not checkable where there is none. Untagged blocks must build
                                 and run on every architecture
    ```rust,min_rustc=1.88       only checked with rustc 1.88 or newer; skipped on older
    ```rust,edition2024          compiled with that edition instead of the pack's
    ```rust,ignore="needs nightly"   not checked; the reason is required and reported

The quoted text may not contain a backtick: CommonMark does not allow one in the
info string of a backtick fence (the line would not open a code block at all; the
parser reports such a line). Quote a shorter part of the message, or use a `~~~` fence.

Hidden lines: a line whose first non-blank characters are `# ` (or a line that is just
`#`) is compiled but not shown to the learner; write `##` to show a line that starts
with `#`. Unlike rustdoc there is no automatic `fn main`: give a fragment its
surrounding program with hidden lines.

Expected output: a fence with the info string `output` straight after a Rust block
(blank lines between are fine) states what the program prints on stdout. The program
is run with a time limit and must print exactly that, trailing whitespace aside.
Readers see `output` blocks as plain `text` under an "Output:" line, and a
`compile_fail` block under a line that says it does not compile.

Other fences (`text`, `asm`, `toml`, `sh`, a bare fence) are shown as written and not
checked. An unknown tag in a Rust block is an error: a typo must not switch a check off.

Pure text: the lesson reader shows `display_markdown()`, and `asm-tutor pack check`
compiles and runs what `parse_blocks()` found (asm_tutor.authoring.lesson_blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from asm_tutor.pack.model import ARCHES, EDITIONS

_FENCE_RE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ERROR_CODE_RE = re.compile(r"^E\d{4}$")
_VERSION_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")


@dataclass
class CodeBlock:
    """One fenced Rust block of a lesson, with what it promises."""

    line: int  # 1-based line of the opening fence in the Markdown
    info: str  # the info string as written, e.g. 'rust,compile_fail,E0133'
    source: str  # the program rustc compiles: hidden lines included, `##` unescaped
    shown: str  # what the learner sees
    origin: str = ""  # the lesson's name for messages, e.g. "lessons/06-pitfalls.md"
    tags: tuple[str, ...] = ()  # the raw tags after `rust`
    expected_output: str | None = None  # from a following ```output block
    output_line: int | None = None
    compile_fail: bool = False
    error_codes: tuple[str, ...] = ()
    error_text: str | None = None
    arch: str | None = None
    min_rustc: tuple[int, int, int] | None = None
    edition: str | None = None  # overrides the pack's edition
    ignore_reason: str | None = None
    ignored: bool = False
    no_run: bool = False
    problems: list[str] = field(default_factory=list)  # malformed tags and the like

    @property
    def where(self) -> str:
        return f"{self.origin}:{self.line}" if self.origin else f"line {self.line}"

    @property
    def expected_error(self) -> str | None:
        """The expected failure in words, for messages; None for a block that must compile."""
        if not self.compile_fail:
            return None
        parts = list(self.error_codes)
        if self.error_text is not None:
            parts.append(repr(self.error_text))
        return " and ".join(parts) if parts else "any error"


# -- parsing ------------------------------------------------------------------


def split_info(info: str) -> list[tuple[str, str | None]]:
    """`rust,compile_fail="a, b",E0133` -> [("rust", None), ("compile_fail", "a, b"), ("E0133", None)].

    Tags are separated by commas or spaces; a value may be double-quoted."""
    tags: list[tuple[str, str | None]] = []
    i, n = 0, len(info)
    while i < n:
        if info[i] in ", \t":
            i += 1
            continue
        start = i
        while i < n and info[i] not in ",= \t":
            i += 1
        key = info[start:i]
        value: str | None = None
        if i < n and info[i] == "=":
            i += 1
            if i < n and info[i] == '"':
                i += 1
                chars: list[str] = []
                while i < n and info[i] != '"':
                    if info[i] == "\\" and i + 1 < n:
                        i += 1
                    chars.append(info[i])
                    i += 1
                i += 1  # the closing quote (or the end)
                value = "".join(chars)
            else:
                start = i
                while i < n and info[i] not in ", \t":
                    i += 1
                value = info[start:i]
        tags.append((key, value))
    return tags


def _lang(info: str) -> str:
    tags = split_info(info.strip())
    return tags[0][0].lower() if tags else ""


def _unhide(line: str) -> tuple[bool, str]:
    """rustdoc's hidden-line rule: (hidden?, line as compiled)."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith("##"):
        return False, indent + stripped[1:]
    if stripped.startswith("# "):
        return True, indent + stripped[2:]
    if stripped.rstrip() == "#":
        return True, ""
    return False, line


@dataclass
class _Fence:
    line: int  # 1-based line of the opening fence
    indent: str
    marker: str
    info: str
    body: list[str]
    end: int  # index (0-based) of the closing fence line, or len(lines) if unclosed
    closed: bool


def _fences(lines: list[str]) -> list[_Fence]:
    found: list[_Fence] = []
    i = 0
    while i < len(lines):
        m = _FENCE_RE.match(lines[i])
        if not m or (m.group("fence")[0] == "`" and "`" in m.group("info")):
            i += 1
            continue
        marker = m.group("fence")
        indent = m.group("indent")
        body: list[str] = []
        j = i + 1
        closed = False
        while j < len(lines):
            close = re.match(r"^ {0,3}(`{3,}|~{3,})\s*$", lines[j])
            if close and close.group(1)[0] == marker[0] and len(close.group(1)) >= len(marker):
                closed = True
                break
            text = lines[j]
            # Content is de-indented by the fence's own indentation (CommonMark).
            k = 0
            while k < len(indent) and k < len(text) and text[k] == " ":
                k += 1
            body.append(text[k:])
            j += 1
        found.append(_Fence(i + 1, indent, marker, m.group("info").strip(), body, j, closed))
        i = j + 1
    return found


def _parse_version(text: str) -> tuple[int, int, int] | None:
    if not _VERSION_RE.match(text):
        return None
    nums = [int(p) for p in text.split(".")] + [0]
    return nums[0], nums[1], nums[2]


def _apply_tags(block: CodeBlock, tags: list[tuple[str, str | None]]) -> None:
    for key, value in tags:
        if _ERROR_CODE_RE.match(key) and value is None:
            block.error_codes += (key,)
        elif key == "compile_fail":
            block.compile_fail = True
            if value is not None:
                if not value:
                    block.problems.append("`compile_fail=` needs the expected error text in quotes")
                else:
                    block.error_text = value
        elif key == "arch":
            if value not in ARCHES:
                block.problems.append(f"`arch={value or ''}` is not a known architecture (known: {', '.join(ARCHES)})")
            else:
                block.arch = value
        elif key == "min_rustc":
            version = _parse_version(value or "")
            if version is None:
                block.problems.append(f"`min_rustc={value or ''}` is not a version like 1.88")
            else:
                block.min_rustc = version
        elif key.startswith("edition") and value is None:
            edition = key.removeprefix("edition")
            if edition not in EDITIONS:
                block.problems.append(f"`{key}` is not an edition (known: {', '.join('edition' + e for e in EDITIONS)})")
            else:
                block.edition = edition
        elif key == "ignore":
            block.ignored = True
            if value:
                block.ignore_reason = value
            else:
                block.problems.append('`ignore` needs a reason, e.g. ignore="needs nightly"')
        elif key == "no_run" and value is None:
            block.no_run = True
        else:
            shown = key if value is None else f"{key}={value}"
            block.problems.append(
                f"unknown tag `{shown}` (known: no_run, compile_fail, E0000 codes, arch=, min_rustc=, editionNNNN, ignore=)"
            )
    if block.error_codes and not block.compile_fail:
        block.problems.append(f"the error code {', '.join(block.error_codes)} needs `compile_fail` too")
    if block.compile_fail and block.no_run:
        block.problems.append("`no_run` and `compile_fail` together make no sense")


def parse_blocks(markdown: str, origin: str = "") -> list[CodeBlock]:
    """Every Rust block of a lesson, in order, with its expected output or error.

    `origin` names the lesson in messages (e.g. "lessons/06-pitfalls.md")."""
    lines = markdown.splitlines()
    fences = _fences(lines)
    blocks: list[CodeBlock] = []
    inside = {n for f in fences for n in range(f.line, f.end + 2)}
    for number, text in enumerate(lines, start=1):
        m = _FENCE_RE.match(text)
        if (number not in inside and m and m.group("fence")[0] == "`"
                and _lang(m.group("info")) == "rust" and "`" in m.group("info")):
            bad = CodeBlock(line=number, info=m.group("info").strip(), source="", shown="", origin=origin)
            bad.problems.append("a backtick in the info string of a ``` fence: CommonMark does not read "
                                "this line as a code block; quote text without backticks or use a ~~~ fence")
            blocks.append(bad)
    previous: CodeBlock | None = None
    previous_end = -1
    for fence in fences:
        lang = _lang(fence.info)
        if lang == "output":
            between = lines[previous_end + 1 : fence.line - 1] if previous is not None else []
            if previous is None or any(ln.strip() for ln in between):
                # An output block that follows no Rust block states nothing checkable.
                orphan = CodeBlock(line=fence.line, info=fence.info, source="", shown="", origin=origin)
                orphan.problems.append("an ```output block must come straight after a ```rust block")
                blocks.append(orphan)
            elif previous.expected_output is not None:
                previous.problems.append(f"a second ```output block at line {fence.line}")
            else:
                previous.expected_output = "\n".join(fence.body)
                previous.output_line = fence.line
            previous = None
            continue
        previous = None
        if lang != "rust":
            continue
        compiled: list[str] = []
        shown: list[str] = []
        for text in fence.body:
            hidden, code = _unhide(text)
            compiled.append(code)
            if not hidden:
                shown.append(code)
        tags = split_info(fence.info)[1:]
        block = CodeBlock(
            line=fence.line, info=fence.info, source="\n".join(compiled) + "\n",
            shown="\n".join(shown), origin=origin,
            tags=tuple(k if v is None else f"{k}={v}" for k, v in tags),
        )
        _apply_tags(block, tags)
        if not fence.closed:
            block.problems.append("the code fence is never closed")
        blocks.append(block)
        previous, previous_end = block, fence.end
    blocks.sort(key=lambda b: b.line)
    for block in blocks:
        if block.expected_output is not None and (block.compile_fail or block.no_run):
            block.problems.append("an ```output block cannot follow a compile_fail or no_run block")
    return blocks


OUTPUT_LABEL = "**Output:**"


def _compile_fail_label(info: str) -> str | None:
    """The line shown above a block that must not compile, with the error it expects; None for others."""
    block = CodeBlock(line=0, info=info, source="", shown="")
    _apply_tags(block, split_info(info)[1:])
    if not block.compile_fail:
        return None
    expected = list(block.error_codes)
    if block.error_text is not None:  # never holds a backtick (see the module notes), so inline code is safe
        expected.append(f"rustc says “`{block.error_text}`”")
    return "**✗ Does not compile**" + (f" ({'; '.join(expected)})" if expected else "") + ":"


def display_markdown(markdown: str) -> str:
    """The lesson as the reader shows it: hidden lines gone, Rust info strings reduced to
    `rust` (so highlighting works), `output` blocks shown as `text`. A line above an `output`
    block and above a `compile_fail` block says what it is: in a terminal both look like code."""
    lines = markdown.splitlines()
    out: list[str] = []
    i = 0
    for fence in _fences(lines):
        lang = _lang(fence.info)
        if lang not in ("rust", "output"):
            continue  # shown exactly as written
        start = fence.line - 1
        out.extend(lines[i:start])
        label = OUTPUT_LABEL if lang == "output" else _compile_fail_label(fence.info)
        if label is not None:
            # A paragraph of its own (a blank line keeps it out of any paragraph above);
            # the fence may follow it directly.
            if out and out[-1].strip():
                out.append("")
            out.append(fence.indent + label)
        if lang == "rust":
            out.append(f"{fence.indent}{fence.marker}rust")
            out.extend(fence.indent + code for hidden, code in map(_unhide, fence.body) if not hidden)
        else:
            out.append(f"{fence.indent}{fence.marker}text")
            out.extend(fence.indent + text for text in fence.body)
        if fence.closed:
            out.append(lines[fence.end])
        i = fence.end + 1
    out.extend(lines[i:])
    text = "\n".join(out)
    return text + "\n" if markdown.endswith("\n") else text
