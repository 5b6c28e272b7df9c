"""The crate a check builds, in one place: its files, its names, and how they find each other.

    main.rs        the crate root: the learner's crate-level attributes (file_shape.py), links
                   the runtime, mounts the learner's file
    solution.rs    the learner's file as written (crate-level attributes moved to the root
                   blanked out, lines kept), the hidden-test driver appended to it as the module
                   `__asm_tutor_driver` (driver.py)

Built as `asm_tutor_check`, so the learner's items are `asm_tutor_check::learner::…` in the
compiled code (what the checks look for), the driver's beside them (what they skip), and
rustc's messages about `solution.rs` are the learner's own lines (diagnostics.py); so are
those about an attribute moved to the root (`write` says which root line came from where).
"""

from pathlib import Path

from asm_tutor.grader.file_shape import FileShape, Placement, read

RUNTIME_CRATE = "asm_tutor_rt"  # the test programs' fixed half, prebuilt (runtime.py)
CHECK_CRATE = "asm_tutor_check"
ROOT_FILE = "main.rs"
LEARNER_FILE = "solution.rs"
LEARNER_MODULE = "learner"
DRIVER_MODULE = "__asm_tutor_driver"
LEARNER_PREFIX = f"{CHECK_CRATE}::{LEARNER_MODULE}::"  # demangled paths of the learner's items
DRIVER_PATH = f"{LEARNER_PREFIX}{DRIVER_MODULE}"
# The driver's `static __FN` (driver.py): its relocation names the exact function the tests call.
REQUIRED_POINTER = f"{DRIVER_PATH}::__FN"

MAIN_RS = f"""extern crate {RUNTIME_CRATE};
#[path = "{LEARNER_FILE}"] mod {LEARNER_MODULE};
fn main() {{ {LEARNER_MODULE}::{DRIVER_MODULE}::run() }}
"""
# Under a learner's `#![no_std]` the program still links std (the runtime, the driver), under
# a name the learner's code cannot reach by accident.
NO_STD_ROOT = "extern crate std as __asm_tutor_std;\n"


def _learner_text(source: str) -> str:
    return source if source.endswith("\n") else source + "\n"


def learner_lines(source: str) -> int:
    """How many lines of `solution.rs` are the learner's: the driver's start after them."""
    return _learner_text(source).count("\n")


def write(work: Path, source: str, driver_source: str, shape: FileShape | None = None) -> dict[int, int]:
    """The crate in `work`: its root, and the learner's file with the driver appended. Returns
    which lines of the root are the learner's attributes: root line → line in their file."""
    shape = shape or read(source)
    moved = [a for a in shape.attributes if a.placement in (Placement.HOISTED, Placement.DROPPED)]
    data = bytearray(_learner_text(source).encode("utf-8", errors="replace"))
    for attribute in moved:  # blanked where they were, newlines kept: every other line stays put
        data[attribute.start:attribute.end] = bytes(b if b == 0x0A else 0x20 for b in data[attribute.start:attribute.end])
    hoisted = shape.placed(Placement.HOISTED)
    root = "".join(f"{a.text}\n" for a in hoisted) + (NO_STD_ROOT if shape.no_std else "") + MAIN_RS
    lines: dict[int, int] = {}
    line = 1
    for attribute in hoisted:
        lines[line] = attribute.line
        line += attribute.text.count("\n") + 1
    (work / ROOT_FILE).write_text(root, encoding="utf-8")
    (work / LEARNER_FILE).write_bytes(bytes(data) + driver_source.encode("utf-8", errors="replace"))
    return lines
