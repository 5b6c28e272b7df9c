"""Start the Textual app. The only way into textual from the CLI."""

from __future__ import annotations

import time

from asm_tutor.context import Context


def run_tui(ctx: Context) -> int:
    from asm_tutor.toolchain import warm_up

    started = time.perf_counter()
    warm_up()  # `rustc -vV` runs while Textual imports: the two overlap instead of adding up
    ctx.pack  # noqa: B018 -- validate before the screen takes over, so problems print plainly
    from asm_tutor.tui.app import TutorApp

    TutorApp(ctx, started=started).run()
    return 0
