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
from elftools.elf.relocation import RelocationSection

from asm_tutor.grader.crate import RUNTIME_CRATE
from asm_tutor.grader.disasm import Function, demangle
from asm_tutor.grader.objfile import ElfFile, ObjectFileError
from asm_tutor.kept import Kept
from asm_tutor.stamp import stamp

# Arrays of functions the C runtime calls before `main` or after it, and the code sections it runs.
_FUNCTION_ARRAYS = (".preinit_array", ".init_array", ".fini_array", ".ctors", ".dtors")
_CODE_AT_START = (".init", ".fini")
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
    """What `binary` runs besides its functions, read with objfile.py's reader (its symbol tables
    unpacked in one pass each); the relocation tables are counted the same way here."""
    try:
        file = ElfFile(binary.read_bytes(), bounded=False)
    except ObjectFileError as err:
        raise ValueError(str(err)) from err
    elf = file.elf
    entries: dict[str, int] = {}
    for section in file.sections:
        if section.name in _FUNCTION_ARRAYS:
            entries[section.name] = section.data_size // max(1, elf.elfclass // 8)
        elif section.name in _CODE_AT_START:
            entries[section.name] = section.data_size
    order = "<" if elf.little_endian else ">"
    irelative = _IRELATIVE.get(elf["e_machine"], -1)
    try:
        resolvers = sum(1 for section in file.sections
                        if isinstance(section, RelocationSection) and section["sh_type"] == "SHT_RELA"
                        and elf.elfclass == 64
                        for _, info, _ in struct.iter_unpack(order + "QQq", section.data())
                        if info & 0xFFFFFFFF == irelative)
    except (ELFError, struct.error) as err:
        raise ValueError(str(err)) from err
    exported: set[str] = set()
    defined: set[str] = set()
    imported: set[str] = set()
    for number, table in file.tables.items():
        dynamic = file.sections[number].name == ".dynsym"
        for sym in table:
            if sym.kind in ("STT_SECTION", "STT_FILE") or not sym.name:
                continue
            name = sym.name.split("@")[0]
            if not sym.defined:
                imported.add(name)
            elif not sym.local:
                defined.add(name)
                if dynamic:
                    exported.add(name)
    return Profile(entries, resolvers, frozenset(exported), frozenset(defined), frozenset(imported))
