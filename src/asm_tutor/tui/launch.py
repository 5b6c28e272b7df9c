"""Start the Textual app. The only way into textual from the CLI."""

from __future__ import annotations

from asm_tutor.context import Context


def run_tui(ctx: Context) -> int:
    from asm_tutor.tui.app import TutorApp

    pack = ctx.pack  # validate before the screen takes over, so problems print plainly
    TutorApp(pack).run()
    return 0
