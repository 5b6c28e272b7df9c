"""Read an ELF file for the emulator: what to map where, and where a function is.

A linked program (ET_EXEC, or ET_DYN as rustc links by default) is mapped by its loadable
segments, a position-independent one at a fixed base; an object file (ET_REL, e.g. from
`llvm-mc -filetype=obj`) by its allocated sections, one after the other. Relocations are
not applied: the trace stops at any call out of the function (emulate.py), which is where
an unrelocated address would matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from asm_tutor.grader.objfile import MACHINES, ObjectFileError, symbols

PAGE = 0x1000
PIE_BASE = 0x5555_5555_0000  # where a position-independent program is loaded (as gdb does)
OBJECT_BASE = 0x10_0000  # where an object file's first section goes


class ElfError(Exception):
    """The file is not an ELF the emulator can load, or lacks the function."""


@dataclass
class Image:
    arch: str
    chunks: list[tuple[int, bytes]] = field(default_factory=list)  # (address, contents) to write
    symbols: dict[int, str] = field(default_factory=dict)  # function address → symbol name
    function: tuple[int, int] = (0, 0)  # the traced function: address, size in bytes

    def pages(self) -> list[tuple[int, int]]:
        """Page-aligned (start, size) ranges covering every chunk, merged where they touch."""
        spans = sorted((_down(address), _up(address + max(len(data), 1))) for address, data in self.chunks)
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(start, end - start) for start, end in merged]

    def read(self, address: int, size: int) -> bytes:
        for start, data in self.chunks:
            if start <= address and address + size <= start + len(data):
                return data[address - start:address - start + size]
        raise ElfError(f"no contents at {address:#x}")


def _down(value: int) -> int:
    return value & ~(PAGE - 1)


def _up(value: int) -> int:
    return _down(value + PAGE - 1)


def load(path: Path, symbol: str) -> Image:
    """The file's memory image, with `symbol` (a function) located in it."""
    with path.open("rb") as stream:
        elf = ELFFile(stream)
        arch = MACHINES.get(elf["e_machine"])
        if arch is None:
            raise ElfError(f"{path.name} is for {elf['e_machine']}, which the trace cannot emulate")
        image = Image(arch)
        kind = elf["e_type"]
        if kind == "ET_REL":
            section_base = _place_sections(elf, image)
            base = 0
        else:
            base = PIE_BASE if kind == "ET_DYN" else 0
            section_base = {}
            for segment in elf.iter_segments():
                if segment["p_type"] == "PT_LOAD" and segment["p_memsz"]:
                    data = segment.data().ljust(segment["p_memsz"], b"\0")
                    image.chunks.append((base + segment["p_vaddr"], data))
        found = False
        try:
            found_symbols = symbols(elf)
        except ObjectFileError as error:
            raise ElfError(f"{path.name}: {error}") from error
        for sym in found_symbols:
            if not sym.code_like or sym.section is None:
                continue
            offset = section_base.get(sym.section, base) if kind == "ET_REL" else base
            address = offset + sym.value
            image.symbols.setdefault(address, sym.name)
            if sym.name == symbol:
                image.function, found = (address, sym.size), True
        if not found:
            raise ElfError(f"the function `{symbol}` is not in {path.name}")
        if image.function[1] == 0:  # hand-written assembly often leaves the size out: up to the next symbol
            later = [a for a in image.symbols if a > image.function[0]]
            end = min(later) if later else _section_end(image, image.function[0])
            image.function = (image.function[0], end - image.function[0])
        return image


def _place_sections(elf: ELFFile, image: Image) -> dict[int, int]:
    """An object file's allocated sections, laid out from OBJECT_BASE: section index → its address."""
    where: dict[int, int] = {}
    address = OBJECT_BASE
    for index, section in enumerate(elf.iter_sections()):
        if not section["sh_flags"] & SH_FLAGS.SHF_ALLOC or not section["sh_size"]:
            continue
        align = max(section["sh_addralign"], 1)
        address = (address + align - 1) // align * align
        data = b"\0" * section["sh_size"] if section["sh_type"] == "SHT_NOBITS" else section.data()
        image.chunks.append((address, data))
        where[index] = address
        address += section["sh_size"]
    return where


def _section_end(image: Image, address: int) -> int:
    for start, data in image.chunks:
        if start <= address < start + len(data):
            return start + len(data)
    raise ElfError(f"no contents at {address:#x}")
