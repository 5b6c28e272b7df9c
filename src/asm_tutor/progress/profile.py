"""Which learner profile is in use, and its name checked so it is a safe file name.

`--profile NAME`, else `ASM_TUTOR_PROFILE`, else the OS user name (sanitised).
"""

from __future__ import annotations

import getpass
import os
import re

from asm_tutor.errors import UserError

PROFILE_ENV = "ASM_TUTOR_PROFILE"
DEFAULT_PROFILE = "default"
MAX_LENGTH = 64
_VALID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def validate_profile(name: str, source: str = "--profile") -> str:
    if not _VALID.match(name) or len(name) > MAX_LENGTH or name.lower().endswith(".lock"):
        raise UserError(
            f"The profile name {name!r} (from {source}) is not usable; use up to {MAX_LENGTH} letters, "
            "digits, '-', '_' or '.', not starting with '.'."
        )
    return name


def sanitise(name: str) -> str:
    """Any string made into a valid profile name (for OS user names), or the default."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".")[:MAX_LENGTH]
    if not cleaned or not _VALID.match(cleaned) or cleaned.lower().endswith(".lock"):
        return DEFAULT_PROFILE
    return cleaned


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name and no passwd entry (some containers)
        return ""


def resolve_profile(arg: str | None = None) -> str:
    if arg is not None:
        return validate_profile(arg)
    env = os.environ.get(PROFILE_ENV)
    if env:
        return validate_profile(env, PROFILE_ENV)
    return sanitise(os_user())
