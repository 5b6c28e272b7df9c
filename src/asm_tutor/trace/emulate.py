"""Run one function of an ELF in unicorn, one instruction at a time, and record each step.

Nothing runs on the host: unicorn emulates the CPU and its memory, there is no operating
system behind it, and the trace stops before any system call or interrupt. It also stops
before a call out of the function (the callee would need the program's relocations and
libraries), after a step limit and after a time limit, each said in a sentence.

Returns plain data (JSON-ready), so it can come from the worker process (worker.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import capstone
import unicorn
from unicorn import arm64_const, x86_const

from asm_tutor.trace.arches import ARCHES
from asm_tutor.trace.elf import PAGE, Image

MAX_STEPS = 10_000
TIME_LIMIT = 2.0  # seconds of emulation
STACK_TOP = 0x7FF0_0000_0000
STACK_SIZE = 0x4_0000
RETURN_ADDRESS = 0x7FE0_0000_0000  # a page of its own: reaching it is the function returning
_MASK64 = (1 << 64) - 1
_SYSTEM = {"x86_64": {"syscall", "sysenter", "int", "int1", "int3", "into", "hlt"},
           "aarch64": {"svc", "hvc", "smc", "brk", "hlt"}}


def _engines(arch: str) -> tuple[unicorn.Uc, capstone.Cs, dict[str, int]]:
    consts: ModuleType
    if arch == "x86_64":
        uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        consts, prefix = x86_const, "UC_X86_REG_"
    else:
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM64, unicorn.UC_MODE_ARM)
        cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
        consts, prefix = arm64_const, "UC_ARM64_REG_"
    cs.detail = True
    spec = ARCHES[arch]
    names = (*spec.registers, spec.pc, spec.flags_register)
    return uc, cs, {name: getattr(consts, prefix + name.upper()) for name in names}


class Tracer:
    def __init__(self, image: Image, args: Sequence[int], call_names: Mapping[int, str],
                 max_steps: int = MAX_STEPS, time_limit: float = TIME_LIMIT) -> None:
        self.image, self.spec = image, ARCHES[image.arch]
        self.uc, self.cs, self.regs = _engines(image.arch)
        self.call_names = call_names  # offset in the function → what the instruction there calls
        self.max_steps, self.time_limit = max_steps, time_limit
        self.start, self.size = image.function
        self.steps: list[dict[str, Any]] = []
        self.pending: dict[str, Any] | None = None  # the step being executed
        self.before: dict[str, int] = {}
        self.writes: list[tuple[int, int]] = []  # (address, size) the pending step wrote
        self.stop: dict[str, Any] | None = None
        self.fault: tuple[str, int] | None = None
        self._map(args)

    def _map(self, args: Sequence[int]) -> None:
        for start, size in self.image.pages():
            self.uc.mem_map(start, size, unicorn.UC_PROT_ALL)
        for address, data in self.image.chunks:
            self.uc.mem_write(address, data)
        self.uc.mem_map(STACK_TOP - STACK_SIZE, STACK_SIZE, unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE)
        self.uc.mem_map(RETURN_ADDRESS, PAGE, unicorn.UC_PROT_ALL)
        sp = STACK_TOP - 0x100  # a little room above, as a caller's frame would leave
        if self.spec.name == "x86_64":
            sp -= 8  # the call pushed the return address: rsp + 8 is 16-byte aligned at entry
            self.uc.mem_write(sp, RETURN_ADDRESS.to_bytes(8, "little"))
        else:
            self.uc.reg_write(self.regs["x30"], RETURN_ADDRESS)
        self.uc.reg_write(self.regs[self.spec.sp], sp)
        for register, value in zip(self.spec.args, args, strict=False):
            self.uc.reg_write(self.regs[register], value & _MASK64)

    def listing(self) -> list[dict[str, Any]]:
        code = self.image.read(self.start, self.size)
        return [{"offset": insn.address - self.start, "bytes": insn.bytes.hex(), "text": _text(insn)}
                for insn in self.cs.disasm(code, self.start)]

    def run(self) -> dict[str, Any]:
        self.deadline = time.perf_counter() + self.time_limit
        self.uc.hook_add(unicorn.UC_HOOK_CODE, self._on_code)
        self.uc.hook_add(unicorn.UC_HOOK_MEM_WRITE, self._on_write)
        self.uc.hook_add(unicorn.UC_HOOK_MEM_INVALID, self._on_invalid)
        self.uc.hook_add(unicorn.UC_HOOK_INTR, self._on_interrupt)
        try:
            self.uc.emu_start(self.start, RETURN_ADDRESS + PAGE, timeout=int(self.time_limit * 1.5e6))
        except unicorn.UcError as err:
            self._finish_step()
            self._stopped_by_error(err)
        if self.stop is None:  # unicorn's own time-out, between two hooks
            self._finish_step()
            self._end("time_limit", self._time_message())
        returned = None
        if self.stop is not None and self.stop["reason"] == "returned":
            returned = {name: self.uc.reg_read(self.regs[name]) for name in self.spec.returns}
        return {"function": {"address": self.start, "size": self.size}, "listing": self.listing(),
                "steps": self.steps, "stop": self.stop, "returned": returned}

    # ------------------------------------------------------------------ hooks

    def _on_code(self, uc: unicorn.Uc, address: int, size: int, _data: object) -> None:
        self._finish_step()
        if address == RETURN_ADDRESS:
            return self._end("returned", "The function returned.")
        if not self.start <= address < self.start + self.size:
            name = self.image.symbols.get(address, f"{address:#x}")
            return self._end("call_out", f"The last step jumped out of the function (to `{name}`); "
                                         "the trace stops here.", name)
        if len(self.steps) >= self.max_steps:
            return self._end("step_limit", f"The trace stopped after {self.max_steps:,} steps (its step limit): "
                                           "a loop that does not end, or one longer than a trace can show.")
        if time.perf_counter() > self.deadline:
            return self._end("time_limit", self._time_message())
        insn = next(self.cs.disasm(bytes(uc.mem_read(address, size)), address), None)
        step: dict[str, Any] = {"n": len(self.steps) + 1, "offset": address - self.start,
                                "text": _text(insn) if insn else "(undecodable)"}
        if insn is None:
            self._not_executed(step)
            return self._end("fault", "This instruction cannot be decoded; the trace stops here.")
        if insn.mnemonic in _SYSTEM[self.spec.name]:
            self._not_executed(step)
            return self._end("syscall", f"This step is a system call or interrupt (`{insn.mnemonic}`), which the "
                                        "trace does not emulate; it stops here.")
        if insn.group(capstone.CS_GRP_CALL) or step["offset"] in self.call_names:
            name = self.call_names.get(step["offset"]) or self._direct_target(insn)
            self._not_executed(step)
            return self._end("call_out", f"This step calls out (to `{name}`); the trace stops here.", name)
        self.pending = step
        self.before = self._registers()
        self.writes = []
        written = insn.regs_access()[1]
        step["writes_flags"] = any(self.cs.reg_name(r) in ("rflags", "eflags", "nzcv") for r in written)
        return None

    def _on_write(self, _uc: unicorn.Uc, _access: int, address: int, size: int, _value: int, _data: object) -> None:
        self.writes.append((address, size))

    def _on_invalid(self, _uc: unicorn.Uc, access: int, address: int, _size: int, _value: int, _data: object) -> bool:
        kind = {unicorn.UC_MEM_FETCH_UNMAPPED: "jumped to", unicorn.UC_MEM_READ_UNMAPPED: "read",
                unicorn.UC_MEM_WRITE_UNMAPPED: "wrote"}.get(access, "touched")
        self.fault = (kind, address)
        return False  # unicorn then stops with an error

    def _on_interrupt(self, uc: unicorn.Uc, number: int, _data: object) -> None:
        self._finish_step()
        self._end("syscall", f"The last step raised an exception (interrupt {number}), which the trace does "
                             "not emulate: on a real machine the program would stop or call the system.")

    # ------------------------------------------------------------------ steps

    def _registers(self) -> dict[str, int]:
        return {name: self.uc.reg_read(number) for name, number in self.regs.items() if name != self.spec.pc}

    def _finish_step(self) -> None:
        step, self.pending = self.pending, None
        if step is None:
            return
        after = self._registers()
        flags_name = self.spec.flags_register
        step["registers"] = [{"name": name, "old": self.before[name], "new": value}
                             for name, value in after.items() if name != flags_name and value != self.before[name]]
        step["flags_before"], step["flags_after"] = self.before[flags_name], after[flags_name]
        step["executed"] = True
        step["memory"] = [{"address": address, "bytes": bytes(self.uc.mem_read(address, size)).hex()}
                          for address, size in self.writes]
        self.steps.append(step)

    def _not_executed(self, step: dict[str, Any]) -> None:
        """The step the trace stops at, shown but not run: nothing changed."""
        flags = self.uc.reg_read(self.regs[self.spec.flags_register])
        step.update(executed=False, registers=[], memory=[], flags_before=flags, flags_after=flags)
        self.steps.append(step)

    def _end(self, reason: str, message: str, target: str = "") -> None:
        if self.stop is None:
            self.stop = {"reason": reason, "message": message, "target": target}
        self.uc.emu_stop()

    def _stopped_by_error(self, err: unicorn.UcError) -> None:
        if self.fault is not None:
            kind, address = self.fault
            self._end("fault", f"The last step {kind} unmapped memory at {address:#x}: on a real machine the "
                               "program would crash here (a segmentation fault).")
        else:
            self._end("fault", f"The emulator stopped: {err}.")

    def _time_message(self) -> str:
        return f"The trace stopped after {self.time_limit:g} s (its time limit), at step {len(self.steps):,}."

    def _direct_target(self, insn: capstone.CsInsn) -> str:
        operand = insn.operands[0] if insn.operands else None
        if operand is not None and operand.type == capstone.CS_OP_IMM:
            return self.image.symbols.get(operand.imm, f"{operand.imm:#x}")
        return "an address computed at run time"


def _text(insn: capstone.CsInsn) -> str:
    return f"{insn.mnemonic} {insn.op_str}".strip()


def trace(image: Image, args: Sequence[int], call_names: Mapping[int, str], *, max_steps: int = MAX_STEPS,
          time_limit: float = TIME_LIMIT) -> dict[str, Any]:
    return Tracer(image, args, call_names, max_steps, time_limit).run()
