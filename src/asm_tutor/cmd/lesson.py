"""`asm-tutor lesson LESSON [--section HEADING]`: a lesson (or one section of it) in the terminal.

Where a hint or a result says "See the lesson X, section Y", the CLI prints the command
that shows it (`lesson_commands`), as the TUI opens the lesson there.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asm_tutor.context import Context
    from asm_tutor.pack.model import Lesson


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "lesson",
        help="show a lesson, or one of its sections, in the terminal",
        description="Print the lesson LESSON (its id, see `asm-tutor list`), or only the section whose heading "
        "is HEADING, with its subsections.",
    )
    parser.add_argument("lesson", metavar="LESSON", help="the lesson id (see `asm-tutor list`)")
    parser.add_argument("--section", metavar="HEADING", help="only this section (its heading, any case)")


def section_of(markdown: str, heading: str) -> str | None:
    """The part of `markdown` from the heading titled `heading` to the next heading of its level
    or above (headings inside code fences do not count); None when there is no such heading."""
    lines = markdown.splitlines()
    in_fence = False
    start = level = None
    for number, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        found = None if in_fence else re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if found is None:
            continue
        if start is None and found.group(2).casefold() == heading.strip().casefold():
            start, level = number, len(found.group(1))
        elif start is not None and level is not None and len(found.group(1)) <= level:
            return "\n".join(lines[start:number])
    return "\n".join(lines[start:]) if start is not None else None


def lesson_commands(texts: Iterable[str], lessons: Mapping[str, Lesson]) -> list[str]:
    """`asm-tutor lesson ID --section HEADING` for each lesson section the texts point to, once each."""
    from asm_tutor.pack.lesson_refs import lesson_refs

    found = [f"asm-tutor lesson {ref.lesson_id} --section {shlex.quote(ref.section)}"
             for text in texts for ref in lesson_refs(text, lessons)]
    return list(dict.fromkeys(found))


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rich.markdown import Markdown

    from asm_tutor.errors import UserError
    from asm_tutor.pack.lesson_text import display_markdown
    from asm_tutor.report import stdout

    pack = ctx.pack
    lesson = pack.lessons.get(args.lesson)
    if lesson is None:
        import difflib

        close = difflib.get_close_matches(args.lesson, list(pack.lessons), n=2, cutoff=0.6)
        maybe = f" Did you mean {' or '.join(f'`{c}`' for c in close)}?" if close else ""
        raise UserError(f"There is no lesson `{args.lesson}` in {pack.title}.{maybe} (`asm-tutor list` shows "
                        "them all.)", exit_code=2)
    try:
        text = display_markdown(lesson.text())
    except OSError as err:
        raise UserError(f"The lesson {lesson.title} could not be read: {err}") from err
    if args.section:
        part = section_of(text, args.section)
        if part is None:
            headings = [m.group(1) for m in re.finditer(r"^#{2,6}\s+(.*?)\s*$", text, re.M)]
            raise UserError(f"The lesson {lesson.title} has no section “{args.section}” (its sections: "
                            f"{', '.join(headings)}).", exit_code=2)
        text = part
    stdout().print(Markdown(text, code_theme="ansi_dark"))
    return 0
