"""What the emulator must know of each architecture: registers, flags, the calling convention,
and what each condition code tests.

Plain tables (no unicorn or capstone import here), so the parent process can name argument
registers and decode flags without loading the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchSpec:
    name: str
    registers: tuple[str, ...]  # the general registers a step's changes are reported for
    pc: str
    sp: str
    flags_register: str
    flag_bits: dict[str, int]  # decoded flag → its bit in the flags register
    args: tuple[str, ...]  # integer argument registers, in order
    returns: tuple[str, str]  # the result's register, and its high half for 128-bit results
    conditions: dict[str, tuple[str, str]]  # condition code → (what it means, its test on the flags)


_X86_CONDITIONS = {
    "o": ("overflow", "OF"), "no": ("not overflow", "!OF"),
    "b": ("below (unsigned <)", "CF"), "ae": ("above or equal (unsigned >=)", "!CF"),
    "e": ("equal", "ZF"), "ne": ("not equal", "!ZF"),
    "be": ("below or equal (unsigned <=)", "CF|ZF"), "a": ("above (unsigned >)", "!CF&!ZF"),
    "s": ("sign (negative)", "SF"), "ns": ("not sign", "!SF"),
    "l": ("less (signed <)", "SF!=OF"), "ge": ("greater or equal (signed >=)", "SF==OF"),
    "le": ("less or equal (signed <=)", "ZF|SF!=OF"), "g": ("greater (signed >)", "!ZF&SF==OF"),
}
# Other spellings of the same tests (`cmovc` is `cmovb`, `cmovnle` is `cmovg`).
_X86_SYNONYMS = {"c": "b", "nae": "b", "nb": "ae", "nc": "ae", "z": "e", "nz": "ne", "na": "be", "nbe": "a",
                 "nge": "l", "nl": "ge", "ng": "le", "nle": "g"}
for _alias, _code in _X86_SYNONYMS.items():
    _X86_CONDITIONS[_alias] = _X86_CONDITIONS[_code]

_ARM_CONDITIONS = {
    "eq": ("equal", "Z"), "ne": ("not equal", "!Z"),
    "hs": ("higher or same (unsigned >=)", "C"), "lo": ("lower (unsigned <)", "!C"),
    "mi": ("minus (negative)", "N"), "pl": ("plus (not negative)", "!N"),
    "vs": ("overflow", "V"), "vc": ("no overflow", "!V"),
    "hi": ("higher (unsigned >)", "C&!Z"), "ls": ("lower or same (unsigned <=)", "!C|Z"),
    "ge": ("greater or equal (signed >=)", "N==V"), "lt": ("less (signed <)", "N!=V"),
    "gt": ("greater (signed >)", "!Z&N==V"), "le": ("less or equal (signed <=)", "Z|N!=V"),
    "al": ("always", "1"),
}
_ARM_CONDITIONS["cs"], _ARM_CONDITIONS["cc"] = _ARM_CONDITIONS["hs"], _ARM_CONDITIONS["lo"]

X86_64 = ArchSpec(
    name="x86_64",
    registers=("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
               *(f"r{n}" for n in range(8, 16))),
    pc="rip", sp="rsp", flags_register="eflags",
    flag_bits={"CF": 0, "ZF": 6, "SF": 7, "OF": 11},
    args=("rdi", "rsi", "rdx", "rcx", "r8", "r9"),
    returns=("rax", "rdx"),
    conditions=_X86_CONDITIONS,
)
AARCH64 = ArchSpec(
    name="aarch64",
    registers=(*(f"x{n}" for n in range(31)), "sp"),
    pc="pc", sp="sp", flags_register="nzcv",
    flag_bits={"N": 31, "Z": 30, "C": 29, "V": 28},
    args=tuple(f"x{n}" for n in range(8)),
    returns=("x0", "x1"),
    conditions=_ARM_CONDITIONS,
)
ARCHES = {spec.name: spec for spec in (X86_64, AARCH64)}

# x86's narrower names for the same registers, as a placeholder may have become (`{x:e}` is edi).
_X86_NARROW = {
    **{f"e{r}x": f"r{r}x" for r in "abcd"}, **{f"{r}x": f"r{r}x" for r in "abcd"},
    **{f"{r}l": f"r{r}x" for r in "abcd"}, **{f"{r}h": f"r{r}x" for r in "abcd"},
    **{f"e{r}": f"r{r}" for r in ("si", "di", "bp", "sp")}, **{r: f"r{r}" for r in ("si", "di", "bp", "sp")},
    **{f"{r}l": f"r{r}" for r in ("si", "di", "bp", "sp")},
    **{f"r{n}{s}": f"r{n}" for n in range(8, 16) for s in ("d", "w", "b")},
}


def full_register(arch: str, name: str) -> str:
    """The whole register a name is part of: `edi` → `rdi`, `w3` → `x3` (else the name as given)."""
    name = name.lower()
    if arch == "aarch64":
        if name.startswith("w") and name[1:].isdigit():
            return "x" + name[1:]
        return {"fp": "x29", "lr": "x30", "wsp": "sp"}.get(name, name)
    return _X86_NARROW.get(name, name)


def decode_flags(spec: ArchSpec, value: int) -> dict[str, bool]:
    return {flag: bool(value >> bit & 1) for flag, bit in spec.flag_bits.items()}


def condition_holds(test: str, flags: dict[str, bool]) -> bool:
    """Evaluate a test from the tables above (`SF!=OF`, `!CF&!ZF`, `Z|N!=V`) on decoded flags."""
    if test == "1":
        return True
    if "|" in test:
        return any(condition_holds(part, flags) for part in test.split("|"))
    if "&" in test:
        return all(condition_holds(part, flags) for part in test.split("&"))
    if "!=" in test:
        left, right = test.split("!=")
        return flags[left] != flags[right]
    if "==" in test:
        left, right = test.split("==")
        return flags[left] == flags[right]
    if test.startswith("!"):
        return not flags[test[1:]]
    return flags[test]


def condition_of(spec: ArchSpec, mnemonic: str, op_str: str) -> str | None:
    """The condition code a conditional instruction tests (`cmovl` → `l`, `csel …, hs` → `hs`), or None."""
    if spec.name == "x86_64":
        for prefix in ("cmov", "set", "j"):
            if mnemonic.startswith(prefix) and mnemonic[len(prefix):] in spec.conditions:
                return mnemonic[len(prefix):]
        return None
    if mnemonic.startswith("b.") and mnemonic[2:] in spec.conditions:
        return mnemonic[2:]
    if mnemonic in ("csel", "csinc", "csinv", "csneg", "cset", "csetm", "cinc", "cinv", "cneg", "ccmp", "ccmn",
                    "fcsel"):
        last = op_str.rsplit(",", 1)[-1].strip()
        return last if last in spec.conditions else None
    return None
