"""Inline ignore comments, as linkwatch and markdown-link-check users write them.

``<!-- linkwatch-disable -->`` … ``<!-- linkwatch-enable -->`` turn checking off
for a stretch of the file, ``<!-- linkwatch-disable-line -->`` for the links on
its own line, ``<!-- linkwatch-disable-next-line -->`` for those on the line after
it; ``markdown-link-check-…`` spellings mean the same. Links so disabled are still
extracted (target ``excluded``, with the reason), never requested.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(
    rb"^<!--\s*(?:linkwatch|markdown-link-check)-(disable-next-line|disable-line|disable|enable)"
    rb"\s*-->$"
)
REASON = "disabled by inline comment"


@dataclass(slots=True)
class Ignores:
    """The directives of one file, fed in source order; answers ``reason(offset, line)``."""

    stretches: list[tuple[int, int]] = field(default_factory=list)  # [start, end) bytes
    lines: dict[int, str] = field(default_factory=dict)  # 0-based line → directive
    _open: int | None = None

    def comment(self, text: bytes, start: int, end: int, first_line: int, last_line: int) -> None:
        """One HTML comment ``text`` found at bytes [start, end) on lines first..last."""
        m = _DIRECTIVE.match(text.strip())
        if m is None:
            return
        kind = m.group(1)
        if kind == b"disable":
            if self._open is None:
                self._open = end
        elif kind == b"enable":
            if self._open is not None:
                self.stretches.append((self._open, start))
                self._open = None
        elif kind == b"disable-line":
            self.lines.setdefault(first_line, "disable-line")
        else:
            self.lines.setdefault(last_line + 1, "disable-next-line")

    def finish(self, size: int) -> None:
        """A ``disable`` never enabled again lasts to the end of the file."""
        if self._open is not None:
            self.stretches.append((self._open, size))
            self._open = None

    def reason(self, offset: int, line: int) -> str:
        """Why the link at byte ``offset`` on 0-based ``line`` is not checked, or ""."""
        how = self.lines.get(line)
        if how is not None:
            return f"{REASON} ({how})"
        i = bisect_right(self.stretches, (offset, 2**62)) - 1
        if i >= 0 and self.stretches[i][0] <= offset < self.stretches[i][1]:
            return f"{REASON} (disable … enable)"
        return ""

    def __bool__(self) -> bool:
        return bool(self.stretches or self.lines or self._open is not None)
