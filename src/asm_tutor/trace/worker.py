"""`python -m asm_tutor.trace.worker`: one emulated trace, in a process of its own.

The machine code is the learner's. Unicorn runs none of it on the host, but a pathological
trace could still take the emulator's memory or time, so the tutor starts this worker like
any check job: in the sandbox, under limits (runner.py). It reads one request as JSON on
stdin and writes the answer as JSON on stdout:

    request: {"elf": path, "symbol": name, "args": [int], "call_names": {"offset": name},
              "max_steps": int, "time_limit": seconds}
    answer:  emulate.trace()'s data, or {"error": sentence}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from asm_tutor.trace.elf import ElfError, load
from asm_tutor.trace.emulate import trace


def answer(request: dict[str, Any]) -> dict[str, Any]:
    try:
        image = load(Path(request["elf"]), request["symbol"])
    except (ElfError, OSError) as err:
        return {"error": str(err)}
    call_names = {int(offset): str(name) for offset, name in request.get("call_names", {}).items()}
    return {"arch": image.arch, **trace(image, [int(a) for a in request["args"]], call_names,
                                        max_steps=int(request["max_steps"]), time_limit=float(request["time_limit"]))}


def main() -> int:
    sys.stdout.write(json.dumps(answer(json.loads(sys.stdin.read()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
