"""The check server: `asm-tutor check` answered by a resident process.

A check from the shell used to pay for Python's start-up, the imports (a TOML parser,
rich, the grader), `rustc -vV` and loading the pack on every run: more than half the
cost of the compile it wraps. The first `check` starts a server in the background;
later ones are sent to it by a small client (client.py) that imports next to nothing.
The server has everything imported and the toolchain, runtime and pack at hand, and
forks one child per request, which runs the ordinary command line (`cli.main`) in the
client's folder and environment, writing to the client's own terminal (its file
descriptors are passed over the socket). So a served check behaves exactly like an
unserved one, and nothing a request does can leak into the next.

Anything unexpected (no server, an old one, a refused request) means the client runs
the command itself, as before. ASM_TUTOR_SERVER=off turns the server off; it stops by
itself after IDLE_MINUTES without a request, and `asm-tutor server stop` stops it.
"""
