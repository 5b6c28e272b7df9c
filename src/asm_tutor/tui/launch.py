"""Start the Textual app. The only way into textual from the CLI."""

from __future__ import annotations

import threading
import time

from asm_tutor.context import Context


def _warm_toolchain() -> None:
    """Run `rustc -vV` (cached per process) while Textual imports: the two overlap instead of adding up."""
    from asm_tutor.settings import load_settings
    from asm_tutor.toolchain import ToolchainError, require_grading_toolchain

    try:
        require_grading_toolchain(load_settings().rustc)
    except ToolchainError:
        pass  # the app asks again and tells the learner


def run_tui(ctx: Context) -> int:
    started = time.perf_counter()
    probe = threading.Thread(target=_warm_toolchain, name="rustc-probe", daemon=True)
    probe.start()
    ctx.pack  # noqa: B018 -- validate before the screen takes over, so problems print plainly
    from asm_tutor.tui.app import TutorApp

    probe.join()
    TutorApp(ctx, started=started).run()
    return 0
