"""The client: send a served command to the server, or say it was not served.

Imports only C modules and address.py, so a served `check` costs Python's start-up
and a few hundred microseconds more (`socket` alone would take ~7 ms to import).
"""

from __future__ import annotations

import os
import sys

from asm_tutor.server import address

SERVED = frozenset({"check"})
_GLOBAL_OPTIONS_WITH_VALUE = ("--pack", "--profile")

# Set when a served command found no server: the caller starts one once it is done.
no_server = False


def command_of(argv: list[str]) -> str | None:
    """The subcommand, skipping the global options before it; None when there is none."""
    tokens = iter(argv)
    for token in tokens:
        if token in _GLOBAL_OPTIONS_WITH_VALUE:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
        elif token in ("-h", "--help", "--version"):
            return None
    return None


def run_served(argv: list[str]) -> int | None:
    """The command's exit status, when the server ran it; None when the caller must run it."""
    global no_server
    if command_of(argv) not in SERVED or not address.enabled():
        return None
    try:
        import _socket
    except ImportError:
        return None
    if not hasattr(_socket, "AF_UNIX") or len(os.fsencode(address.socket_path())) > address.MAX_SOCKET_PATH:
        return None  # no server can listen here
    folder = address.folder()
    if not address.is_private(folder):
        # Not there yet: the server makes it. There but not private: the server refuses it too.
        no_server = not os.path.lexists(folder)
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            sock.connect(address.socket_path())
        except OSError:
            no_server = True
            return None
        fds = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in (0, 1, 2))
        try:
            request = address.encode([
                address.identity(), os.getcwd(),
                getattr(sys.stdout, "encoding", None) or "utf-8", getattr(sys.stderr, "encoding", None) or "utf-8",
                str(len(argv)), *argv, *(f"{key}={value}" for key, value in os.environ.items()),
            ])
            sock.sendmsg([request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
            if _receive(sock, 1) != b"A":  # "N", or nothing: this server does not take it
                return None
            status = _receive(sock, 4)
        except KeyboardInterrupt:
            # Closing the connection tells the server's child to stop (it kills what it started).
            sys.stderr.write("asm-tutor: interrupted.\n")
            return 130
        except OSError:
            return None
    finally:
        sock.close()
    if len(status) == 4:
        return int.from_bytes(status, "big", signed=True)
    # Accepted, but the child that ran it died before it could answer.
    sys.stderr.write(f"asm-tutor: the check server stopped unexpectedly; run the command again, "
                     f"or set {address.SWITCH}=off to check without it.\n")
    return 2


def _receive(sock: object, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))  # type: ignore[attr-defined]
        if not chunk:
            break
        data += chunk
    return data


def start_server() -> None:
    """Start a server in the background for the next command; quietly nothing if that fails."""
    import subprocess

    if not hasattr(os, "fork"):
        return
    try:
        subprocess.Popen([sys.executable, "-m", "asm_tutor.server"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd="/")
    except OSError:
        pass
