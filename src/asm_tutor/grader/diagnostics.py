"""rustc's JSON diagnostics → Diagnostic records in the learner's own file, with hints.

The compiled `solution.rs` is the learner's text unchanged, followed by the
generated driver. A span on a line the learner wrote maps one to one; a span
past it is in the driver and must never be shown as a line of the learner's
file, so those become one plain sentence about the required function instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asm_tutor.grader import own_hints
from asm_tutor.grader.crate import LEARNER_FILE, ROOT_FILE
from asm_tutor.grader.result import Diagnostic
from asm_tutor.pack.model import ErrorHint, Signature

_NOISE = re.compile(r"^(aborting due to|For more information about|Some errors have detailed explanations"
                    r"|\d+ warnings? emitted|due to multiple output types)")
# AT&T syntax in an Intel-syntax template: `%rax`-style registers or `$5`-style immediates.
_ATT_RE = re.compile(r"%[a-z]{1,2}[a-z0-9]{1,3}\b|\$-?(?:0x)?[0-9a-f]+\b|\b[a-z]{2,6}[qlwb]\s+%")
_SUFFIXED_MNEMONICS = own_hints.SIZE_SUFFIXED | {"movs", "movz", "cmov"}

HINT_UNSAFE = ("asm! is always unsafe: wrap it in `unsafe { ... }` and say in a `// SAFETY:` comment "
               "why the block is sound.")
HINT_NO_OPERAND = ("Every `{...}` placeholder in the template needs an operand: add one (e.g. `x = in(reg) x`) "
                   "or fix the placeholder's name or number.")
HINT_ATT = ("This looks like AT&T syntax (`%rax`, `$5`, `addq src, dst`). Rust's asm! uses Intel syntax on "
            "x86: write {example} (destination first, no `%`/`$`, no size suffix), or add `options(att_syntax)`.")
ATT_EXAMPLE = "`add {0}, 5`"  # when the learner's line cannot be read back
HINT_RBX = ("rbx cannot be an operand. Use a `reg` operand: `mov {tmp:r}, rbx` before the instruction "
            "and `xchg {tmp:r}, rbx` after it, with `tmp = out(reg) value`.")
HINT_PURE = ("`pure` promises the block has no side effects, which only makes sense together with "
             "`nomem` (touches no memory) or `readonly` (only reads it).")
HINT_UNUSED = ("Every operand must be used in the template. Use it (`{name}`), remove it, or mention "
               "it in an asm comment like `/* {name} */` if it is only there to reserve a register.")
HINT_CONFLICT = ("Two operands ask for the same register. An `out` register is written while inputs are "
                 "still being read, so it cannot share one with an input: use `lateout` (written only "
                 "after all inputs are read), or `inout` to use one register both ways.")

HINT_DUPLICATE_LABEL = ("The assembler met the label `{label}` twice: your block was copied into the program more "
                        "than once (inlined into several callers, or in a generic or `#[inline(always)]` function), "
                        "and a named label may be defined only once. Use a numeric local label instead: `2:`, "
                        "jumped to with `2b` (backward) or `2f` (forward), which each copy defines afresh. See the "
                        "lesson “Labels and control flow”, section “Why not a named label”.")
_DUPLICATE_LABEL_RE = re.compile(r"symbol '([^']+)' is already defined")


@dataclass(frozen=True)
class SourceMap:
    """How the compiled files relate to the learner's."""

    learner_lines: int  # lines of the learner's text; later lines of solution.rs are the driver
    display_name: str  # what to call the learner's file in rendered text
    temp_dir: str  # the build folder, to hide from rendered text
    signature: Signature
    signature_line: int  # line of the driver's `static … = super::<name>;` (the type check)
    main_line: int  # line of the driver's reference to the learner's `main`
    # Lines of the crate root that hold the learner's crate-level attributes → their line (crate.write).
    root_lines: Mapping[int, int] = field(default_factory=dict)


def parse(stderr: str, source_map: SourceMap, error_hints: Iterable[ErrorHint]) -> list[Diagnostic]:
    """Diagnostics from rustc's `--error-format=json` stderr, mapped, hinted and deduplicated."""
    hints = tuple(error_hints)
    found: list[Diagnostic] = []
    driver_errors: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        data = _load(line)
        if data is None or data.get("$message_type", "diagnostic") != "diagnostic":
            continue
        level = str(data.get("level", "error"))
        message = str(data.get("message", ""))
        if level not in ("error", "warning") or _NOISE.match(message):
            continue
        code = (data.get("code") or {}).get("code")
        span = _learner_span(data.get("spans") or [], source_map)
        if span is None and "delimiter" in message:
            # An unclosed `{` is reported at the end of the file, which is the driver's end;
            # the label that matters is on the learner's opening delimiter.
            span = _learner_span([dict(s, is_primary=True) for s in data.get("spans") or []], source_map)
        if span is None and _in_driver(data.get("spans") or [], source_map):
            if level == "error":
                driver_errors.append(data)
            continue
        diag = Diagnostic(
            level=level, message=message, code=code,
            line=span[0] if span else None, column=span[1] if span else None,
            rendered=_rendered(str(data.get("rendered") or ""), source_map),
        )
        diag.hint = _hint(data, diag, hints, source_map.signature.name)
        found.append(diag)
    return _dedupe(found + _driver_diagnostics(driver_errors, source_map))


def _load(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _learner_span(spans: list[dict[str, Any]], source_map: SourceMap) -> tuple[int, int] | None:
    """(line, column) of the primary span in the learner's file, following macro expansions out."""
    for span in spans:
        if not span.get("is_primary"):
            continue
        current: dict[str, Any] | None = span
        while current is not None:
            if _is_learner(current, source_map):
                return int(current["line_start"]), int(current["column_start"])
            if _is_root(current) and int(current.get("line_start", 0)) in source_map.root_lines:
                return source_map.root_lines[int(current["line_start"])], int(current["column_start"])
            expansion = current.get("expansion") or {}
            current = expansion.get("span")
    return None


def _is_learner(span: dict[str, Any], source_map: SourceMap) -> bool:
    name = str(span.get("file_name", ""))
    return (name == LEARNER_FILE or name.endswith("/" + LEARNER_FILE)) and \
        int(span.get("line_start", 0)) <= source_map.learner_lines


def _is_root(span: dict[str, Any]) -> bool:
    name = str(span.get("file_name", ""))
    return name == ROOT_FILE or name.endswith("/" + ROOT_FILE)


def _in_driver(spans: list[dict[str, Any]], source_map: SourceMap) -> bool:
    for span in spans:
        name = str(span.get("file_name", ""))
        if _is_root(span):
            return int(span.get("line_start", 0)) not in source_map.root_lines
        if (name == LEARNER_FILE or name.endswith("/" + LEARNER_FILE)) and \
                int(span.get("line_start", 0)) > source_map.learner_lines:
            return True
    return False


def _driver_diagnostics(errors: list[dict[str, Any]], source_map: SourceMap) -> list[Diagnostic]:
    """Errors inside the generated driver, said once, in terms of what the learner must write.

    A missing function or a wrong signature makes many driver lines fail; those
    follow from the first cause and are not repeated.
    """
    sig = source_map.signature
    expected = sig.render()
    missing = signature = main = None
    others: list[Diagnostic] = []
    for data in errors:
        code = (data.get("code") or {}).get("code")
        message = str(data.get("message", ""))
        lines = {int(s.get("line_start", 0)) for s in data.get("spans") or []}
        if f"`{sig.name}`" in message and (code in ("E0425", "E0432", "E0603") or "cannot find" in message):
            missing = missing or (code, message)
        elif source_map.signature_line in lines:
            signature = signature or (code, message)
        elif source_map.main_line in lines:
            main = main or (code, message)
        else:
            text = f"The hidden tests could not be built with your code: {message}"
            others.append(Diagnostic(level="error", message=text, code=code, rendered=text))
    if missing is not None:
        text = f"Define `{expected}` at the top level of your file (not inside another function or module)."
        hint = f"The tests call `{sig.name}` with exactly this signature: `{expected}`."
        return [Diagnostic(level="error", message=text, code=missing[0], hint=hint, rendered=text)]
    if signature is not None:
        text = f"`{sig.name}` has the wrong signature: expected exactly `{expected}`."
        kind = f'declared `{sig.extern.strip()}` (not `unsafe`)' if sig.abi else "a plain `fn` (not `unsafe fn` or `extern`)"
        hint = f"Check the parameter types, the return type, and that it is {kind}."
        return [Diagnostic(level="error", message=text, code=signature[0], hint=hint, rendered=text)]
    if main is not None:
        missing_main = main[0] == "E0425" or "cannot find" in main[1]
        text = ("Your file has no `fn main`: the tutor builds your file as rustc would, as a program, and a "
                "program needs one." if missing_main else
                "Your `main` is not a plain `fn main()`: rustc would not accept it as a program's entry point.")
        hint = "Keep the starter's `fn main() { ... }` (the hidden tests never run it, but rustc compiles it)."
        return [Diagnostic(level="error", message=text, code=main[0], hint=hint, rendered=text)]
    return others


def _rendered(text: str, source_map: SourceMap) -> str:
    text = text.replace(source_map.temp_dir.rstrip("/") + "/", "")
    return re.sub(rf"(?<![\w/.]){re.escape(LEARNER_FILE)}(?=:\d)", source_map.display_name, text)


def _hint(data: dict[str, Any], diag: Diagnostic, hints: tuple[ErrorHint, ...], function: str) -> str | None:
    """The exercise's own hint first (its author knows best), then the built-in ones; the hints
    built from the learner's own code (own_hints) where those say more."""
    message = diag.message
    if called := own_hints.unsafe_call(message):  # E0133 too, but not about asm!: the author's E0133 hint misleads
        return own_hints.hint_unsafe_call(called, function)
    for hint in hints:
        if hint.match == diag.code or hint.match in diag.message:
            return _with_att_example(hint.hint, data)
    if diag.code == "E0384" and (operand := own_hints.immutable_operand(data, message)):
        return own_hints.hint_immutable(operand, operand.rsplit(None, 1)[-1])
    if diag.code == "E0133":
        return HINT_UNSAFE
    if message.startswith(("invalid reference to argument", "there is no argument named")):
        return HINT_NO_OPERAND
    if "is used internally by LLVM" in message:
        return HINT_RBX
    if "`pure` option must be combined" in message:
        return HINT_PURE
    if message in ("argument never used", "named argument never used", "multiple unused asm arguments"):
        return HINT_UNUSED
    if re.match(r"register `\w+` conflicts with register `\w+`", message):
        return HINT_CONFLICT
    if duplicate := _DUPLICATE_LABEL_RE.search(message):
        return HINT_DUPLICATE_LABEL.format(label=duplicate.group(1))
    if _looks_att(data):
        example = own_hints.att_example(data)
        return HINT_ATT.format(example=f"`{example}`" if example else ATT_EXAMPLE)
    return None


def _with_att_example(hint: str, data: dict[str, Any]) -> str:
    """An author's hint for AT&T syntax, with the learner's line in Intel syntax after it."""
    example = own_hints.att_example(data)  # None unless the line reads as AT&T
    return f"{hint} In Intel syntax your line reads `{example}`." if example else hint


def _looks_att(data: dict[str, Any]) -> bool:
    """An assembler error about a template written in AT&T syntax."""
    message = str(data.get("message", ""))
    suffixed = re.match(r"invalid instruction mnemonic '([a-z]+)[qlwb]'", message)
    if suffixed and suffixed.group(1) in _SUFFIXED_MNEMONICS:
        return True  # `movq`, `leaq`, `addl`: AT&T's operand-size suffixes
    texts: list[str] = []
    for child in data.get("children") or []:
        for span in child.get("spans") or []:
            if span.get("file_name") == "<inline asm>":
                texts.extend(t.get("text", "") for t in span.get("text") or [])
    return any(_ATT_RE.search(t) for t in texts)


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, int | None, int | None]] = set()
    unique: list[Diagnostic] = []
    for diag in diagnostics:
        key = (diag.level, diag.message, diag.line, diag.column)
        if key not in seen:
            seen.add(key)
            unique.append(diag)
    return unique


def merge(*groups: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics of several builds (O0, O3) as one list, each reported once, errors first."""
    merged = _dedupe([d for group in groups for d in group])
    return sorted(merged, key=lambda d: d.level != "error")
