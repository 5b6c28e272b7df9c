"""The `asm-tutor` program: a served command goes to the check server, the rest to cli.main.

Nothing heavy is imported before the server has had its chance (see server/client.py).
"""

from __future__ import annotations

import sys


# Only builtins here: `typing` or `collections.abc` alone would cost a served command ~10 ms.
def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from asm_tutor.server import client

    try:
        served = client.run_served(args)
    except KeyboardInterrupt:  # before the server had the command: nothing was started
        sys.stderr.write("asm-tutor: interrupted.\n")
        return 130
    if served is not None:
        return served
    from asm_tutor.cli import main as run_here

    try:
        return run_here(args)
    finally:
        if client.no_server:
            client.start_server()  # for the next check
