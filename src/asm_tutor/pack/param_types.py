"""How the hidden tests hold, pass, generate and show each kind of parameter.

Plain values (integers, `bool`, `f32`/`f64`, and any other type a case writes out)
are passed as they are. Buffers are parameters that point at memory: slices `&[T]`,
`&mut [T]` and raw pointers `*const T`, `*mut T`. A case holds a buffer as a
`&'static [T]` (so the table of edge cases can be a `static` and every case's
arguments stay `Copy`); the call borrows it, or for `&mut [T]` and `*mut T` a
fresh copy, and what the function left in that copy is compared too: a function
with `&mut` buffers is judged on `(returned value, buffer after, ...)`.

Edge and random values can be generated for integers, `bool` and floats, and for
buffers of them (slices of several lengths, incl. empty; a pointer points at one
element). For other types a case must give the arguments (`pack check` and the
loader say so instead of silently adding nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from asm_tutor.pack.model import ByteStrings

UNSIGNED = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "usize": 64, "u128": 128}
SIGNED = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "isize": 64, "i128": 128}
FLOATS = ("f32", "f64")
GENERATED = "integers, `bool`, `f32`, `f64`, and slices (`&[T]`, `&mut [T]`) and raw pointers of them"
# A slice's generated contents: an ascending run longer than any vector register, so a
# loop that handles 8 or 16 elements at a time meets a tail.
_RUN = 17


class Kind(Enum):
    VALUE = "value"
    SLICE = "&[T]"
    MUT_SLICE = "&mut [T]"
    CONST_PTR = "*const T"
    MUT_PTR = "*mut T"


@dataclass(frozen=True)
class ParamType:
    written: str  # as the spec writes it, e.g. "&mut [u8]"
    kind: Kind
    element: str  # a buffer's element type; a value's own type

    @classmethod
    def parse(cls, written: str) -> ParamType:
        t = " ".join(written.split())
        compact = t.replace(" ", "")
        for prefix, kind in (("&mut[", Kind.MUT_SLICE), ("&[", Kind.SLICE)):
            if compact.startswith(prefix) and compact.endswith("]") and ";" not in compact:
                return cls(t, kind, compact[len(prefix):-1])
        for prefix, kind in (("*const ", Kind.CONST_PTR), ("*mut ", Kind.MUT_PTR)):
            if t.startswith(prefix):
                return cls(t, kind, t[len(prefix):].strip())
        return cls(t, Kind.VALUE, t)

    @property
    def buffer(self) -> bool:
        return self.kind is not Kind.VALUE

    @property
    def type_is_slice(self) -> bool:
        return self.kind in (Kind.SLICE, Kind.MUT_SLICE)

    @property
    def bytes(self) -> bool:
        """A buffer of `u8`: `[tests.bytes]` makes up strings for it."""
        return self.buffer and self.element == "u8"

    @property
    def mutable(self) -> bool:
        """The function may write the buffer: what it leaves there is compared."""
        return self.kind in (Kind.MUT_SLICE, Kind.MUT_PTR)

    @property
    def stored(self) -> str:
        """The type a case holds the argument as."""
        return f"&'static [{self.element}]" if self.buffer else self.written

    def store(self, written_arg: str) -> str:
        """A case's argument as the spec writes it, in the stored form: a buffer may be written
        as an array (`[1, 2, 3]`), a byte string (`b"hi"`), a `vec![...]` or a slice."""
        return f"::asm_tutor_rt::leak({written_arg})" if self.buffer else written_arg

    def edge_values(self, strings: ByteStrings | None = None) -> list[str] | None:
        """Rust expressions (constant ones: they fill a `static` table) for the interesting
        values; None when none can be generated for this type. `strings`: a u8 buffer is one
        string of each of its lengths (a pointer points at the whole string)."""
        if strings is not None and self.bytes:
            return [f"&[{', '.join(str(b) for b in _string(n, strings))}]" for n in strings.lengths]
        values = _element_edges(self.element)
        if values is None:
            return None
        if self.kind in (Kind.CONST_PTR, Kind.MUT_PTR):
            return [f"&[{v}]" for v in values]
        if not self.buffer:
            return values
        if self.element == "bool":
            return ["&[]", "&[true]", "&[false, true, true, false, true]"]
        run = ", ".join(f"{k}.0" if self.element in FLOATS else str(k) for k in range(1, _RUN + 1))
        return ["&[]", f"&[{values[1]}]", f"&[{', '.join(values)}]", f"&[{run}]"]

    def random_expr(self, strings: ByteStrings | None = None) -> str | None:
        """An expression drawing a value from `__r` (the case's `Rng`); None when none can be drawn."""
        if strings is not None and self.bytes:
            flags = f"{str(strings.text).lower()}, {str(strings.nul).lower()}, {strings.max_length}"
            return f"::asm_tutor_rt::leak(__r.bytes({flags}))"
        one = _random_element(self.element)
        if one is None or not self.buffer:
            return one
        if self.kind in (Kind.CONST_PTR, Kind.MUT_PTR):
            return f"::asm_tutor_rt::leak(vec![{one}])"
        return (f"{{ let __n = __r.len(); ::asm_tutor_rt::leak((0..__n).map(|_| {one})"
                f".collect::<Vec<{self.element}>>()) }}")


# What a made-up text string says: printable ASCII, spaces and punctuation included.
_TEXT = b"Hello, world! The quick brown fox jumps over the lazy dog; 0123456789 ~{|}."


def _string(length: int, strings: ByteStrings) -> list[int]:
    """The edge case's string of `length` bytes (and its NUL): the same for every check."""
    if strings.text:
        body = [_TEXT[k % len(_TEXT)] for k in range(length)]
    else:  # every byte value in turn, high ones included; no NUL inside a C string
        body = [(k * 37 + 1) % 256 or (1 if strings.nul else 0) for k in range(length)]
    return body + ([0] if strings.nul else [])


def _element_edges(t: str) -> list[str] | None:
    if t in UNSIGNED:
        return ["0", "1", "2", f"{t}::MAX", f"{t}::MAX - 1", f"({t}::MAX >> 1) + 1", f"{t}::MAX >> 1"]
    if t in SIGNED:
        return ["0", "1", "-1", f"{t}::MIN", f"{t}::MAX"]
    if t in FLOATS:
        return ["0.0", "1.0", "-0.0", "-2.5", f"{t}::MAX", f"{t}::MIN_POSITIVE", f"{t}::INFINITY", f"{t}::NAN"]
    if t == "bool":
        return ["false", "true"]
    return None


def _random_element(t: str) -> str | None:
    if t == "u128":
        return "__r.u128()"
    if t == "i128":
        return "(__r.u128() as i128)"
    if t in UNSIGNED:
        return f"(__r.u() as {t})"
    if t in SIGNED:
        return f"(__r.i() as {t})"
    if t in FLOATS:
        return f"__r.{t}()"
    if t == "bool":
        return "__r.b()"
    return None


def observed_type(params: list[ParamType], returns: str) -> str:
    """What a call is judged on: the returned value, and what it left in its `&mut` buffers."""
    parts = ([] if returns.replace(" ", "") == "()" else [returns]) + [
        f"Vec<{p.element}>" for p in params if p.mutable]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def observed_shape(names: Sequence[str], params: list[ParamType], returns: str) -> str:
    """In words, what a value is made of when it is more than the returned value ("" when it is not)."""
    mutated = [f"`{name}` after the call" for name, p in zip(names, params, strict=True) if p.mutable]
    if not mutated:
        return ""
    parts = ([] if returns.replace(" ", "") == "()" else ["the returned value"]) + mutated
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def invoke(function: str, params: list[ParamType], returns: str, args: list[str]) -> str:
    """An expression calling `function` with `args` (in the stored form) that gives what the call is
    judged on: the call itself when nothing is borrowed mutably."""
    setup: list[str] = []
    passed: list[str] = []
    after: list[str] = []
    for k, (param, arg) in enumerate(zip(params, args, strict=True)):
        if param.mutable:
            setup.append(f"let mut __m{k} = {arg}.to_vec();")
            passed.append(f"&mut __m{k}[..]" if param.kind is Kind.MUT_SLICE else f"__m{k}.as_mut_ptr()")
            after.append(f"__m{k}")
        elif param.kind is Kind.CONST_PTR:
            passed.append(f"{arg}.as_ptr()")
        else:
            passed.append(arg)
    call = f"{function}({', '.join(passed)})"
    if not after:
        return call
    parts = ([] if returns.replace(" ", "") == "()" else ["__r"]) + after
    shown = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    return "{ " + " ".join(setup) + f" let __r = {call}; {shown} }}"
