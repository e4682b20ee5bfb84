"""The one duration syntax of every setting (``30s``, ``20m``, ``12h``, ``1d``, ``2w``, or
seconds as a number); apart from ``config`` so that ``hosts`` reads it without a cycle."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int | float) -> float:
    """``"1d"`` → 86400.0, ``"20m"`` → 1200.0, ``90`` → 90.0; ``ValueError`` otherwise."""
    if isinstance(text, int | float):
        return float(text)
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 20m, 12h, 1d)")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
