"""Rust's v0 symbol mangling (`_R…`), read into the paths the checks match patterns against.

std is built with v0 names (`_RNvNtNtCs…_4core9panicking…`), so a call from the learner's
code to a non-generic library function carries one. The paths are shown as the legacy
demangler shows them, so one pattern matches both manglings: crate hashes left out, an
inherent impl as `core::num::<impl u64>::count_ones`, a trait impl as
`<std::io::stdio::Stdout as std::io::Write>::write_fmt`, a closure as `f::{closure#0}`,
generic arguments as `::<u64>`. The grammar is rustc's (the v0 mangling RFC); a symbol this
reader does not understand gives None, and is then shown as it is.
"""

from __future__ import annotations

_BASIC = {"a": "i8", "b": "bool", "c": "char", "d": "f64", "e": "str", "f": "f32", "h": "u8", "i": "isize",
          "j": "usize", "l": "i32", "m": "u32", "n": "i128", "o": "u128", "s": "i16", "t": "u16", "u": "()",
          "v": "...", "x": "i64", "y": "u64", "z": "!", "p": "_"}
_NAMESPACES = {"C": "closure", "S": "shim"}
_MAX_DEPTH = 64  # a crafted symbol's back-references cannot recurse without end


class _Invalid(Exception):
    pass


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def peek(self) -> str:
        return self.text[self.pos:self.pos + 1]

    def take(self, char: str | None = None) -> str:
        found = self.peek()
        if not found or (char is not None and found != char):
            raise _Invalid
        self.pos += 1
        return found

    def eat(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def base62(self) -> int:
        if self.eat("_"):
            return 0
        value = 0
        while not self.eat("_"):
            c = self.take()
            digit = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".find(c)
            if digit < 0:
                raise _Invalid
            value = value * 62 + digit
        return value + 1

    def decimal(self) -> int:
        if self.eat("0"):  # a leading zero is the whole number
            return 0
        start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        if start == self.pos:
            raise _Invalid
        return int(self.text[start:self.pos])

    def identifier(self) -> tuple[str, int]:
        """(name, disambiguator)."""
        disambiguator = self.base62() + 1 if self.eat("s") else 0
        self.eat("u")  # punycode: shown as encoded
        length = self.decimal()
        self.eat("_")
        name = self.text[self.pos:self.pos + length]
        if len(name) != length:
            raise _Invalid
        self.pos += length
        return name, disambiguator

    def backref(self, read: str, in_type: bool = False) -> str:
        target = self.base62()
        if target >= self.pos or self.depth > _MAX_DEPTH:
            raise _Invalid
        saved = self.pos
        self.pos, self.depth = target, self.depth + 1
        try:
            return self.path(in_type) if read == "path" else self.type() if read == "type" else self.const()
        finally:
            self.pos, self.depth = saved, self.depth - 1

    def path(self, in_type: bool = False) -> str:
        """A path; generic arguments written `f::<T>` in a value's path, `Foo<T>` in a type."""
        tag = self.take()
        if tag == "C":
            return self.identifier()[0]
        if tag == "N":
            namespace = self.take()
            parent = self.path(in_type)
            name, disambiguator = self.identifier()
            if namespace in _NAMESPACES:
                return f"{parent}::{{{_NAMESPACES[namespace]}#{disambiguator}}}"
            if namespace.isupper():
                return f"{parent}::{{{namespace}{'#' + str(disambiguator)}}}"
            return f"{parent}::{name}" if name else parent
        if tag == "M":
            parent = self.impl_path()
            return f"{parent}::<impl {self.type()}>"
        if tag == "X":
            self.impl_path()
            implementer = self.type()
            return f"<{implementer} as {self.path(in_type=True)}>"
        if tag == "Y":
            implementer = self.type()
            return f"<{implementer} as {self.path(in_type=True)}>"
        if tag == "I":
            base = self.path(in_type)
            args = self.generic_args()
            shown = ", ".join(a for a in args if a)
            return (f"{base}<{shown}>" if in_type else f"{base}::<{shown}>") if shown else base
        if tag == "B":
            return self.backref("path", in_type)
        raise _Invalid

    def impl_path(self) -> str:
        if self.eat("s"):
            self.base62()
        return self.path()

    def generic_args(self) -> list[str]:
        args: list[str] = []
        while not self.eat("E"):
            if self.eat("L"):
                self.base62()
                args.append("")  # lifetimes are left out, as the legacy names do
            elif self.eat("K"):
                args.append(self.const())
            else:
                args.append(self.type())
        return args

    def type(self) -> str:
        tag = self.peek()
        if tag in _BASIC:
            self.pos += 1
            return _BASIC[tag]
        if tag in "CMXYNI":
            return self.path(in_type=True)
        self.pos += 1
        if tag == "B":
            return self.backref("type")
        if tag == "A":
            element = self.type()
            return f"[{element}; {self.const()}]"
        if tag == "S":
            return f"[{self.type()}]"
        if tag == "T":
            items: list[str] = []
            while not self.eat("E"):
                items.append(self.type())
            return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
        if tag in "RQ":
            if self.eat("L"):
                self.base62()
            return f"&{'mut ' if tag == 'Q' else ''}{self.type()}"
        if tag in "PO":
            return f"*{'mut' if tag == 'O' else 'const'} {self.type()}"
        if tag == "F":
            return self.fn_sig()
        if tag == "D":
            if self.eat("G"):
                self.base62()
            traits: list[str] = []
            while not self.eat("E"):
                trait = self.path()
                while self.eat("p"):
                    name, _ = self.identifier()
                    trait += f"<{name} = {self.type()}>"
                traits.append(trait)
            self.take("L")
            self.base62()
            return f"dyn {' + '.join(traits)}"
        raise _Invalid

    def fn_sig(self) -> str:
        if self.eat("G"):
            self.base62()
        prefix = "unsafe " if self.eat("U") else ""
        if self.eat("K"):
            abi = "C" if self.eat("C") else self.identifier()[0].replace("_", "-")
            prefix += f'extern "{abi}" '
        params: list[str] = []
        while not self.eat("E"):
            params.append(self.type())
        returned = self.type()
        return f"{prefix}fn({', '.join(params)}){'' if returned == '()' else ' -> ' + returned}"

    def const(self) -> str:
        if self.eat("B"):
            return self.backref("const")
        if self.eat("p"):
            return "_"
        kind = self.take()
        negative = self.eat("n")
        start = self.pos
        while self.peek() and self.peek() in "0123456789abcdef":
            self.pos += 1
        digits = self.text[start:self.pos]
        self.take("_")
        if kind not in _BASIC:
            raise _Invalid
        value = int(digits, 16) if digits else 0
        if kind == "b":
            return "true" if value else "false"
        return f"{'-' if negative else ''}{value}"


def demangle_v0(symbol: str) -> str | None:
    """`_RNvNtCs…_4core3num…` → `core::num::…`; None when `symbol` is not a v0 name this reads."""
    name = symbol[1:] if symbol.startswith("__R") else symbol  # Mach-O adds one underscore
    if not name.startswith("_R"):
        return None
    body = name[2:]
    start = 0
    while start < len(body) and body[start].isdigit():  # an encoding version
        start += 1
    reader = _Reader(body)
    reader.pos = start
    try:
        return reader.path()
    except (_Invalid, IndexError, ValueError, RecursionError):
        return None
