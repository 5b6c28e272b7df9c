"""Which CPU features the learner's code makes sure of before an `asm!` block runs.

An instruction outside the target's baseline (`popcnt`, BMI2, AVX, aarch64's CRC) may
run only where the CPU is known to have it (contract.py's promise). The source says
where: a run-time check (`is_x86_feature_detected!("popcnt")`, or the learner's own
function around it, `has_popcnt()`) before the block or in an `if` around the call
of its function; a `#[target_feature]` function reached after such a check; a
`cfg(target_feature)`. Read from the text, leniently: a correct guard must never fail.
"""

from __future__ import annotations

import re
from typing import Any

_DETECTED_RE = re.compile(r'is_[a-z0-9_]+_feature_detected!\s*\(\s*"([^"]+)"')
_TARGET_FEATURE_RE = re.compile(r'target_feature\s*(?:\(\s*enable\s*=|=)\s*"([^"]+)"')


def of(node: Any, function: str, source: str) -> frozenset[str]:
    """The features the code makes sure of before the block runs: detected at run time
    (`is_x86_feature_detected!`) earlier in its function, or in an `if` around a call of its
    function; or promised at compile time (`#[target_feature]` on its function, with that
    feature detected somewhere, or `cfg(target_feature)`)."""
    if "feature" not in source and "has_" not in source:
        return frozenset()
    item = node
    while item is not None and item.type != "function_item":
        item = item.parent
    if item is None:
        return frozenset()
    start = item.start_byte
    attribute = item.prev_named_sibling
    while attribute is not None and attribute.type == "attribute_item":  # the function's attributes
        start, attribute = attribute.start_byte, attribute.prev_named_sibling
    data = source.encode("utf-8", errors="replace")
    before = data[start:node.start_byte].decode("utf-8", errors="replace")
    detectors = _detectors(source)
    found = _detected(before, detectors)
    detected_anywhere = _detected(source, detectors)
    for features in _TARGET_FEATURE_RE.findall(before):
        found |= {f.strip().lstrip("+") for f in features.split(",")} & (detected_anywhere | {"cfg"})
    found |= {m for m in re.findall(r'cfg!?\s*\(\s*target_feature\s*=\s*"([^"]+)"', before)}
    for match in re.finditer(r"\bif\b([^{;]*)\{", source):  # `if is_x86_feature_detected!("x") { f(..) }`
        features = _detected(match.group(1), detectors)
        if features and re.search(rf"\b{re.escape(function)}\s*\(", source[match.end():match.end() + 400]):
            found |= features
    return frozenset(found)


def _detectors(source: str) -> dict[str, set[str]]:
    """The learner's own feature checks: functions that call `is_*_feature_detected!` (by the
    features they detect), and ones named for a feature (`has_popcnt`: by their name)."""
    found: dict[str, set[str]] = {}
    starts = [m for m in re.finditer(r"\bfn\s+([A-Za-z_]\w*)", source)]
    for index, match in enumerate(starts):
        body = source[match.end():starts[index + 1].start() if index + 1 < len(starts) else len(source)]
        features = set(_DETECTED_RE.findall(body))
        if features or match.group(1).startswith(("has_", "cpu_has_", "supports_")):
            found[match.group(1)] = features | {match.group(1).lower()}
    return found


def _detected(text: str, detectors: dict[str, set[str]]) -> set[str]:
    """The features `text` checks for: with the macro, or by calling one of the learner's checks."""
    found = set(_DETECTED_RE.findall(text))
    for name, features in detectors.items():
        if re.search(rf"\b{name}\s*\(", text):
            found |= features
    return found
