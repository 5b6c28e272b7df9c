"""Start the Textual app. The only way into textual from the CLI."""

from __future__ import annotations

import time

from asm_tutor.context import Context


def run_tui(ctx: Context) -> int:
    started = time.perf_counter()
    from asm_tutor.tui.app import TutorApp

    ctx.pack  # noqa: B018 -- validate before the screen takes over, so problems print plainly
    TutorApp(ctx, started=started).run()
    return 0
