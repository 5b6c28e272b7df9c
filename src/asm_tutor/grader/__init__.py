"""The grading engine: real rustc, hidden tests at -O0 and -O3, checks on the compiled code.

The one entry point is `asm_tutor.grader.engine.grade()` (with `host_arch()`); the result
model and its JSON form live in `asm_tutor.grader.result`. The modules, one job each:

    driver       the generated test driver (Rust) appended to the learner's file
    build        the rustc command lines for the two builds
    sandbox      running processes with limits, side by side, killable as a group
    runner       one test binary's run: the driver's report lines → TestResults
    diagnostics  rustc's JSON → Diagnostics in the learner's file, with hints
    disasm       objdump and `.s` parsing, symbol demangling, asm! region alignment
    checks       the instruction checks and the assembly listing
    cache        results by (source, spec, edition, seed, rustc, grader)

Nothing here imports Textual, and this package imports nothing eagerly.
"""
