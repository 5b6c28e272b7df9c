"""The crate a check builds, in one place: its files, its names, and how they find each other.

    main.rs        the crate root (MAIN_RS): links the runtime, mounts the learner's file
    solution.rs    the learner's file as written, the hidden-test driver appended to it
                   as the module `__asm_tutor_driver` (driver.py)

Built as `asm_tutor_check`, so the learner's items are `asm_tutor_check::learner::…` in the
compiled code (what the checks look for), the driver's beside them (what they skip), and
rustc's messages about `solution.rs` are the learner's own lines (diagnostics.py).
"""

from pathlib import Path

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


def _learner_text(source: str) -> str:
    return source if source.endswith("\n") else source + "\n"


def learner_lines(source: str) -> int:
    """How many lines of `solution.rs` are the learner's: the driver's start after them."""
    return _learner_text(source).count("\n")


def write(work: Path, source: str, driver_source: str) -> None:
    """The crate in `work`: its root, and the learner's file with the driver appended."""
    (work / ROOT_FILE).write_text(MAIN_RS, encoding="utf-8")
    (work / LEARNER_FILE).write_text(_learner_text(source) + driver_source, encoding="utf-8", errors="replace")
