"""ELF files read with pyelftools: the one reader for the grader's checks and the trace.

An object file's functions (section, place, size), the relocations in a section with
the symbol each one points at, and where a function is in a linked program's file. The
object is the learner's (global_asm! can put anything in it), so it is read with bounds:
a file or a function past a size limit is refused rather than read. pyelftools itself
(~50 ms to import) is imported when a file is first read, or ahead of time by the pipeline
while the compilers run.
"""

from __future__ import annotations

import dataclasses
import io
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from elftools.common.exceptions import ELFError, ELFParseError
from elftools.elf.constants import SH_FLAGS

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection

MACHINES = {"EM_X86_64": "x86_64", "EM_AARCH64": "aarch64"}
# Read in the tutor's own process, so bounded: a check's object is tens of kB (std's generics
# at -O0 a few MB); global_asm! could make one of any size or with any number of symbols.
MAX_FILE = 64 << 20
MAX_SYMBOLS = 200_000
MAX_SECTIONS = 100_000
MAX_FUNCTION = 1 << 20  # bytes of one function decoded (a quarter of a million instructions)
CODE_KINDS = ("STT_FUNC", "STT_NOTYPE")  # hand-written assembly often leaves a label untyped
# x86 PC-relative fields point 4 bytes before the next instruction: a call to a section's
# start is written `.text.f - 4`.
_PC_RELATIVE = frozenset({"R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX",
                          "R_X86_64_REX_GOTPCRELX"})
_READ_ERRORS = (ELFError, ELFParseError, ValueError, KeyError, IndexError, AttributeError, EOFError, struct.error)
_SYMBOL_KINDS = {0: "STT_NOTYPE", 1: "STT_OBJECT", 2: "STT_FUNC", 3: "STT_SECTION", 4: "STT_FILE", 5: "STT_COMMON",
                 6: "STT_TLS", 10: "STT_GNU_IFUNC"}
_STB_LOCAL, _SHN_UNDEF, _SHN_LORESERVE = 0, 0, 0xFF00  # indexes from SHN_LORESERVE on name no section


class ObjectFileError(Exception):
    """The file is not an ELF file that can be read, or is too large to read."""


@dataclass(frozen=True)
class Symbol:
    name: str
    section: int | None  # its section's index; None for an undefined or absolute symbol
    value: int  # in an object: the offset in its section; in a program: its address
    size: int
    kind: str  # STT_FUNC, STT_OBJECT, STT_NOTYPE, STT_SECTION, ...
    local: bool = False  # STB_LOCAL: seen only inside its own object
    defined: bool = True  # False: undefined here (SHN_UNDEF), taken from another object or library

    @property
    def code_like(self) -> bool:
        """A function, or a label hand-written assembly left untyped (not an AArch64 `$x` mapping symbol)."""
        return self.kind in CODE_KINDS and bool(self.name) and not self.name.startswith("$")


def symbols(elf: ELFFile) -> list[Symbol]:
    """Every symbol of the file's symbol tables, in order."""
    return [sym for table in _tables(elf, list(elf.iter_sections())).values() for sym in table]


def _tables(elf: ELFFile, sections: list[Any]) -> dict[int, list[Symbol]]:
    """Each symbol table's symbols (by the table's section index), in their order: a relocation
    names its symbol by that order. A table is unpacked in one pass (struct): a statically
    linked program has tens of thousands of symbols, which pyelftools' entry-by-entry
    parsing reads ten times slower."""
    from elftools.elf.sections import SymbolTableSection

    wide = elf.elfclass == 64
    layout = struct.Struct(("<" if elf.little_endian else ">") + ("IBBHQQ" if wide else "IIIBBH"))
    tables: dict[int, list[Symbol]] = {}
    for number, table in enumerate(sections):
        if not isinstance(table, SymbolTableSection):
            continue
        data = table.data()
        count = len(data) // layout.size
        if count > MAX_SYMBOLS:
            raise ObjectFileError(f"the compiled code has {count} symbols, more than the {MAX_SYMBOLS} the checks read")
        names = sections[table["sh_link"]].data()
        found: list[Symbol] = []
        for fields in layout.iter_unpack(data[:count * layout.size]):
            name_at, info, index, value, size = (fields[0], fields[1], fields[3], fields[4], fields[5]) if wide else \
                (fields[0], fields[3], fields[5], fields[1], fields[2])
            end = names.find(b"\0", name_at)
            found.append(Symbol(names[name_at:end if end >= 0 else len(names)].decode("utf-8", "replace"),
                                index if 0 < index < _SHN_LORESERVE else None, value, size,
                                _SYMBOL_KINDS.get(info & 0xF, f"STT_{info & 0xF}"), local=info >> 4 == _STB_LOCAL,
                                defined=index != _SHN_UNDEF))
        tables[number] = found
    return tables


class ElfFile:
    """An ELF file held in memory: its machine, symbols, code and relocations."""

    def __init__(self, data: bytes, *, bounded: bool = True) -> None:
        """`bounded`: refuse a file over MAX_FILE (a learner's object, read for the checks); the
        intruder comparison reads whole linked programs, whose size the build's limits bound."""
        if bounded and len(data) > MAX_FILE:
            raise ObjectFileError(f"the compiled code is {len(data) >> 20} MB, more than the "
                                  f"{MAX_FILE >> 20} MB the checks read")
        from elftools.elf.elffile import ELFFile
        from elftools.elf.relocation import RelocationSection

        try:
            self.elf = ELFFile(io.BytesIO(data))
            self.arch = MACHINES.get(self.elf["e_machine"], str(self.elf["e_machine"]))
            if self.elf.num_sections() > MAX_SECTIONS:
                raise ObjectFileError(f"the compiled code has {self.elf.num_sections()} sections, more than the "
                                      f"{MAX_SECTIONS} the checks read")
            self.sections = list(self.elf.iter_sections())
            self.tables = _tables(self.elf, self.sections)
        except _READ_ERRORS as error:
            raise ObjectFileError(f"the compiled code could not be read ({error})") from error
        self.symbols = [sym for table in self.tables.values() for sym in table]
        self._functions: list[Symbol] | None = None
        self._relocations: dict[int, list[tuple[int, str]]] = {}
        self._rela_for: dict[int, list[RelocationSection]] = {}
        for section in self.sections:
            if isinstance(section, RelocationSection):
                self._rela_for.setdefault(section["sh_info"], []).append(section)

    def executable(self, index: int | None) -> bool:
        return index is not None and 0 < index < len(self.sections) and \
            bool(self.sections[index]["sh_flags"] & SH_FLAGS.SHF_EXECINSTR)

    def functions(self) -> list[Symbol]:
        """The code symbols defined in executable sections, each with its size (an unsized one
        runs to the next symbol or the end of its section)."""
        if self._functions is not None:
            return self._functions
        code = [s for s in self.symbols if s.code_like and self.executable(s.section)]
        sized: list[Symbol] = []
        for sym in code:
            if sym.size == 0:
                later = [s.value for s in code if s.section == sym.section and s.value > sym.value]
                end = min(later) if later else self.sections[sym.section]["sh_size"]  # type: ignore[index]
                sym = dataclasses.replace(sym, size=end - sym.value)
            sized.append(sym)
        self._functions = sized
        return sized

    def code(self, function: Symbol) -> bytes:
        if function.size > MAX_FUNCTION:
            raise ObjectFileError(f"`{function.name}` is {function.size} bytes of code, more than the "
                                  f"{MAX_FUNCTION} the checks read")
        assert function.section is not None
        return self._data(function.section)[function.value:function.value + function.size]

    def _data(self, index: int) -> bytes:
        try:
            return bytes(self.sections[index].data())
        except _READ_ERRORS as error:
            raise ObjectFileError(f"the compiled code could not be read ({error})") from error

    def relocations(self, index: int) -> list[tuple[int, str]]:
        """The relocations applied to section `index`: (offset in it, the symbol pointed at),
        a section symbol resolved to the function it points into where there is one."""
        if index not in self._relocations:
            found: list[tuple[int, str]] = []
            try:
                for rela in self._rela_for.get(index, []):
                    table = self.tables[rela["sh_link"]]
                    for reloc in rela.iter_relocations():
                        sym = table[reloc["r_info_sym"]]
                        addend = reloc["r_addend"] if reloc.is_RELA() else 0
                        kind = describe(self.elf, reloc["r_info_type"])
                        found.append((reloc["r_offset"], self._target(sym, addend, kind)))
            except _READ_ERRORS as error:
                raise ObjectFileError(f"the compiled code's relocations could not be read ({error})") from error
            found.sort()
            self._relocations[index] = found
        return self._relocations[index]

    def _target(self, sym: Symbol, addend: int, kind: str) -> str:
        if sym.kind != "STT_SECTION":
            return sym.name
        index = sym.section
        if index is None or not 0 < index < len(self.sections):
            return ""
        inside = [s for s in self.functions() if s.section == index] if self.executable(index) else []
        at = addend + 4 if kind in _PC_RELATIVE else addend
        named = next((s.name for s in inside if s.value == at), None) or \
            (inside[0].name if len(inside) == 1 else None)
        return named or self.sections[index].name

    def file_offset(self, symbol: str) -> int | None:
        """Where a (linked program's) function starts in the file, or None when it has no such symbol."""
        for sym in self.symbols:
            if sym.name == symbol and sym.kind == "STT_FUNC" and self.executable(sym.section):
                section = self.sections[sym.section]  # type: ignore[index]
                return sym.value - section["sh_addr"] + section["sh_offset"]
        return None


def describe(elf: ELFFile, type_code: int) -> str:
    """A relocation type's name (`R_X86_64_PLT32`), as pyelftools knows it."""
    from elftools.elf.descriptions import describe_reloc_type

    return str(describe_reloc_type(type_code, elf))
