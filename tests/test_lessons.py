"""Every Rust block in the built-in lessons keeps its promise, checked with the real rustc;
and unit tests of the block conventions (parser, tags, hidden lines, display)."""

from __future__ import annotations

import textwrap

import pytest

from asm_tutor.authoring.lesson_blocks import BlockStatus, verify_block
from asm_tutor.pack.lesson_text import display_markdown, parse_blocks, split_info
from asm_tutor.pack.loader import load_pack
from asm_tutor.paths import builtin_pack_dir
from asm_tutor.toolchain import Toolchain, ToolchainError, detect

FENCE = "```"


def _toolchain() -> Toolchain:
    try:
        return detect()
    except ToolchainError as err:
        pytest.skip(f"no rustc: {err}")


def _builtin_blocks() -> list[pytest.param]:
    pack = load_pack(builtin_pack_dir())
    params = []
    for lesson in pack.lessons.values():
        origin = lesson.path.relative_to(pack.root).as_posix()
        for block in parse_blocks(lesson.text(), origin):
            params.append(pytest.param(block, pack.edition, id=f"{lesson.id}:{block.line}"))
    return params


@pytest.mark.parametrize(("block", "edition"), _builtin_blocks())
def test_builtin_lesson_block(block, edition):
    outcome = verify_block(block, _toolchain(), edition)
    if outcome.status is BlockStatus.SKIPPED:
        pytest.skip(outcome.message)
    assert outcome.status is BlockStatus.PASS, outcome.message


def test_every_builtin_lesson_has_checked_rust():
    pack = load_pack(builtin_pack_dir())
    for lesson in pack.lessons.values():
        blocks = parse_blocks(lesson.text())
        assert any(not b.ignored and b.arch in (None, "x86_64") for b in blocks), lesson.id


def test_every_builtin_lesson_that_runs_asm_on_x86_64_runs_asm_on_aarch64_too():
    """An aarch64 learner sees a working block beside every x86_64 one (cfg arms or a block of its own)."""
    pack = load_pack(builtin_pack_dir())

    def runs_asm(block, arch: str) -> bool:
        return (not block.ignored and not block.compile_fail and block.arch in (None, arch)
                and "asm!" in block.source)

    for lesson in pack.lessons.values():
        blocks = parse_blocks(lesson.text())
        if any(runs_asm(b, "x86_64") for b in blocks):
            assert any(runs_asm(b, "aarch64") for b in blocks), lesson.id


def test_builtin_lessons_display_without_tags_or_hidden_lines():
    pack = load_pack(builtin_pack_dir())
    for lesson in pack.lessons.values():
        shown = display_markdown(lesson.text())
        assert "compile_fail" not in shown and "```output" not in shown, lesson.id
        assert "\n# fn main" not in shown, lesson.id


# -- the conventions, on small inline Markdown ------------------------------------


def md(text: str) -> str:
    return textwrap.dedent(text).replace("~~~", FENCE)


SAMPLE = md("""\
    # Title

    Some prose.

    ~~~rust
    # use std::arch::asm;
    # fn main() {
    let x = 40 + 2;
    ## [allow(unused)] keeps its hash
    println!("{x}");
    #
    # }
    ~~~

    ~~~output
    42
    ~~~

    ~~~text
    # not rust, left alone
    ~~~

    ~~~rust,compile_fail,E0133
    # use std::arch::asm;
    fn main() { asm!("nop"); }
    ~~~
    """)


def test_parse_finds_rust_blocks_with_lines_and_output():
    blocks = parse_blocks(SAMPLE, "lessons/x.md")
    assert [b.line for b in blocks] == [5, 23]
    first, second = blocks
    assert first.expected_output == "42" and first.output_line == 15
    assert first.tags == ()
    assert second.compile_fail and second.error_codes == ("E0133",)
    assert second.where == "lessons/x.md:23"


def test_hidden_lines_are_compiled_but_not_shown():
    block = parse_blocks(SAMPLE)[0]
    assert block.source.splitlines() == [
        "use std::arch::asm;",
        "fn main() {",
        "let x = 40 + 2;",
        "# [allow(unused)] keeps its hash",
        'println!("{x}");',
        "",
        "}",
    ]
    assert block.shown.splitlines() == [
        "let x = 40 + 2;",
        "# [allow(unused)] keeps its hash",
        'println!("{x}");',
    ]


def test_hidden_line_keeps_indentation_and_attributes_are_not_hidden():
    text = md("""\
        ~~~rust
        #[inline]
        fn f() {}
            # let y = 1;
        # fn main() { f() }
        ~~~
        """)
    block = parse_blocks(text)[0]
    assert block.shown.splitlines() == ["#[inline]", "fn f() {}"]
    assert "    let y = 1;" in block.source.splitlines()


def test_display_markdown():
    shown = display_markdown(SAMPLE)
    assert "# use std::arch::asm;" not in shown
    assert "let x = 40 + 2;" in shown
    assert "# [allow(unused)] keeps its hash" in shown
    assert "```text\n42\n```" in shown  # output blocks read as plain text
    assert "```text\n# not rust, left alone\n```" in shown  # other fences untouched
    assert "compile_fail" not in shown and "```rust\nfn main() { asm!" in shown
    assert shown.startswith("# Title\n\nSome prose.\n")


def test_split_info_handles_quotes_and_commas():
    assert split_info('rust,compile_fail="a, \\"b\\"",E0133 arch=x86_64') == [
        ("rust", None), ("compile_fail", 'a, "b"'), ("E0133", None), ("arch", "x86_64"),
    ]


@pytest.mark.parametrize(
    ("info", "field", "value"),
    [
        ("rust,arch=aarch64", "arch", "aarch64"),
        ("rust,min_rustc=1.88", "min_rustc", (1, 88, 0)),
        ('rust,ignore="needs nightly"', "ignore_reason", "needs nightly"),
        ('rust,compile_fail="invalid reference to argument"', "error_text", "invalid reference to argument"),
        ("rust,no_run", "no_run", True),
        ("rust,edition2024", "edition", "2024"),
    ],
)
def test_tags(info, field, value):
    (block,) = parse_blocks(f"{FENCE}{info}\nfn main() {{}}\n{FENCE}\n")
    assert block.problems == []
    assert getattr(block, field) == value


@pytest.mark.parametrize(
    ("info", "problem"),
    [
        ("rust,ignore", "needs a reason"),
        ("rust,compile-fail", "unknown tag"),
        ("rust,arch=mips", "not a known architecture"),
        ("rust,min_rustc=new", "not a version"),
        ("rust,E0133", "needs `compile_fail`"),
    ],
)
def test_malformed_tags_fail_instead_of_passing_silently(info, problem):
    (block,) = parse_blocks(f"{FENCE}{info}\nfn main() {{}}\n{FENCE}\n", "l.md")
    assert any(problem in p for p in block.problems), block.problems
    fake = Toolchain(rustc="rustc", release="1.95.0", host="x86_64-unknown-linux-gnu", commit="", llvm="")
    outcome = verify_block(block, fake)  # fails before rustc is ever run
    assert outcome.status is BlockStatus.FAIL and outcome.message.startswith("l.md:1:")


def test_backtick_in_info_string_is_reported():
    text = f'{FENCE}rust,compile_fail="the `pure` option"\nfn main() {{}}\n{FENCE}\n'
    blocks = parse_blocks(text)
    assert blocks and "CommonMark" in blocks[0].problems[0]


def test_output_block_without_rust_block_is_reported():
    blocks = parse_blocks(f"Text.\n\n{FENCE}output\n42\n{FENCE}\n")
    assert len(blocks) == 1 and "straight after" in blocks[0].problems[0]


def test_skips_need_no_rustc():
    fake = Toolchain(rustc="/nonexistent/rustc", release="1.80.0", host="x86_64-unknown-linux-gnu",
                     commit="", llvm="")
    arch, old, ignored = parse_blocks(md("""\
        ~~~rust,arch=aarch64
        fn main() {}
        ~~~
        ~~~rust,min_rustc=1.88
        fn main() {}
        ~~~
        ~~~rust,ignore="needs nightly"
        fn main() {}
        ~~~
        """), "l.md")
    outcomes = [verify_block(b, fake) for b in (arch, old, ignored)]
    assert all(o.status is BlockStatus.SKIPPED for o in outcomes)
    assert "aarch64" in outcomes[0].message
    assert "1.88" in outcomes[1].message
    assert "needs nightly" in outcomes[2].message


# -- verification with the real rustc -------------------------------------------------


def verify(text: str):
    (block,) = parse_blocks(md(text), "lesson.md")
    return verify_block(block, _toolchain(), "2021")


def test_passing_program_with_output():
    outcome = verify("""\
        ~~~rust
        fn main() { println!("hello  "); }
        ~~~
        ~~~output
        hello
        ~~~
        """)
    assert outcome.status is BlockStatus.PASS, outcome.message


def test_output_that_differs_fails():
    outcome = verify("""\
        ~~~rust
        fn main() { println!("41"); }
        ~~~
        ~~~output
        42
        ~~~
        """)
    assert outcome.status is BlockStatus.FAIL
    assert "lesson.md:1" in outcome.message and "differs" in outcome.message and "41" in outcome.message


def test_compile_fail_block_that_compiles_fails():
    outcome = verify("""\
        ~~~rust,compile_fail,E0133
        fn main() { unsafe { std::arch::asm!("nop") } }
        ~~~
        """)
    assert outcome.status is BlockStatus.FAIL
    assert "but it compiles" in outcome.message


def test_compile_fail_with_code_and_text():
    outcome = verify("""\
        ~~~rust,compile_fail="invalid reference to argument at index 1",E0133
        # fn main() {
        let x: u64;
        unsafe { std::arch::asm!("mov {0}, {1}", out(reg) x) }
        # let _ = x;
        # }
        ~~~
        """)
    # The text matches but E0133 is not among the errors: that is a failure naming what is missing.
    assert outcome.status is BlockStatus.FAIL
    assert "E0133" in outcome.message and "invalid reference" in outcome.message


def test_compile_fail_with_the_right_error_passes():
    outcome = verify("""\
        ~~~rust,compile_fail,E0133
        fn main() { std::arch::asm!("nop"); }
        ~~~
        """)
    assert outcome.status is BlockStatus.PASS, outcome.message


def test_a_block_that_does_not_compile_names_the_lesson_line():
    outcome = verify("""\
        ~~~rust
        fn main() {
            let x: u32 = "no";
        }
        ~~~
        """)
    assert outcome.status is BlockStatus.FAIL
    assert "lesson.md:1: does not compile" in outcome.message
    assert "lesson.md:3:" in outcome.message  # rustc's location, moved to the lesson's line


def test_fragment_without_main_gets_advice():
    outcome = verify("""\
        ~~~rust
        let x = 1;
        ~~~
        """)
    assert outcome.status is BlockStatus.FAIL


def test_program_that_fails_at_run_time_fails():
    outcome = verify("""\
        ~~~rust
        fn main() { std::process::exit(3) }
        ~~~
        """)
    assert outcome.status is BlockStatus.FAIL and "exit status 3" in outcome.message


def test_no_run_only_compiles():
    outcome = verify("""\
        ~~~rust,no_run
        fn main() { loop {} }
        ~~~
        """)
    assert outcome.status is BlockStatus.PASS, outcome.message
