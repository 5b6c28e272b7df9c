"""Step through the learner's required function on one case, in an emulator (issue 17).

trace.trace() is the entry point (for the CLI's `asm-tutor trace` and the TUI); model.py is
what it returns; the emulation itself (emulate.py, elf.py, arches.py) runs in a sandboxed
worker process (worker.py, runner.py). docs/trace.md describes the JSON form.
"""
