"""Generate the two programs a check runs: the learner's test program and the exercise's judge.

Both come from one plan of cases (fixed cases, edge values, seeded random cases,
properties), so case i has the same arguments in both.

The test program is the learner's file unchanged with a driver module appended (a
child module sees its parent's private items, so the function need not be `pub`; the
learner keeps their own `fn main`, helpers and `use` lines, and their `main` is
compiled as rustc would compile it, though never run). For each case it calls the
learner's function twice, inlined and through a function pointer the optimizer cannot
see through, and reports both values; it knows no expected value and decides nothing.
Fixed cases, and each edge value once per argument position, are written with literal
arguments (so the optimizer can propagate constants into the asm's operands); the
other edge combinations come from a table and random cases are drawn at run time.

The judge is built from the pack's reference alone, once per exercise and toolchain,
and runs in a process of its own: it reports each case's call and expected value,
and decides properties by replaying the values the learner's program recorded. The
grader compares (grader/verdict.py). The part both share (report lines, the random
numbers, the panic hook, the loop over cases) is the prebuilt runtime
(grader/rust/asm_tutor_rt.rs).

The test program reports on its own pipe (file descriptor from argv), one line per event:
    START\t<i>                          before case i
    VALUE\t<i>\t<direct>\t<pointer>[\t<context>]
                                        what the function returned, inlined, through a pointer
                                        and (random and tabled cases) in a calling context
    CALL\t<i>\t<value>                  a value the function returned during property i
    END\t<i>                            property i ran to its end
    PANIC\t<i>\t<message>\t<file:line>  from the panic hook
The judge reports, on its pipe:
    EXPECT\t<i>\t<call>\t<expected>     e.g. `times_nine(6)` and `54`
    HOLDS\t<i>\ttrue|false              a property, on the recorded values
    START/PANIC                         as above (a reference that panics is the pack's bug)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum

from asm_tutor.grader.crate import DRIVER_MODULE
from asm_tutor.grader.file_shape import FileShape
from asm_tutor.pack.model import ByteStrings, Exercise, Param
from asm_tutor.pack.param_types import FLOATS, SIGNED, UNSIGNED, Kind, ParamType, invoke, observed_shape, observed_type

MAX_EDGE_CASES = 64
# Ends each line of the judge that holds the pack's code (a reference, an expected value, a
# property), naming the exercise.toml field it came from: a compile error there is the pack's.
ORIGIN = "  // from: "
LIVE_VALUES = 4  # values the crowded calling context keeps live across the call (each costs the compile)



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
    shape: str = ""  # what a value is made of when it is not just the returned value


@dataclass(frozen=True)
class Driver:
    source: str  # the module text to append to the learner's file
    judge: str  # the judge's whole program (its main.rs)
    cases: tuple[CaseInfo, ...]
    signature_offset: int  # line of the signature check, counted from the module's first line (1-based)
    main_offset: int  # line of the learner's `main`, likewise

    @property
    def values(self) -> int:
        """Cases 0..values have expected values; the properties come after them."""
        return sum(case.kind is not CaseKind.PROPERTY for case in self.cases)


def edge_values(type_name: str, strings: ByteStrings | None = None) -> list[str] | None:
    """Rust expressions for the interesting values of a type; None when the type has no edge set."""
    return ParamType.parse(type_name).edge_values(strings)


def edge_combinations(params: tuple[Param, ...], strings: ByteStrings | None = None) -> list[tuple[str, ...]]:
    """Edge values per parameter: every combination when that is few enough, else a spread incl. equal inputs."""
    columns = [edge_values(p.type, strings) for p in params]
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
_SHOWN = {*UNSIGNED, *SIGNED, *FLOATS, "bool", "char", "String"}


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


# Without the learner's `main` (a library), the driver takes only the function's address.
_LIBRARY_MAIN = "unsafe { __core::ptr::read_volatile(&__FN) };"
_PROGRAM_MAIN = "let __m: fn() -> _ = super::main; unsafe { __core::ptr::read_volatile(&__m); __core::ptr::read_volatile(&__FN) };"
# A `#![no_std]` file's crate has core's prelude: the driver (its properties and helpers too)
# brings std back in its own module, as the learner's crate never sees it.
_STD_IN_DRIVER = "extern crate std; use self::std::prelude::rust_2021::*; use self::std::vec;"


def generate(exercise: Exercise, arch: str, learner_file: FileShape | None = None) -> Driver:
    """The driver for the learner's file of this shape (by default: a program, with std)."""
    sig = exercise.function
    spec = exercise.tests
    types = [p.type for p in sig.params]
    names = [p.name for p in sig.params]
    n = len(types)
    reference = spec.reference_for(arch)
    # The pack's helpers, in the judge (for the reference, the expected values, the properties)
    # and in the test program (where the properties run too).
    helpers = f"{spec.helpers.rstrip()}\n{ORIGIN}tests.helpers\n" if spec.helpers.strip() else ""
    kinds = [ParamType.parse(t) for t in types]
    observed = observed_type(kinds, sig.returns)
    shape = observed_shape(names, kinds, sig.returns)
    args_of = [f"__a.{k}.clone()" for k in range(n)]
    shown_args = ", ".join(_shown(f"__a.{k}", t) for k, t in enumerate(types))

    def call(function: str, args: list[str]) -> str:
        return invoke(function, kinds, sig.returns, args)

    def literally(args: tuple[str, ...]) -> list[str]:
        """A case's arguments as literals, so the optimizer can propagate them into the asm's
        operands; buffers are borrowed from the case's `__a` (their literal has no type alone)."""
        return [f"__a.{k}" if kind.buffer else f"({a})" for k, (kind, a) in enumerate(zip(kinds, args, strict=True))]

    cases: list[CaseInfo] = []
    tested: list[str] = []  # the test program's match arms
    judged: list[str] = []  # the judge's

    def args_tuple(args: tuple[str, ...]) -> str:
        return "(" + "".join(f"({a}), " for a in args).rstrip(" ") + ")" if args else "()"

    def literal(args: tuple[str, ...], expected: str, origin: str) -> None:
        learner = call(f"super::{sig.name}", literally(args))
        tested.append(f"{len(cases)} => {{ let __a: __Args = {args_tuple(args)}; __report(__i, &__a, {learner}) }}")
        judged.append(f"{len(cases)} => {{ let __a: __Args = {args_tuple(args)}; __expect(__i, &__a, {{ {expected} }}) }}"
                      f"{ORIGIN}{origin}")

    contexts = exercise.contract.calling_contexts and n > 0

    def drawn(first: int, count: int, draw: str) -> None:
        """Cases first..first+count: the arguments from `draw`, one inlined call for them all; with
        the calling contexts, a call of `__in_context` too."""
        guard = f"__i if __i >= {first} && __i < {first + count} => {{ {draw}"
        learner = call(f"super::{sig.name}", args_of)
        judged.append(f"{guard} __expect(__i, &__a, {call('__reference', args_of)}) }}{ORIGIN}tests.reference")
        if not contexts:
            tested.append(f"{guard} __report(__i, &__a, {learner}) }}")
            return
        live = ", ".join(f"__i ^ {k}" for k in range(LIVE_VALUES))
        tested.append(f"{guard} let __d = {learner}; let __k = __in_context(__a.clone(), {live}); "
                      f"__report_contexts(__i, &__a, __d, __k) }}")

    def reference_call(args: tuple[str, ...]) -> str:
        return call("__reference", literally(args))

    for number, case in enumerate(spec.cases):
        if case.expected is None and reference is None:
            continue  # no reference on this architecture: the case cannot be judged here
        stored = tuple(kind.store(arg) for kind, arg in zip(kinds, case.args, strict=True))
        literal(stored, case.expected if case.expected is not None else reference_call(stored),
                f"tests.cases[{number}]")
        cases.append(CaseInfo(len(cases), CaseKind.EXAMPLE, f"example {len(cases) + 1}", shape=shape))
    if reference is not None and not cases and n == 0:
        # A function without parameters has one possible call: make it the example.
        literal((), reference_call(()), "tests.reference")
        cases.append(CaseInfo(0, CaseKind.EXAMPLE, "example 1", shape=shape))
    edge_table = ""
    if reference is not None and spec.edge and n > 0:
        # Each edge value is passed once as a literal in each position (by an example, or
        # else in an arm of its own), so the optimizer can propagate the constant into the
        # asm's operands: some clobbered-input mistakes only show then. The other
        # combinations come from a table, with one inlined call for them all: an arm per
        # combination (49 for two u64s) made the -O3 compile of a two-argument exercise
        # half as long again, and each arm costs the compile about a millisecond.
        literals: list[tuple[str, ...]] = []
        tabled: list[tuple[str, ...]] = []
        seen: set[tuple[int, str]] = {(k, arg.strip()) for case in spec.cases for k, arg in enumerate(case.args)}
        for combo in edge_combinations(sig.params, spec.bytes):
            values = {(k, value.strip()) for k, value in enumerate(combo)}
            (tabled if values <= seen else literals).append(combo)
            seen |= values
        for number, combo in enumerate(literals, start=1):
            literal(combo, reference_call(combo), "tests.reference")
            cases.append(CaseInfo(len(cases), CaseKind.EDGE, f"edge {number}", shape=shape))
        table_first = len(cases)
        for number in range(len(literals) + 1, len(literals) + len(tabled) + 1):
            cases.append(CaseInfo(len(cases), CaseKind.EDGE, f"edge {number}", shape=shape))
        if tabled:
            edge_table = f"static __EDGE: [__Args; {len(tabled)}] = [{', '.join(args_tuple(c) for c in tabled)}];"
            drawn(table_first, len(tabled), f"let __a: __Args = __EDGE[__i - {table_first}];")
    random_exprs = [kind.random_expr(spec.bytes) for kind in kinds]
    random_first = len(cases)
    random_count = spec.random if reference is not None and all(random_exprs) else 0
    for number in range(1, random_count + 1):
        cases.append(CaseInfo(len(cases), CaseKind.RANDOM, f"random {number}", shape=shape))
    if random_count:
        draw = "(" + "".join(f"{e}, " for e in random_exprs).rstrip(" ") + ")" if n else "()"
        drawn(random_first, random_count, f"let mut __r = __Rng::new(__seed, __i as u64); let __a: __Args = {draw};")
    params = ", ".join(f"{name}: {t}" for name, t in zip(names, types, strict=True))
    forwarded = ", ".join(names)
    for prop in spec.properties_for(arch):
        index = len(cases)
        cases.append(CaseInfo(index, CaseKind.PROPERTY, f"property: {prop.name}", input=prop.shown))
        # The expression calls the function by name: here a stand-in that records what the
        # learner's function returned, in the judge one that replays those values.
        # For a `&mut [T]` parameter, what the function left there is recorded and replayed too
        # (after the returned value, unless that is `()`): a property on an in-place function
        # sees the buffer after the call.
        unit = sig.returns.replace(" ", "") == "()"
        buffers = [name for name, kind in zip(names, kinds, strict=True) if kind.kind is Kind.MUT_SLICE]
        records = ([] if unit else ["__v"]) + [f"&{name}[..]" for name in buffers]
        recorder = (f"fn {sig.name}({params}) -> {sig.returns} {{ let __v = super::{sig.name}({forwarded}); "
                    + "".join(f"::asm_tutor_rt::record(&::asm_tutor_rt::Debugged(&{r})); " if r != "__v"
                              else f"::asm_tutor_rt::record({_shown('__v', sig.returns)}); " for r in records)
                    + "__v }")
        tested.append(f"{index} => {{ {recorder} let _: bool = {{ {prop.expr} }}; ::asm_tutor_rt::end(__i) }}")
        replayed = "() " if unit else "::asm_tutor_rt::replay() "
        replayer = (f"fn {sig.name}({params}) -> {sig.returns} {{ let __v = {replayed}; "
                    + "".join(f"::asm_tutor_rt::replay_into({name}); " for name in buffers) + "__v }")
        judged.append(f"{index} => {{ {replayer} let __ok: bool = {{ {prop.expr} }}; ::asm_tutor_rt::holds(__i, __ok) }}"
                      f"{ORIGIN}tests.properties[{spec.properties.index(prop)}]")

    fn_type = f"{sig.extern}fn({', '.join(types)}) -> {sig.returns}"
    contexts_helpers = f"""
    #[inline(never)]
    fn __report_contexts(__i: usize, __a: &__Args, __d: __Obs, __k: __Obs) {{
        let __p = {call("__fn_ptr()", args_of)};
        ::asm_tutor_rt::value(__i, &[{", ".join(_shown(v, observed) for v in ("__d", "__p", "__k"))}])
    }}

    // The learner's function inlined where the compiler shares out registers tightly: its inputs
    // come from a load it cannot see through and are dead after the call, its result goes
    // straight back, and values stay live across it (the way `f(black_box(x))` is compiled).
    // An output written before an input is read, or an undeclared register, then shows.
    #[inline(never)]
    fn __in_context(__b: __Args, {", ".join(f"__v{k}: usize" for k in range(LIVE_VALUES))}) -> __Obs {{
        let __b: __Args = __opaque(__b);
        let __r = {call(f"super::{sig.name}", [f"__b.{k}" for k in range(n)])};
        __keep({", ".join(f"__v{k}" for k in range(LIVE_VALUES))});
        __r
    }}

    // A value the optimizer cannot see through (std::hint::black_box is newer than asm!).
    #[inline(always)]
    fn __opaque<T>(__x: T) -> T {{ let __v = unsafe {{ __core::ptr::read_volatile(&__x) }}; __core::mem::forget(__x); __v }}

    #[inline(never)]
    fn __keep({", ".join("_: usize" for _ in range(LIVE_VALUES))}) {{}}
"""
    arms = (chr(10) + "            ").join
    std_line = f"\n    {_STD_IN_DRIVER}" if learner_file is not None and learner_file.no_std else ""
    main_body = _LIBRARY_MAIN if learner_file is not None and learner_file.library else _PROGRAM_MAIN
    header = f"""
/// Added by asm-tutor for grading: the hidden tests. Not part of your file.
pub mod {DRIVER_MODULE} {{
    #![allow(warnings)]
    use ::asm_tutor_rt::Rng as __Rng;
    extern crate core as __core; // a name of the module's own: in every edition, with or without std{std_line}
"""
    # The signature check and the learner's `main` come first, on known lines, so a
    # mismatch there is recognised. `main` is only taken by address: enough for rustc to
    # compile it (and all it calls) as it would for the learner's program. So is the
    # learner's function, through __FN: even at -O3, where every call to it may be inlined,
    # it keeps a copy of its own for the Assembly view.
    signature_offset = header.count("\n") + 1
    source = header + f"""    static __FN: {fn_type} = super::{sig.name};
    #[inline(never)] fn __main() {{ {main_body} }}
    type __Args = {_tuple_type([kind.stored for kind in kinds])};
    type __Obs = {observed};
    const __TOTAL: usize = {len(cases)};
    {edge_table}

    // Read through a volatile load, so the optimizer cannot know which function is called.
    #[inline(never)]
    fn __fn_ptr() -> {fn_type} {{ unsafe {{ __core::ptr::read_volatile(&__FN) }} }}

    // Out of line, and the formatting left to the prebuilt runtime (through `dyn Show`):
    // inlined into every case, or formatting here, it would only slow both compiles.
    #[inline(never)]
    fn __report(__i: usize, __a: &__Args, __d: __Obs) {{
        let __p = {call("__fn_ptr()", args_of)};
        ::asm_tutor_rt::value(__i, &[{_shown("__d", observed)}, {_shown("__p", observed)}])
    }}
{contexts_helpers if contexts else ""}
    fn __case(__i: usize, __seed: u64) {{
        match __i {{
            {arms(tested)}
            _ => {{}}
        }}
    }}

{helpers}
    pub fn run() {{ __main(); ::asm_tutor_rt::run(__TOTAL, &__case) }}
}}
"""
    reference_fn = (f"fn __reference({params}) -> __Ret {{ {reference} }}{ORIGIN}tests.reference"
                    if reference is not None else "")
    judge = f"""//! asm-tutor's judge for `{exercise.id}`: the exercise's expected values, from its reference alone.
#![allow(warnings)]
extern crate asm_tutor_rt;
use asm_tutor_rt::Rng as __Rng;
type __Args = {_tuple_type([kind.stored for kind in kinds])};
type __Ret = {sig.returns};
type __Obs = {observed};
const __VALUES: usize = {sum(case.kind is not CaseKind.PROPERTY for case in cases)};
const __NAME: &str = "{sig.name}";
{edge_table}

{reference_fn}
{helpers}
#[inline(never)]
fn __expect(__i: usize, __a: &__Args, __e: __Obs) {{
    ::asm_tutor_rt::expect(__i, __NAME, &[{shown_args}], {_shown("__e", observed)})
}}

fn __case(__i: usize, __seed: u64) {{
    match __i {{
        {arms(judged)}
        _ => {{}}
    }}
}}

fn main() {{ ::asm_tutor_rt::judge(__VALUES, &__case) }}
"""
    return Driver(source=source, judge=judge, cases=tuple(cases), signature_offset=signature_offset,
                  main_offset=signature_offset + 1)
