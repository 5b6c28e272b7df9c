"""`python -m asm_tutor.server`: run the check server (the client starts it in the background)."""

from asm_tutor.server.daemon import serve

raise SystemExit(serve())
