"""The pack model: what a loaded, validated pack looks like to the rest of the tutor.

Everything here is plain data. The loader builds it; the grader, progress, CLI
and TUI read it. Nothing in a pack is ever executed by Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

FORMAT_VERSION = 1
ARCHES = ("x86_64", "aarch64")
ANY_ARCH = "*"


# The Rust editions a pack (and a lesson block) may compile with.
EDITIONS = ("2015", "2018", "2021", "2024")


class ItemKind(StrEnum):
    LESSON = "lesson"
    EXERCISE = "exercise"


class CheckKind(StrEnum):
    """What an instruction check inspects in the learner's compiled code."""

    # No instruction matching a pattern anywhere in the learner's code reachable
    # from the required function (object-code disassembly, so `.byte` cannot hide one).
    FORBID = "forbid"
    # Some instruction inside the learner's own `asm!` block(s) matches a pattern.
    ASM_USES = "asm_uses"
    # No instruction inside the learner's `asm!` block(s) matches a pattern.
    ASM_FORBIDS = "asm_forbids"
    # No call from the learner's code to a symbol matching a pattern (e.g. an intrinsic).
    FORBID_CALL = "forbid_call"
    # No instruction matching a pattern in the learner's reachable code outside their
    # `asm!` blocks: the work must not be done by compiled Rust beside a token block.
    FORBID_OUTSIDE_ASM = "forbid_outside_asm"
    # Checks on the source of the learner's `asm!` blocks (SOURCE_KINDS), their patterns
    # taken from ASM_DECLARATIONS: some block declares one of them,
    ASM_DECLARES = "asm_declares"
    # or no block declares any.
    ASM_OMITS = "asm_omits"
    # The value the required function returns is made by its asm! block: followed back from
    # `ret` through moves and stack slots, it comes from the block, not from Rust beside it
    # (patterns: instructions Rust may apply on the way, e.g. `shl`/`or` joining two halves).
    ASM_RESULT = "asm_result"


SOURCE_KINDS = frozenset({CheckKind.ASM_DECLARES, CheckKind.ASM_OMITS})
# What a source check can look for in a block: an option, an operand's kind, or clobber_abi
# (any, or one ABI: `clobber_abi("C")`).
ASM_OPTIONS = ("pure", "nomem", "readonly", "preserves_flags", "noreturn", "nostack", "att_syntax", "raw",
               "may_unwind")
ASM_OPERAND_KINDS = ("in", "out", "lateout", "inout", "inlateout", "const", "sym", "label")
ASM_DECLARATIONS = (*ASM_OPTIONS, *ASM_OPERAND_KINDS, "clobber_abi")
CLOBBER_ABI_RE = re.compile(r'clobber_abi\("([^"]+)"\)')
# What an instruction check's `operand` and `branch` may ask of a matching instruction (grader/structure.py).
OPERAND_KINDS = ("const", "memory")
BRANCH_KINDS = ("back", "forward")


class Difficulty(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


@dataclass(frozen=True)
class Param:
    name: str
    type: str


@dataclass(frozen=True)
class Signature:
    """The function the learner must define."""

    name: str
    params: tuple[Param, ...]
    returns: str
    abi: str | None = None  # `extern "C"`: the calling convention a naked function is written for

    @property
    def extern(self) -> str:
        """`extern "C" ` (with the space), or nothing for Rust's own ABI."""
        return f'extern "{self.abi}" ' if self.abi else ""

    def render(self) -> str:
        args = ", ".join(f"{p.name}: {p.type}" for p in self.params)
        ret = "" if self.returns == "()" else f" -> {self.returns}"
        return f"{self.extern}fn {self.name}({args}){ret}"


@dataclass(frozen=True)
class TestCase:
    args: tuple[str, ...]  # Rust expressions, one per parameter
    expected: str | None  # a Rust expression; None means "ask the reference"


@dataclass(frozen=True)
class Property:
    """A Rust `bool` expression that calls the learner's function by name and must hold,
    for answers no reference can give (e.g. a counter that only goes up)."""

    name: str
    expr: str
    arch: str | None = None  # None: every architecture
    label: str | None = None  # what the learner sees as the test's input; None: the expression

    @property
    def shown(self) -> str:
        return self.label or self.expr

    def applies_to(self, arch: str) -> bool:
        return self.arch is None or self.arch == arch


class Display(StrEnum):
    """How an exercise's values are shown to the learner (`[tests] display`)."""

    DECIMAL = "decimal"
    HEX = "hex"  # for exercises about bits: rotations, shifts, masks
    BYTES = "bytes"  # for exercises about strings: a list of bytes shown as b"text\0"


@dataclass(frozen=True)
class ByteStrings:
    """How the tests make up `u8` buffers (`[tests.bytes]`): strings, not arbitrary bytes."""

    text: bool = False  # printable ASCII only
    nul: bool = False  # a NUL after the last byte (a C string; never a NUL before it)
    lengths: tuple[int, ...] = (0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64)  # the edge cases' lengths
    max_length: int = 32  # random cases: lengths 0 to this


@dataclass(frozen=True)
class TestSpec:
    cases: tuple[TestCase, ...]
    # Rust expression over the parameter names, per architecture ("*" = all).
    reference: dict[str, str]
    edge: bool
    random: int
    seed: int | None
    properties: tuple[Property, ...] = ()
    # Rust items (functions, consts) the reference, the expected values and the properties may
    # call: the text of the pack file `[tests] helpers` names, or "".
    helpers: str = ""
    helpers_path: Path | None = None
    display: Display = Display.DECIMAL
    bytes: ByteStrings | None = None  # None: u8 buffers are made like any other (numbers)

    def properties_for(self, arch: str) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.applies_to(arch))

    def reference_for(self, arch: str) -> str | None:
        return self.reference.get(arch, self.reference.get(ANY_ARCH))


@dataclass(frozen=True)
class InstructionCheck:
    name: str
    kind: CheckKind
    patterns: tuple[str, ...]  # glob patterns over mnemonics or symbol names
    message: str
    arch: str | None = None  # None: every architecture
    # What else a matching instruction must be (grader/structure.py): "const" or "memory" for its
    # operand, "back" (a loop's back-edge) or "forward" for a branch; None: any.
    operand: str | None = None
    branch: str | None = None

    def applies_to(self, arch: str) -> bool:
        return self.arch is None or self.arch == arch


@dataclass(frozen=True)
class ContractSpec:
    """Which of the grader's checks of an asm! block's promises an exercise uses (all, by default)."""

    # The block's options, operands and clobbers, checked against its compiled instructions.
    promises: bool = True
    # Every case also called inlined with an input that is dead after the call, and among
    # many live values: where a `lateout` written too early gets its input's register.
    calling_contexts: bool = True
    # The cases run again with the asm! blocks replaced by no-ops: if they still pass,
    # the asm! did not do the work.
    asm_does_the_work: bool = True


@dataclass(frozen=True)
class ErrorHint:
    """A hint shown when a compiler diagnostic matches (error code or text)."""

    match: str
    hint: str


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    dir: Path
    spec_path: Path
    prompt: str
    function: Signature
    hints: tuple[str, ...]
    error_hints: tuple[ErrorHint, ...]
    tests: TestSpec
    checks: tuple[InstructionCheck, ...]
    arch: tuple[str, ...]
    time_limit: float
    lesson: str | None = None
    difficulty: Difficulty = Difficulty.BEGINNER
    require_asm: bool = True
    starter_passes: bool = False
    # The compile error the starter shows on purpose (an error code such as "E0133", or a piece
    # of rustc's message), for a repair exercise; None: the starter must compile.
    starter_error: str | None = None
    contract: ContractSpec = ContractSpec()
    points: int = 1  # what a pass is worth in a gradebook (`asm-tutor grade`)

    def supports(self, arch: str) -> bool:
        return arch in self.arch

    def source_path(self, kind: str, arch: str) -> Path:
        """`starter` or `solution` for `arch`: the arch variant if there is one."""
        variant = self.dir / arch / f"{kind}.rs"
        return variant if variant.is_file() else self.dir / f"{kind}.rs"

    def starter(self, arch: str) -> str:
        return self.source_path("starter", arch).read_text(encoding="utf-8")

    def solution(self, arch: str) -> str:
        return self.source_path("solution", arch).read_text(encoding="utf-8")

    def checks_for(self, arch: str) -> tuple[InstructionCheck, ...]:
        return tuple(c for c in self.checks if c.applies_to(arch))


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    path: Path

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class CourseItem:
    kind: ItemKind
    id: str


@dataclass(frozen=True)
class Pack:
    root: Path
    manifest_path: Path
    id: str
    title: str
    version: str
    format: int
    description: str
    edition: str
    course: tuple[CourseItem, ...]
    lessons: dict[str, Lesson] = field(default_factory=dict)
    exercises: dict[str, Exercise] = field(default_factory=dict)
    solutions: bool = True  # False: a hand-out (`pack export`), the reference solutions left out

    def exercises_for_lesson(self, lesson_id: str) -> list[Exercise]:
        """The exercises that practise a lesson, in course order."""
        return [
            self.exercises[item.id]
            for item in self.course
            if item.kind is ItemKind.EXERCISE and self.exercises[item.id].lesson == lesson_id
        ]

    def item_title(self, item: CourseItem) -> str:
        if item.kind is ItemKind.LESSON:
            return self.lessons[item.id].title
        return self.exercises[item.id].title
