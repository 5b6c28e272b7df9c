"""The grading engine: real rustc, hidden tests at -O0 and -O3, checks on the compiled code.

The one entry point is `asm_tutor.grader.engine.grade()` (with `host_arch()`); the result
model and its JSON form live in `asm_tutor.grader.result`. The modules, one job each:

    engine       grade(): the request, the cache, the pipeline, the result
    request      what one check grades (the cache's key is made from it)
    crate        the generated crate's layout: its files, crate and module names
    file_shape   the learner's file as handed in: a program or a library, its crate attributes
    driver       the hidden-test driver (Rust) appended to the learner's file
    judge        the exercise's judge: expected values from the pack's reference alone
    runtime      the test programs' fixed half (rust/asm_tutor_rt.rs), prebuilt per rustc
    linker       linking with rust-lld directly where that works
    build        the rustc command lines for the two builds
    pipeline     the jobs of one check, each started as soon as what it needs is there
    jobs         a job: command, limits, sandbox; processes runs jobs side by side
    sandbox      bubblewrap: no network, nothing outside the work folder
    bounds       what a check's learner code may use at most, together
    intruders    code a test program carries outside the function checked, refused
    runner       one test program's run: its report lines → values per case
    verdict      values against the judge's → TestResults and the outcome
    diagnostics  rustc's JSON → Diagnostics in the learner's file, with hints
    own_hints    hints built from the learner's own template lines and operands
    objfile      ELF files (pyelftools): functions, relocations, where a function is in a program
    disasm       the object decoded (capstone), `.s` parsing, symbol demangling, asm! region alignment
    symbols      Rust's v0 symbol mangling read into paths
    asm_blocks   the learner's asm! blocks as written (tree-sitter): operands, options
    guards       the CPU features the source makes sure of before a block runs
    isa, contract  each block's promises against the instructions it compiled to
    regions      which block each compiled asm! region came from (rustc's line tables)
    pairing      which register each placeholder became (template lines × instructions)
    flow         the paths through a block: flags, registers and stack on every one
    width        an input as wide as the instruction that reads it
    checks       the instruction checks and the assembly listings
    structure    what an exercise is about: const operands, loops in asm!, where the result comes from
    hollow       the cases again with the asm! blocks made no-ops
    advice       plain-words explanations of crashes and likely mistakes
    artifacts, cache  built files and results kept between checks

Nothing here imports Textual, and this package imports nothing eagerly.
"""
