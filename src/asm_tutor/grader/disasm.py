"""Read the compiled code: the object file, decoded with capstone, and rustc's `.s` text.

The object code is the truth about which instructions exist (a `.byte` in a
template cannot hide one from it). The `.s` text is the only place that says
which instructions came from the learner's `asm!` blocks: LLVM wraps each one
in `#APP` ... `#NO_APP`. The two are lined up per function, so every object
instruction is known to be inside or outside an `asm!` block.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asm_tutor import memo
from asm_tutor.grader.objfile import ElfFile, ObjectFileError, Symbol
from asm_tutor.grader.symbols import demangle_v0

# Rust's legacy mangling escapes (`$LT$` is `<`, `$u7b$` is `{`, ...).
_ESCAPES = {"SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","}
_HASH_RE = re.compile(r"^h[0-9a-f]{16}$")
BAD = "(bad)"  # the mnemonic of bytes that decode to no instruction
# x86 prefixes printed before the mnemonic (by capstone, LLVM's `.s` or GNU objdump); the check looks at the instruction itself.
_PREFIXES = frozenset({"lock", "rep", "repe", "repz", "repne", "repnz", "notrack", "bnd", "data16",
                       "addr32", "cs", "ds", "es", "ss", "fs", "gs", "xacquire", "xrelease", "rex",
                       "rex.w", "rex.b", "rex.r", "rex.x", "{vex}", "{evex}"})
APP_BEGIN = ("#APP", "//APP", "; InlineAsm Start", "@APP")
APP_END = ("#NO_APP", "//NO_APP", "; InlineAsm End", "@NO_APP")
# Above this many cells (`.s` items × object instructions) the exact alignment would be slow.
_REGION_SLACK = 8  # how many more instructions than its lines a region may assemble to
MAX_ALIGN_CELLS = 400_000


def demangle(symbol: str) -> str:
    """A readable path for a Rust symbol (legacy `_ZN…E`, or v0 `_R…`: symbols.py); else as given."""
    name = symbol[1:] if symbol.startswith(("__ZN", "__R")) else symbol  # Mach-O adds one underscore
    if name.startswith("_ZN") and name.endswith("E"):
        return _demangle_legacy(name[3:-1]) or symbol
    if name.startswith("_R"):
        return demangle_v0(name) or symbol
    return symbol


def _demangle_legacy(body: str) -> str | None:
    parts: list[str] = []
    pos = 0
    while pos < len(body):
        match = re.match(r"\d+", body[pos:])
        if match is None:
            return None
        length = int(match.group())
        pos += len(match.group())
        part = body[pos:pos + length]
        if len(part) != length:
            return None
        pos += length
        parts.append(part)
    if parts and _HASH_RE.match(parts[-1]):
        parts.pop()
    return "::".join(_unescape(p) for p in parts) if parts else None


def _unescape(part: str) -> str:
    if part.startswith("_$"):
        part = part[1:]
    out: list[str] = []
    pos = 0
    while pos < len(part):
        if part.startswith("..", pos):
            out.append("::")
            pos += 2
            continue
        if part[pos] == "$":
            end = part.find("$", pos + 1)
            if end > pos:
                code = part[pos + 1:end]
                if code in _ESCAPES:
                    out.append(_ESCAPES[code])
                    pos = end + 1
                    continue
                if code.startswith("u") and re.fullmatch(r"[0-9a-f]+", code[1:]):
                    out.append(chr(int(code[1:], 16)))
                    pos = end + 1
                    continue
        out.append(part[pos])
        pos += 1
    return "".join(out)


def base_mnemonic(text: str) -> str:
    """The instruction's mnemonic in lower case, past any prefixes (`lock cmpxchg` → `cmpxchg`)."""
    words = text.lower().split()
    for word in words:
        if word not in _PREFIXES:
            return word
    return words[-1] if words else ""


@dataclass
class Instruction:
    offset: int
    text: str  # as capstone prints it, e.g. "lea rax, [rdi + rdi*8]"; "(bad)" for bytes it cannot decode
    data: bytes = b""  # its machine code, as in the object (relocated fields still zero)
    refs: list[str] = field(default_factory=list)  # mangled symbols it relocates against
    region: int | None = None  # which of the function's asm! regions it came from (set by align())

    @property
    def in_asm(self) -> bool:
        """From one of the learner's asm! blocks."""
        return self.region is not None

    @property
    def mnemonic(self) -> str:
        return base_mnemonic(self.text)


@dataclass
class Function:
    symbol: str  # mangled
    instructions: list[Instruction] = field(default_factory=list)
    naked: bool = False  # a naked function: all of it is the learner's assembly (one region)

    @property
    def name(self) -> str:
        return demangle(self.symbol)



def clean_symbol(target: str) -> str:
    """`.text._ZN…E-0x4` → `_ZN…E`: drop the section prefix and the addend."""
    target = re.sub(r"[+-]0x[0-9a-f]+$", "", target)
    target = target.removesuffix("@PLT").removesuffix("@GOTPCREL")
    for prefix in (".text.unlikely.", ".text.", ".rodata.", ".data.rel.ro.", ".data.", ".bss."):
        if target.startswith(prefix):
            return target[len(prefix):]
    return target


class ObjectCode:
    """An object file's functions (pyelftools), decoded with capstone when asked for.

    The object holds std's generic code instantiated for this crate too, most of
    which the checks never look at: a function is decoded only when asked for, and
    its references are read from its section's relocations only then.
    """

    def __init__(self, data: bytes) -> None:
        self.file = ElfFile(data)
        self.arch = self.file.arch
        self._symbols: dict[str, Symbol] = {}
        self._names: list[str] = []  # every definition, a name twice when it is defined twice
        for sym in self.file.functions():
            self._symbols.setdefault(sym.name, sym)
            self._names.append(sym.name)
        self._functions: dict[str, Function] = {}

    @classmethod
    def read(cls, path: Path) -> ObjectCode:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ObjectFileError(f"the compiled code could not be read ({error.strerror})") from error
        return cls(data)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self._symbols

    def definitions(self, path: str) -> list[str]:
        """Every function whose demangled path is `path`: more than one when a second function
        is exported under a name that demangles alike (only the hash differs)."""
        tail = path.rsplit("::", 1)[-1]
        return [sym for sym in self._names if tail in sym and demangle(sym) == path]

    def find(self, path: str) -> str | None:
        """The mangled symbol whose demangled path is `path` (the first, if several are)."""
        found = self.definitions(path)
        return found[0] if found else None

    def pointed_at(self, path: str) -> str | None:
        """The function a static (`static F: fn() = f;`, demangled `path`) points at: the exact
        symbol the program calls through it, whatever else is named alike."""
        for sym in self.file.symbols:
            if sym.kind == "STT_OBJECT" and sym.section is not None and demangle(sym.name) == path:
                for offset, target in self.file.relocations(sym.section):
                    if sym.value <= offset < sym.value + max(sym.size, 1) and target in self:
                        return target
        return None

    def _relocations(self, sym: Symbol) -> list[tuple[int, str]]:
        assert sym.section is not None
        return [(offset, clean_symbol(target)) for offset, target in self.file.relocations(sym.section)
                if sym.value <= offset < sym.value + sym.size and target]

    def refs(self, symbol: str) -> set[str]:
        return {target for _offset, target in self._relocations(self._symbols[symbol])}

    def function(self, symbol: str) -> Function:
        if symbol not in self._functions:
            sym = self._symbols[symbol]
            code = self.file.code(sym)
            relocations = self._relocations(sym)
            function = Function(symbol)
            for address, size, mnemonic, operands in _decoded(self.arch, code, sym.value):
                refs = [target for offset, target in relocations if address <= offset < address + size]
                data = code[address - sym.value:address - sym.value + size]
                function.instructions.append(Instruction(address, f"{mnemonic} {operands}".rstrip(), data, refs))
            self._functions[symbol] = function
        return self._functions[symbol]


def _decoded(arch: str, code: bytes, address: int) -> list[tuple[int, int, str, str]]:
    """capstone's decoding of `code`: (address, size, mnemonic, operands) per instruction. Remembered
    on disk (memo.py), as isa.py remembers its own: a learner's next check usually compiles their
    function to the same bytes, and then does not pay for importing capstone (~35 ms)."""
    where, key = memo.folder("disasm"), memo.key_of("disasm", arch, address, code.hex())
    kept = memo.load_json(where, key)
    if kept is not None:
        try:
            return [(int(a), int(n), str(m), str(o)) for a, n, m, o in kept["instructions"]]
        except (KeyError, TypeError, ValueError):
            pass
    decoded = [(a, n, m, o) for a, n, m, o in _decoder(arch).disasm_lite(code, address)]
    memo.store_json(where, key, {"instructions": decoded})
    return decoded


@functools.cache
def _decoder(arch: str) -> Any:
    """capstone for the object's architecture; bytes it cannot decode become `(bad)` (one byte
    on x86, one word on AArch64), as GNU objdump shows them, and the decoding goes on."""
    import capstone

    if arch == "x86_64":
        cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        cs.syntax = capstone.CS_OPT_SYNTAX_INTEL
    elif arch == "aarch64":
        cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    else:
        raise ObjectFileError(f"the compiled code is for {arch}, which the checks cannot read")
    cs.skipdata = True
    cs.skipdata_setup = (BAD, None, None)
    return cs


@dataclass(frozen=True)
class TextItem:
    """One line of a function in the `.s`: an instruction, or a whole asm! region."""

    mnemonic: str | None  # None: an asm! region (its text may hide what it assembles to)
    # A region's instruction lines, when its text shows them (directives such as `.byte` hide them).
    region: tuple[str, ...] = ()


def function_text(text: str, symbol: str) -> str | None:
    """The body of the function `symbol` in the `.s` text (None when it is not there)."""
    for label in (f"\n{symbol}:\n", f'\n"{symbol}":\n'):
        start = text.find(label)
        if start >= 0:
            start += len(label)
            break
    else:
        return None
    ends = [e for e in (text.find("\n.Lfunc_end", start), text.find(".cfi_endproc", start)) if e >= 0]
    return text[start:min(ends)] if ends else text[start:]


def asm_items(text: str, symbol: str) -> list[TextItem] | None:
    """The function `symbol` in the `.s` text: its instructions and asm! regions in order."""
    body = function_text(text, symbol)
    if body is None:
        return None
    items: list[TextItem] = []
    region: list[str] | None = None  # the open region's instruction lines
    hidden = False  # the open region has a directive that may emit instructions
    for raw in body.splitlines():
        line = raw.strip()
        instruction = line and not line.startswith((".", "#", "//", ";")) and not line.endswith(":")
        if region is not None:
            if line.startswith(APP_END):
                items.append(TextItem(None, () if hidden else tuple(region)))
                region = None
            elif instruction:
                region.extend(base_mnemonic(part.split("#")[0]) for part in line.split(";") if part.strip())
            elif line.startswith(".") and not line.startswith((".p2align", ".cfi", ".loc", ".file")):
                hidden = True
        elif line.startswith(APP_BEGIN):
            region, hidden = [], False
        elif instruction:
            items.append(TextItem(base_mnemonic(line.split("#")[0])))
    return items


def align(function: Function, items: list[TextItem]) -> bool:
    """Mark the object instructions that came from asm! regions; True when the `.s` has any.

    Outside a region the `.s` and the object code match one instruction for one;
    a region covers however many object instructions its text assembled to. A
    small dynamic program lines them up, preferring matching mnemonics.
    """
    if not any(item.mnemonic is None for item in items):
        return False
    insns = function.instructions
    n, m = len(items), len(insns)
    if n * m > MAX_ALIGN_CELLS:
        _align_greedy(insns, items)
        return True
    inf = float("inf")
    # cost[i][j]: best cost lining up items[i:] with insns[j:]; choice remembers how.
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    take = [[0] * (m + 1) for _ in range(n + 1)]
    cost[n][m] = 0
    for j in range(m - 1, -1, -1):  # trailing padding (nops) may follow the last item
        if insns[j].mnemonic.startswith("nop") and cost[n][j + 1] == 0:
            cost[n][j] = 0
    for i in range(n - 1, -1, -1):
        item = items[i]
        best, best_at = inf, m
        for j in range(m, -1, -1):
            if item.mnemonic is None and item.region:
                # A region whose instructions the text shows takes about that many: each one
                # more or fewer, and each mnemonic that differs, costs one. (Without this two
                # adjacent blocks could share out their instructions any way at all.)
                cost[i][j], take[i][j] = min(
                    (cost[i + 1][j + k] + abs(k - len(item.region))
                     + sum(not _same(a, b.mnemonic) for a, b in zip(item.region, insns[j:j + k], strict=False)), k)
                    for k in range(0, min(m - j, len(item.region) + _REGION_SLACK) + 1))
            elif item.mnemonic is None:
                # A region takes the instructions insns[j:j+k], k >= 0: the best suffix,
                # the shortest region on a tie (scanning down, `<=` moves to smaller j+k).
                if cost[i + 1][j] <= best:
                    best, best_at = cost[i + 1][j], j
                cost[i][j], take[i][j] = best, best_at - j
            elif j < m:
                mismatch = 0 if _same(item.mnemonic, insns[j].mnemonic) else 1
                cost[i][j], take[i][j] = cost[i + 1][j + 1] + mismatch, 1
    if cost[0][0] == inf:
        return True
    j = 0
    region = 0
    for i, item in enumerate(items):
        k = take[i][j]
        if item.mnemonic is None:
            for insn in insns[j:j + k]:
                insn.region = region
            region += 1
        j += k
    return True


def _align_greedy(insns: list[Instruction], items: list[TextItem]) -> None:
    """For a huge function: each region ends where the next `.s` instruction first matches."""
    j = 0
    region = 0
    for i, item in enumerate(items):
        if item.mnemonic is not None:
            j += 1
            continue
        following = next((it.mnemonic for it in items[i + 1:] if it.mnemonic is not None), None)
        while j < len(insns) and not _same(following, insns[j].mnemonic):
            insns[j].region = region
            j += 1
        region += 1


_ALIASES = {"sal": "shl", "jnb": "jae", "jnae": "jb", "jz": "je", "jnz": "jne", "movabs": "mov",
            "cmovnb": "cmovae", "cmovnae": "cmovb", "cmovz": "cmove", "cmovnz": "cmovne"}


def _same(a: str | None, b: str) -> bool:
    if a is None:
        return False
    a, b = _ALIASES.get(a, a), _ALIASES.get(b, b)
    # One disassembler may add a size suffix the other leaves off (`stosb`, `stos`).
    return a == b or a.rstrip("qlwb") == b.rstrip("qlwb")
