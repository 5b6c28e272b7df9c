"""`asm-tutor server start|stop|status`: the background check server (see asm_tutor/server)."""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_tutor.context import Context

START_WAIT = 15.0  # seconds a fresh server may take to warm up (imports, rustc, the pack)
STOP_WAIT = 5.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asm_tutor.server.address import IDLE_MINUTES, SWITCH

    parser = sub.add_parser(
        "server",
        help="the background server that answers `check` quickly (started by the first check)",
        description="`asm-tutor check` starts a server in the background and sends later checks to it; it "
        f"stops after {IDLE_MINUTES} idle minutes. Set {SWITCH}=off to check without it.",
    )
    parser.add_argument("action", choices=("status", "start", "stop"), help="what to do")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from asm_tutor.errors import UserError
    from asm_tutor.report import stdout
    from asm_tutor.server import address, client

    console = stdout()
    pid = address.running_pid()
    if args.action == "status":
        if not address.enabled():
            console.print(f"off ({address.SWITCH}={os.environ.get(address.SWITCH)}): checks run in their own process.")
        if pid is None:
            console.print("not running; the next `asm-tutor check` starts it.")
            return 1
        console.print(f"running (pid {pid}), listening on {address.socket_path()}")
        return 0
    if args.action == "stop":
        if pid is None:
            console.print("not running.")
            return 0
        os.kill(pid, signal.SIGTERM)
        _wait_until(lambda: address.running_pid() is None, STOP_WAIT)
        console.print(f"stopped (pid {pid}).")
        return 0
    if pid is None:
        client.start_server()
        _wait_until(lambda: address.running_pid() is not None, START_WAIT)
        pid = address.running_pid()
        if pid is None:
            raise UserError(f"the server did not start within {START_WAIT:g} s; checks still work without it.")
    console.print(f"running (pid {pid}), listening on {address.socket_path()}")
    return 0


def _wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
