"""The paths through a block's instructions, and what holds on every one of them.

A block is not straight-line code: `jz 2f`, a loop's `jnz 1b`, a naked function's two
`ret`s. The rules in contract.py ask what is true on *every* path: are the flags set
before the instruction that tests them, does each register hold its old value again
where the block ends, where is the stack pointer at a `call`. The instructions'
jump targets (capstone's, as addresses) give the graph; a small forward analysis over
it answers, the states of two paths that meet being merged (a register that differs
between them is "changed").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asm_tutor.grader.isa import Decoded, Op

# How many times an instruction may be visited before the analysis stops (a fixpoint comes
# long before on any block a learner writes; the bound only keeps a strange one from running long).
_VISITS = 64


def successors(decoded: list[Decoded]) -> list[list[int]]:
    """For each instruction, the indexes control may go to next; len(decoded) is the block's end
    (falling off it, a `ret`, or a jump out of the block or to where the code does not say)."""
    end = len(decoded)
    at = {d.address: i for i, d in enumerate(decoded)}
    found: list[list[int]] = []
    for i, d in enumerate(decoded):
        target = at.get(d.target, end) if d.target is not None else end
        if d.flow == "return":
            found.append([end])
        elif d.flow == "jump":
            found.append([target])
        elif d.flow == "branch":
            found.append(sorted({i + 1, target}))
        else:
            found.append([i + 1])
    return found


def unset_flag_reads(decoded: list[Decoded]) -> list[Decoded]:
    """The instructions that test a flag on some path where no instruction of the block set it."""
    nexts = successors(decoded)
    set_in = [True] * (len(decoded) + 1)  # flags set on every path to here (True: not reached yet)
    set_in[0] = False
    reached = {0}
    work = [0]
    while work:
        i = work.pop()
        if i >= len(decoded):
            continue
        d = decoded[i]
        out = set_in[i] or d.flags_written or d.call
        for j in nexts[i]:
            if j not in reached or (set_in[j] and not out):
                set_in[j] = out if j not in reached else set_in[j] and out
                reached.add(j)
                work.append(j)
    return [d for i, d in enumerate(decoded) if i in reached and d.flags_read and not set_in[i]]


Value = object  # a register's starting value is its name; anything else is ("changed", where)


@dataclass
class State:
    """What the registers and the stack hold at one point, in terms of the values at the start."""

    regs: dict[str, Value] = field(default_factory=dict)
    sp: int | None = 0  # the stack pointer, in bytes from where it was at the start (None: unknown)
    slots: dict[int, Value] = field(default_factory=dict)  # stack contents by offset from the start

    def get(self, reg: str) -> Value:
        return self.regs.get(reg, reg)

    def restored(self, reg: str) -> bool:
        return self.get(reg) == reg

    def copy(self) -> State:
        return State(dict(self.regs), self.sp, dict(self.slots))

    def merged(self, other: State, where: int) -> State:
        regs = {r: (self.get(r) if self.get(r) == other.get(r) else ("merged", where))
                for r in self.regs.keys() | other.regs.keys()}
        slots = {k: v for k, v in self.slots.items() if other.slots.get(k) == v}
        return State(regs, self.sp if self.sp == other.sp else None, slots)


@dataclass
class Paths:
    """The analysis of a block: the state before each instruction, and where the block ends."""

    before: list[State | None]  # None: no path reaches it
    end: State | None  # the states of every path out of the block, merged


def follow(decoded: list[Decoded], stack_pointer: str) -> Paths:
    """Registers and stack along every path (moves, swaps, pushes, pops, stack slots)."""
    nexts = successors(decoded)
    before: list[State | None] = [None] * (len(decoded) + 1)
    before[0] = State()
    visits = [0] * (len(decoded) + 1)
    work = [0]
    while work:
        i = work.pop()
        if i >= len(decoded) or visits[i] > _VISITS:
            continue
        visits[i] += 1
        state = before[i]
        assert state is not None
        after = _step(state.copy(), decoded[i], i, stack_pointer)
        for j in nexts[i]:
            old = before[j]
            new = after if old is None else old.merged(after, j)
            if old is None or new != old:
                before[j] = new
                work.append(j)
    return Paths(before[:-1], before[-1])


def _reg(op: Op) -> str | None:
    return next(iter(op.registers)) if op.kind == "reg" and op.whole and len(op.registers) == 1 else None


def _slot(state: State, op: Op, stack_pointer: str) -> int | None:
    """The stack offset a memory operand addresses, when it is the stack pointer plus a constant."""
    if op.kind != "mem" or op.registers != frozenset({stack_pointer}) or state.sp is None:
        return None
    return state.sp + op.value


def _step(state: State, d: Decoded, where: int, sp: str) -> State:
    changed: Value = ("changed", where)
    regs = [_reg(op) for op in d.operands]
    m, ops = d.mnemonic, d.operands
    a, b = (regs + [None, None])[:2]
    if m in ("mov", "xchg") and len(regs) == 2 and a and b:
        if m == "xchg":
            state.regs[a], state.regs[b] = state.get(b), state.get(a)
        else:
            state.regs[a] = state.get(b)
        return state
    if m == "push" and state.sp is not None:
        state.sp -= 8
        state.slots[state.sp] = state.get(regs[0]) if regs and regs[0] else changed
        return state
    if m == "pop" and regs and regs[0] and state.sp is not None:
        state.regs[regs[0]] = state.slots.pop(state.sp, changed)
        state.sp += 8
        return state
    if m in ("sub", "add") and regs[:1] == [sp] and ops[-1].kind == "imm" and state.sp is not None:
        state.sp += -ops[-1].value if m == "sub" else ops[-1].value
        return state
    if m in ("mov", "str", "stp", "ldr", "ldp") and ops:
        memory = [op for op in ops if op.kind == "mem"]
        if len(memory) == 1 and (offset := _slot(state, memory[0], sp)) is not None:
            return _stack_move(state, d, regs, offset, changed, sp)
    call = d.call
    for reg in d.writes:
        if reg == sp and not call:
            state.sp = None
        elif reg != sp:
            state.regs[reg] = changed
    return state


def _stack_move(state: State, d: Decoded, regs: list[str | None], offset: int, changed: Value, sp: str) -> State:
    """A store to or a load from the stack at `offset` (x86 `mov`, aarch64 `str`/`stp`/`ldr`/`ldp`,
    with their pre- and post-index forms)."""
    memory = next(op for op in d.operands if op.kind == "mem")
    index = d.operands.index(memory)
    named = regs[:index]
    post = d.operands[index + 1].value if index + 1 < len(d.operands) and d.operands[index + 1].kind == "imm" else None
    pre_index = d.text.endswith("!")
    if post is not None:
        offset = state.sp if state.sp is not None else offset
    store = d.mnemonic in ("str", "stp") or (d.mnemonic == "mov" and index == 0)
    for k, reg in enumerate(named if d.mnemonic != "mov" else (regs[1:] if store else regs[:1])):
        slot = offset + 8 * k
        if store:
            state.slots[slot] = state.get(reg) if reg else changed
        elif reg:
            state.regs[reg] = state.slots.get(slot, changed)
    if pre_index and state.sp is not None:
        state.sp = offset
    elif post is not None and state.sp is not None:
        state.sp += post
    return state
