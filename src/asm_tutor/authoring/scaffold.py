'''`asm-tutor pack new DIR`: a new pack with one worked lesson and one worked exercise.

Every field is explained in a TOML comment, and the result passes `asm-tutor pack check`
as generated: its starter compiles and fails the hidden tests, its x86_64 and aarch64
solutions pass, its lesson's code blocks behave as tagged. The templates below are
plain text; `@ID@` and `@TITLE@` are replaced, so Rust's braces need no escaping.
'''

from __future__ import annotations

import re
from pathlib import Path

from asm_tutor.atomic import write_user_file
from asm_tutor.errors import UserError

PACK_TOML = """\
# pack.toml — the manifest of an asm-tutor pack.
# Field reference: docs/pack-format.md; a step-by-step guide: docs/authoring-packs.md.
# Check the pack with `asm-tutor pack check .`, try it with `asm-tutor --pack .`.

# The pack format version this pack is written for. This tutor reads format 1.
format = 1

# The pack's id: lowercase letters, digits and `_`. Learners' progress is kept per
# pack id, so keep it stable once the pack is handed out, and never reuse another
# course's id (the built-in course is `asm_basics`).
id = "@ID@"

# Shown in the sidebar, in `asm-tutor list` and in `asm-tutor pack list`.
title = "@TITLE@"

# Your version of the course. Bump it when you hand out a new copy.
version = "0.1.0"

# Optional: one or two sentences about the course.
description = "A first asm! course: one lesson, one exercise."

# Optional: the Rust edition learners' code (and the lessons' code blocks) is
# compiled with: "2015", "2018", "2021" (the default) or "2024".
edition = "2021"

# The course, in order: each [[course]] entry is a lesson or an exercise.

[[course]]
# A lesson: its id, and optionally its Markdown file (default: lessons/<id>.md)
# and a title (default: the file's first `# ` heading).
lesson = "first_block"
file = "lessons/01-first-block.md"

[[course]]
# An exercise: its id, and optionally its folder (default: exercises/<id>/).
exercise = "double"
# dir = "exercises/double"
"""

LESSON = """\
# A first asm! block

`asm!` puts a few instructions of your own in the middle of a Rust function.
You write the instructions as a **template** string and wire Rust values to
registers with **operands**; rustc picks the registers.

## Doubling a number

On x86_64, `add {0}, {0}` adds a register to itself. The operand
`inout(reg) x` says: put `x` in any general-purpose register before the block,
and copy that register back into `x` after it.

```rust,arch=x86_64
use std::arch::asm;

fn double(mut x: u64) -> u64 {
    // SAFETY: `add` reads and writes one declared register; no memory, no stack.
    unsafe { asm!("add {0}, {0}", inout(reg) x, options(pure, nomem, nostack)) };
    x
}
# fn main() {
#     println!("{}", double(21));
# }
```

```output
42
```

On aarch64 instructions name their destination and both sources, so the
same doubling is `add {0}, {0}, {0}`:

```rust,arch=aarch64
use std::arch::asm;

fn double(mut x: u64) -> u64 {
    // SAFETY: `add` reads and writes one declared register; no memory, no stack.
    unsafe { asm!("add {0}, {0}, {0}", inout(reg) x, options(pure, nomem, nostack)) };
    x
}
# fn main() {
#     println!("{}", double(21));
# }
```

```output
42
```

(The lines starting with `# ` are compiled and run by `asm-tutor pack check`,
but learners do not see them.)

## asm! needs unsafe

rustc cannot read your instructions, so every `asm!` must sit inside
`unsafe`, and you promise in a `// SAFETY:` comment that the block only does
what its operands and options say. Without `unsafe` the program is rejected
with error E0133:

```rust,compile_fail,E0133
use std::arch::asm;

fn main() {
    asm!("nop");
}
```

## Your turn

The exercise *Double it* asks for this function, written by you.
"""

EXERCISE_TOML = '''\
# exercise.toml — one exercise. Field reference: docs/pack-format.md.
# Top-level keys come first: TOML puts every key after a [table] header inside it.

# Shown in the sidebar and above the editor.
title = "Double it"

# Optional: the id of the lesson this exercise practises (the reader links to it).
lesson = "first_block"

# Optional: "beginner" (the default), "intermediate" or "advanced".
difficulty = "beginner"

# The architectures the exercise supports: "x86_64", "aarch64" or both. On any other
# host the exercise is shown but cannot be checked. Per-architecture files go in
# x86_64/ and aarch64/ next to this file (x86_64/solution.rs wins over solution.rs).
arch = ["x86_64", "aarch64"]

# Optional: seconds each test run may take (default 5, at most 60).
time_limit = 5

# Optional: whether the learner's code must contain an asm! block reached from the
# required function (default true).
require_asm = true

# Optional: `pack check` insists that the starter fails its tests unless this is
# true (default false).
starter_passes = false

# Optional: for a repair exercise whose starter fails to compile on purpose, the
# error it shows (a code such as "E0133", or words of rustc's message).
# starter_error = "E0133"

# The task, in Markdown, shown above the editor.
prompt = """
Write `double(x: u64) -> u64`, returning `2 * x` (wrapping around like
`x.wrapping_add(x)`), computed inside an `asm!` block with an `add`.
Multiplying is turned away.
"""

# Hints, revealed one at a time: a nudge; the concept (name the lesson section);
# nearly the answer. Three levels are the convention.
hints = [
    "Adding a number to itself doubles it.",
    "See *Doubling a number* in the lesson: `inout(reg) x` gives one register that is both the input and the output.",
    "x86_64: `add {0}, {0}` with `inout(reg) x`. aarch64: `add {0}, {0}, {0}`.",
]

# The function the learner must define. Its signature must match exactly.
[function]
name = "double"
params = ["x: u64"]      # each "name: type"; several for more parameters
returns = "u64"          # default "()"

# The hidden tests. Each case runs in a build at opt-level 0 and one at opt-level 3.
[tests]
# A Rust expression over the parameter names giving the right answer. For answers
# that differ per architecture use a table: reference = { x86_64 = "...", aarch64 = "..." }.
reference = "x.wrapping_add(x)"
# Add edge values for each parameter type (0, 1, MAX, 1 << 63, ...). Default true.
edge = true
# How many seeded random cases to add (0-10000, default 0).
random = 32
# Optional: fix the seed. By default it derives from the learner's code and is reported.
# seed = 7
# Fixed cases: `args` and `expected` are Rust expressions; leave out `expected` to
# let the reference answer.
cases = [
    { args = ["21"], expected = "42" },
    { args = ["u64::MAX"], expected = "u64::MAX - 1" },
    { args = ["1 << 63"] },
]

# Properties: a Rust bool expression that calls the learner's function by name and
# must hold — for answers no reference can give. `arch = "x86_64"` limits one.
[[tests.properties]]
name = "doubling twice is multiplying by four"
expr = "double(double(5)) == 20"

# Checks on the compiled code: values alone cannot tell asm from plain Rust.
# kind = "forbid"      no instruction matching a pattern in the learner's code (opt-level 0)
#        "asm_uses"    some instruction inside the learner's asm! blocks matches
#        "asm_forbids" no instruction inside the learner's asm! blocks matches
#        "forbid_call" no call to a function whose (demangled) name matches
#        "forbid_outside_asm" no instruction matching a pattern outside the asm! blocks
#        "asm_declares" some asm! block declares one of the patterns (read from the source):
#                      an option ("nomem"), an operand kind ("const", "sym"), "clobber_abi"
#        "asm_omits"   no asm! block declares any of them
# patterns: lower-case mnemonics (Intel syntax on x86_64) or symbol names; globs.
# arch: only on this architecture (default: all).
[[checks]]
name = "no multiply"
kind = "forbid"
arch = "x86_64"
patterns = ["mul", "imul", "mulx"]
message = "Your compiled code multiplies. Double with an add instead."

# The same check with aarch64's mnemonics: patterns are per architecture.
[[checks]]
name = "no multiply"
kind = "forbid"
arch = "aarch64"
patterns = ["mul", "madd", "umull", "smull"]
message = "Your compiled code multiplies. Double with an add instead."

# The learner's own asm! block must do the work (an empty block beside plain
# Rust would pass the tests but not this check).
[[checks]]
name = "the doubling happens in asm!"
kind = "asm_uses"
arch = "x86_64"
patterns = ["add", "lea", "shl"]
message = "Your asm! block does no arithmetic: the doubling must happen inside it."

# ... and the same on aarch64.
[[checks]]
name = "the doubling happens in asm!"
kind = "asm_uses"
arch = "aarch64"
patterns = ["add", "lsl"]
message = "Your asm! block does no arithmetic: the doubling must happen inside it."

# Hints shown beside a compiler error: `match` is an error code or a piece of
# rustc's message. The tutor already explains the common asm! mistakes; add advice
# specific to this exercise.
[[error_hints]]
match = "E0133"
hint = "Put the asm! inside `unsafe { ... }`, with a `// SAFETY:` comment saying why it is sound."

# A piece of rustc's (or the assembler's) message works as well as a code.
[[error_hints]]
match = "invalid operand for instruction"
hint = "x86_64 `add` takes two operands (`add {0}, {0}`); aarch64 `add` takes three (`add {0}, {0}, {0}`)."
'''

STARTER = """\
use std::arch::asm;

/// Return `2 * x` (wrapping), computed in an `asm!` block.
fn double(mut x: u64) -> u64 {
    // SAFETY: say here why your block is sound.
    unsafe {
        asm!(
            "/* your instruction here, doubling {x} */",
            x = inout(reg) x,
            options(pure, nomem, nostack),
        );
    }
    x
}

fn main() {
    println!("double(21) = {}", double(21));
}
"""

SOLUTION_X86_64 = """\
use std::arch::asm;

/// Return `2 * x` (wrapping): `add` a register to itself.
fn double(mut x: u64) -> u64 {
    // SAFETY: `add` reads and writes one declared register; no memory, no stack.
    unsafe {
        asm!(
            "add {x}, {x}",
            x = inout(reg) x,
            options(pure, nomem, nostack),
        );
    }
    x
}

fn main() {
    println!("double(21) = {}", double(21));
}
"""

SOLUTION_AARCH64 = SOLUTION_X86_64.replace('"add {x}, {x}"', '"add {x}, {x}, {x}"')

README = """\
# @TITLE@

An asm-tutor pack. Check it with `asm-tutor pack check .`, try it with
`asm-tutor --pack .`, install it with `asm-tutor pack install .`.
"""

FILES: dict[str, str] = {
    "pack.toml": PACK_TOML,
    "README.md": README,
    "lessons/01-first-block.md": LESSON,
    "exercises/double/exercise.toml": EXERCISE_TOML,
    "exercises/double/starter.rs": STARTER,
    "exercises/double/x86_64/solution.rs": SOLUTION_X86_64,
    "exercises/double/aarch64/solution.rs": SOLUTION_AARCH64,
}


def default_id(folder: Path) -> str:
    """A valid pack id from a folder name: `My Course-2` -> `my_course_2`."""
    name = re.sub(r"[^a-z0-9_]+", "_", folder.name.lower()).strip("_")
    return name or "my_pack"


def new_pack(dest: Path, *, pack_id: str | None = None, title: str | None = None) -> list[Path]:
    """Write the scaffold into `dest` (created if missing); returns the files written.

    Refuses a folder that exists and is not empty, so nothing is ever overwritten."""
    dest = Path(dest).expanduser()
    if dest.is_symlink():
        raise UserError(f"{dest} is a symbolic link; give `pack new` the path of a new or empty folder.")
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest} is a file; give `pack new` the path of a new or empty folder.")
    if dest.is_dir() and any(dest.iterdir()):
        raise UserError(f"{dest} is not empty; `pack new` only writes into a new or empty folder.")
    pack_id = pack_id or default_id(dest.resolve())
    if not re.fullmatch(r"[a-z0-9_]+", pack_id):
        raise UserError(f"`{pack_id}` is not a valid pack id; use lowercase letters, digits and `_` only.")
    if title is None:
        title = pack_id.replace("_", " ").capitalize()
    title_toml = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    written: list[Path] = []
    for rel, text in FILES.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        body = text.replace("@ID@", pack_id)
        body = body.replace("@TITLE@", title_toml if rel.endswith(".toml") else title)
        try:  # the folder was empty: a file or link found now was put there meanwhile, and is refused
            write_user_file(path, body.encode("utf-8"))
        except OSError as err:
            raise UserError(f"{path} could not be written ({err.strerror or err}); nothing was written through it.") from err
        written.append(path)
    return written
