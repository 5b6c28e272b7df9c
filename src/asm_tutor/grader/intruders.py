"""Code a test program carries that runs outside the function checked: refused, by comparison
with the judge's build.

The code checks read the learner's functions; a constructor (`.init_array`, or code put in
`.init`) runs before `main` and is reached from none of them, and a function exported under
a C library's name (`write`, `fork`) stands in for it in the whole process, the runtime's
report channel included. Either could relay the program's reports and rewrite them. The
judge is built by the same rustc, against the same runtime, with the same link flags, from
the pack's code alone: whatever the learner's program has of these that the judge's does
not, the learner's file added. Such a build is refused, with what was found.

The learner's functions may not reach into the runtime either (`runtime_reached`): its
reporting functions and statics are the driver's, and a call to `asm_tutor_rt::value`
from the function checked would report a value it did not return.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from asm_tutor.grader.crate import RUNTIME_CRATE
from asm_tutor.grader.disasm import Function, demangle
from asm_tutor.kept import Kept
from asm_tutor.stamp import stamp

# Arrays of functions the C runtime calls before `main` or after it, and the code sections it runs.
_FUNCTION_ARRAYS = (".preinit_array", ".init_array", ".fini_array", ".ctors", ".dtors")
_CODE_AT_START = (".init", ".fini")
_STT_SECTION, _STT_FILE, _STB_LOCAL, _SHN_UNDEF = 3, 4, 0, 0
_IRELATIVE = {"EM_X86_64": 37, "EM_AARCH64": 1032}  # R_X86_64_IRELATIVE, R_AARCH64_IRELATIVE: ifunc resolvers


@dataclass(frozen=True)
class Profile:
    """What of a program runs outside its functions, or replaces another library's."""

    entries: dict[str, int]  # function array → entries; code section → bytes
    resolvers: int  # IRELATIVE relocations: resolvers run while the program is loaded
    exported: frozenset[str]  # defined in its dynamic symbol table: these interpose every library's
    defined: frozenset[str]  # defined global (non-local) symbols of its own
    imported: frozenset[str]  # undefined symbols: what it takes from the C library and the runtime


_profiles: Kept[Path, Profile] = Kept("a judge's program → what it runs besides its functions")


def refusals(binary: Path, judge: Path) -> list[str]:
    """Why the learner's `binary` runs code the judge's build does not (empty: nothing found)."""
    try:
        mine = profile(binary)
        theirs = _profiles.get(judge) or _profiles.put(judge, profile(judge), lambda: stamp(judge))
    except (OSError, ValueError) as err:
        return [f"its program could not be read as an ELF file ({err})"]
    found: list[str] = []
    for name, count in mine.entries.items():
        if count > theirs.entries.get(name, 0):
            kind = "code in" if name in _CODE_AT_START else "entries in"
            found.append(f"{kind} `{name}` that the exercise's own build does not have (a constructor or "
                         "destructor: code that runs before or after `main`)")
    if mine.resolvers > theirs.resolvers:
        found.append("an ifunc resolver (code the loader runs before `main`)")
    standing_in = (mine.exported - theirs.exported) | (mine.defined & theirs.imported)
    if standing_in:
        names = ", ".join(f"`{name}`" for name in sorted(standing_in)[:5])
        found.append(f"its own definition of {names}, which would stand in for the C library's or the runtime's")
    return found


def runtime_reached(functions: list[Function]) -> list[str]:
    """Why the learner's functions (the required one and those it reaches) are refused for naming
    the tutor's runtime, by a call or an address; empty when they do not."""
    named = sorted({demangle(ref) for function in functions for insn in function.instructions for ref in insn.refs
                    if demangle(ref).lstrip("<").startswith(f"{RUNTIME_CRATE}::")})
    if not named:
        return []
    shown = ", ".join(f"`{name}`" for name in named[:3])
    return [f"code that reaches the tutor's test runtime ({shown}), which only the test driver may call"]


def profile(binary: Path) -> Profile:
    """Read with pyelftools for the section headers; the symbol and relocation tables, thousands
    of entries in a statically linked judge, are unpacked in one pass each (struct), ten times
    faster than pyelftools' entry-by-entry parsing."""
    with open(binary, "rb") as stream:
        try:
            elf = ELFFile(stream)
            entries: dict[str, int] = {}
            for name in (*_FUNCTION_ARRAYS, *_CODE_AT_START):
                section = elf.get_section_by_name(name)
                if section is not None:
                    size = section.data_size
                    entries[name] = size if name in _CODE_AT_START else size // max(1, elf.elfclass // 8)
            wide, order = elf.elfclass == 64, "<" if elf.little_endian else ">"
            irelative = _IRELATIVE.get(elf["e_machine"], -1)
            resolvers = 0
            exported: set[str] = set()
            defined: set[str] = set()
            imported: set[str] = set()
            for section in elf.iter_sections():
                if isinstance(section, RelocationSection) and section["sh_type"] == "SHT_RELA" and wide:
                    resolvers += sum(1 for _, info, _ in struct.iter_unpack(order + "QQq", section.data())
                                     if info & 0xFFFFFFFF == irelative)
                elif isinstance(section, SymbolTableSection):
                    names = elf.get_section(section["sh_link"]).data()
                    layout = order + ("IBBHQQ" if wide else "IIIBBH")
                    for fields in struct.iter_unpack(layout, section.data()):
                        name_at, info, shndx = (fields[0], fields[1], fields[3]) if wide else \
                            (fields[0], fields[3], fields[5])
                        kind, bind = info & 0xF, info >> 4
                        if kind in (_STT_SECTION, _STT_FILE) or not name_at:
                            continue
                        name = names[name_at:names.index(b"\0", name_at)].decode("utf-8", "replace").split("@")[0]
                        if shndx == _SHN_UNDEF:
                            imported.add(name)
                        elif bind != _STB_LOCAL:
                            defined.add(name)
                            if section.name == ".dynsym":
                                exported.add(name)
        except (ELFError, struct.error) as err:
            raise ValueError(str(err)) from err
    return Profile(entries, resolvers, frozenset(exported), frozenset(defined), frozenset(imported))
