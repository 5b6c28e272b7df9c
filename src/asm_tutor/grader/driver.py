"""Generate the test driver: Rust source appended to the learner's file as a child module.

A child module sees its parent's private items, so the learner's function need
not be `pub` and the learner may keep their own `fn main`, helpers and `use`
lines. One compile serves every case and every seed: fixed cases, and each edge
value once per argument position, are written out with literal arguments (so the
optimizer can inline the learner's function and propagate constants into it); the
other edge combinations come from a table and random cases are drawn at run time
from a small xorshift generator seeded from argv, each through one inlined call;
and every case also calls the function through a function pointer the optimizer
cannot see through. The part
that is the same for every exercise (the report pipe, the random numbers, the
panic hook, the loop over cases, the formatting of report lines) is the prebuilt
runtime crate (runtime.py).

The driver reports on its own pipe (file descriptor from argv), one line per event:
    START\t<i>                                   before case i
    INPUT\t<i>\t<input>\t<expected>               before calling the learner's function
    RESULT\t<i>\tpass|fail\t<input>\t<expected>\t<actual>\t<how>
    RESULT\t<i>\tpanic                           case i panicked (a PANIC line came first)
    PANIC\t<i>\t<message>\t<file:line>           from the panic hook
    DONE                                         after the last case
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum

from asm_tutor.pack.model import Exercise, Param

MAIN_RS = """#![allow(dead_code, unused)]
extern crate asm_tutor_rt;
#[path = "solution.rs"] mod learner;
fn main() { learner::__asm_tutor_driver::run() }
"""
DRIVER_MODULE = "__asm_tutor_driver"
MAX_EDGE_CASES = 64

_UNSIGNED = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "usize": 64, "u128": 128}
_SIGNED = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "isize": 64, "i128": 128}


class CaseKind(StrEnum):
    EXAMPLE = "example"  # a fixed case from the spec
    EDGE = "edge"
    RANDOM = "random"
    PROPERTY = "property"


@dataclass(frozen=True)
class CaseInfo:
    index: int
    kind: CaseKind
    name: str
    input: str = ""  # known up front only for properties (their expression)


@dataclass(frozen=True)
class Driver:
    source: str  # the module text to append to the learner's file
    cases: tuple[CaseInfo, ...]
    signature_offset: int  # line of the signature check, counted from the module's first line (1-based)


def edge_values(type_name: str) -> list[str] | None:
    """Rust expressions for the interesting values of a type; None when the type has no edge set."""
    t = type_name.strip()
    if t in _UNSIGNED:
        return ["0", "1", "2", f"{t}::MAX", f"{t}::MAX - 1", f"({t}::MAX >> 1) + 1", f"{t}::MAX >> 1"]
    if t in _SIGNED:
        return ["0", "1", "-1", f"{t}::MIN", f"{t}::MAX"]
    if t == "bool":
        return ["false", "true"]
    return None


def _random_expr(type_name: str) -> str | None:
    t = type_name.strip()
    if t == "u128":
        return "__r.u128()"
    if t == "i128":
        return "(__r.u128() as i128)"
    if t in _UNSIGNED:
        return f"(__r.u() as {t})"
    if t in _SIGNED:
        return f"(__r.i() as {t})"
    if t == "bool":
        return "__r.b()"
    return None


def edge_combinations(params: tuple[Param, ...]) -> list[tuple[str, ...]]:
    """Edge values per parameter: every combination when that is few enough, else a spread incl. equal inputs."""
    columns = [edge_values(p.type) for p in params]
    if any(c is None for c in columns):
        return []
    values: list[list[str]] = [c for c in columns if c is not None]
    total = 1
    for column in values:
        total *= len(column)
    if total <= MAX_EDGE_CASES:
        return list(itertools.product(*values))
    chosen: list[tuple[str, ...]] = []

    def add(combo: tuple[str, ...]) -> None:
        if combo not in chosen and len(chosen) < MAX_EDGE_CASES:
            chosen.append(combo)

    if len({p.type.strip() for p in params}) == 1:  # equal inputs: the diagonal
        for value in values[0]:
            add(tuple(value for _ in params))
    for position, column in enumerate(values):  # each value against plain companions
        for value in column:
            for base in (0, 1):
                add(tuple(value if k == position else values[k][base] for k in range(len(params))))
    for combo in itertools.islice(itertools.product(*values), 0, None, max(1, total // MAX_EDGE_CASES)):
        add(combo)
    return chosen


# Types the runtime formats itself (its `Show` impls); others are formatted in the check.
_SHOWN = {*_UNSIGNED, *_SIGNED, "bool", "char", "String"}


def _shown_by_runtime(type_name: str) -> bool:
    t = type_name.replace(" ", "")
    if t.startswith("Option<") and t.endswith(">"):
        return _shown_by_runtime(t[len("Option<"):-1])
    return t in _SHOWN


def _shown(value: str, type_name: str) -> str:
    """`value` as a `&dyn Show` for the runtime's report."""
    if _shown_by_runtime(type_name):
        return f"&{value}"
    return f"&::asm_tutor_rt::Debugged(&{value})"


def _tuple_type(types: list[str]) -> str:
    return "(" + "".join(f"{t}, " for t in types).rstrip(" ") + ")" if types else "()"


def generate(exercise: Exercise, arch: str) -> Driver:
    sig = exercise.function
    spec = exercise.tests
    types = [p.type for p in sig.params]
    names = [p.name for p in sig.params]
    n = len(types)
    reference = spec.reference_for(arch)
    args_of = ", ".join(f"__a.{k}.clone()" for k in range(n))
    shown_args = ", ".join(_shown(f"__a.{k}", t) for k, t in enumerate(types))

    cases: list[CaseInfo] = []
    arms: list[str] = []

    def args_tuple(args: tuple[str, ...]) -> str:
        return "(" + "".join(f"({a}), " for a in args).rstrip(" ") + ")" if args else "()"

    def drawn_arm(first: int, count: int, draw: str) -> str:
        """Cases first..first+count: the arguments from `draw`, one inlined call for them all."""
        return (f"__i if __i >= {first} && __i < {first + count} => {{ {draw} "
                f"let __e: __Ret = __reference({args_of}); __note(__i, &__a, &__e); "
                f"let __d: __Ret = super::{sig.name}({args_of}); __judge(__i, &__a, __e, __d) }}")

    def literal_arm(args: tuple[str, ...], expected: str) -> str:
        literal_call = f"super::{sig.name}(" + ", ".join(f"({a})" for a in args) + ")"
        return (f"let __a: __Args = {args_tuple(args)}; let __e: __Ret = {{ {expected} }}; __note(__i, &__a, &__e); "
                f"let __d: __Ret = {literal_call}; __judge(__i, &__a, __e, __d)")

    def reference_call(args: tuple[str, ...]) -> str:
        return "__reference(" + ", ".join(f"({a})" for a in args) + ")"

    for case in spec.cases:
        if case.expected is None and reference is None:
            continue  # no reference on this architecture: the case cannot be judged here
        index = len(cases)
        cases.append(CaseInfo(index, CaseKind.EXAMPLE, f"example {index + 1}"))
        expected = case.expected if case.expected is not None else reference_call(case.args)
        arms.append(f"{index} => {{ {literal_arm(case.args, expected)} }}")
    if reference is not None and not cases and n == 0:
        # A function without parameters has one possible call: make it the example.
        cases.append(CaseInfo(0, CaseKind.EXAMPLE, "example 1"))
        arms.append(f"0 => {{ {literal_arm((), reference_call(()))} }}")
    edge_table = ""
    if reference is not None and spec.edge and n > 0:
        # Each edge value is passed once as a literal in each position (by an example, or
        # else in an arm of its own), so the optimizer can propagate the constant into the
        # asm's operands: some clobbered-input mistakes only show then. The other
        # combinations come from a table, with one inlined call for them all: an arm per
        # combination (49 for two u64s) made the -O3 compile of a two-argument exercise
        # half as long again, and each arm costs the compile about a millisecond.
        literal: list[tuple[str, ...]] = []
        tabled: list[tuple[str, ...]] = []
        seen: set[tuple[int, str]] = {(k, arg.strip()) for case in spec.cases for k, arg in enumerate(case.args)}
        for combo in edge_combinations(sig.params):
            values = {(k, value.strip()) for k, value in enumerate(combo)}
            (tabled if values <= seen else literal).append(combo)
            seen |= values
        for number, combo in enumerate(literal, start=1):
            index = len(cases)
            cases.append(CaseInfo(index, CaseKind.EDGE, f"edge {number}"))
            arms.append(f"{index} => {{ {literal_arm(combo, reference_call(combo))} }}")
        table_first = len(cases)
        for number in range(len(literal) + 1, len(literal) + len(tabled) + 1):
            cases.append(CaseInfo(len(cases), CaseKind.EDGE, f"edge {number}"))
        if tabled:
            edge_table = f"static __EDGE: [__Args; {len(tabled)}] = [{', '.join(args_tuple(c) for c in tabled)}];"
            arms.append(drawn_arm(table_first, len(tabled), f"let __a: __Args = __EDGE[__i - {table_first}];"))
    random_exprs = [_random_expr(t) for t in types]
    random_first = len(cases)
    random_count = spec.random if reference is not None and all(random_exprs) else 0
    for number in range(1, random_count + 1):
        cases.append(CaseInfo(len(cases), CaseKind.RANDOM, f"random {number}"))
    if random_count:
        draw = "(" + "".join(f"{e}, " for e in random_exprs).rstrip(" ") + ")" if n else "()"
        arms.append(drawn_arm(random_first, random_count,
                              f"let mut __r = __Rng::new(__seed, __i as u64); let __a: __Args = {draw};"))
    for prop in spec.properties_for(arch):
        index = len(cases)
        cases.append(CaseInfo(index, CaseKind.PROPERTY, f"property: {prop.name}", input=prop.expr))
        arms.append(
            f"{index} => {{ use super::{sig.name}; let __ok: bool = {{ {prop.expr} }}; ::asm_tutor_rt::property(__i, __ok) }}"
        )

    fn_type = f"fn({', '.join(types)}) -> {sig.returns}"
    reference_fn = ""
    if reference is not None:
        params = ", ".join(f"{name}: {t}" for name, t in zip(names, types, strict=True))
        reference_fn = f"fn __reference({params}) -> __Ret {{ {reference} }}"
    header = f"""
/// Added by asm-tutor for grading: the hidden tests. Not part of your file.
pub mod {DRIVER_MODULE} {{
    #![allow(warnings)]
    use ::asm_tutor_rt::Rng as __Rng;
"""
    # The signature check comes first, on a known line, so a type mismatch there is recognised.
    signature_offset = header.count("\n") + 1
    body = f"""    static __FN: {fn_type} = super::{sig.name};
    type __Args = {_tuple_type(types)};
    type __Ret = {sig.returns};
    const __TOTAL: usize = {len(cases)};
    const __NAME: &str = "{sig.name}";
    {edge_table}

    {reference_fn}

    // Read through a volatile load, so the optimizer cannot know which function is called.
    #[inline(never)]
    fn __fn_ptr() -> {fn_type} {{ unsafe {{ ::std::ptr::read_volatile(&__FN) }} }}

    // The helpers stay out of line and leave the formatting to the prebuilt runtime
    // (through `dyn Show`): inlined into every case, or formatting here, they would
    // only slow both compiles.
    #[inline(never)]
    fn __note(__i: usize, __a: &__Args, __e: &__Ret) {{
        ::asm_tutor_rt::note(__i, __NAME, &[{shown_args}], {_shown("*__e", sig.returns)})
    }}

    #[inline(never)]
    fn __judge(__i: usize, __a: &__Args, __e: __Ret, __d: __Ret) {{
        let __p = __fn_ptr()({args_of});
        let (actual, how) = if __d != __e {{ (__d, "direct") }} else if __p != __e {{ (__p, "pointer") }} else {{ (__d, "") }};
        ::asm_tutor_rt::verdict(__i, __NAME, &[{shown_args}], {_shown("__e", sig.returns)}, {_shown("actual", sig.returns)}, how)
    }}

    fn __case(__i: usize, __seed: u64) {{
        match __i {{
            {(chr(10) + "            ").join(arms)}
            _ => {{}}
        }}
    }}

    pub fn run() {{ ::asm_tutor_rt::run(__TOTAL, &__case) }}
}}
"""
    return Driver(source=header + body, cases=tuple(cases), signature_offset=signature_offset)
