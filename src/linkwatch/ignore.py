"""Which URLs are not checked: ``include``/``exclude`` regexes and the ignore files
users already have (``.linkwatchignore``, lychee's ``.lycheeignore``).

Precedence is lychee's: a URL matching an include pattern is always checked; with
include patterns but no exclude patterns, only matching URLs are checked; otherwise a
URL matching an exclude pattern (from settings or an ignore file) is excluded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

IGNORE_FILES = (".linkwatchignore", ".lycheeignore")


class IgnoreFileError(UsageError):
    """An ignore file that cannot be read or holds an invalid regex (exit 2)."""


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    origin: str  # "exclude setting", ".lycheeignore:3" …


def parse_ignore(text: str) -> list[tuple[int, str]]:
    """(line number, pattern) per non-blank line that is not a ``#`` comment."""
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def read_ignore_files(directory: Path) -> list[Pattern]:
    """The patterns of every ignore file in ``directory`` (where the run starts)."""
    patterns = []
    for name in IGNORE_FILES:
        path = directory / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise IgnoreFileError(f"cannot read {path}: {exc}") from None
        for line, pattern in parse_ignore(text):
            try:
                patterns.append(Pattern(re.compile(pattern), f"{name}:{line}"))
            except re.error as exc:
                raise IgnoreFileError(f"{path}:{line}: invalid regex {pattern!r}: {exc}") from None
    return patterns


def _compile(patterns: Iterable[str], origin: str) -> list[Pattern]:
    out = []
    for pattern in patterns:
        try:
            out.append(Pattern(re.compile(pattern), origin))
        except re.error as exc:
            raise IgnoreFileError(f"invalid {origin} pattern {pattern!r}: {exc}") from None
    return out


@dataclass
class UrlFilter:
    include: list[Pattern] = field(default_factory=list)
    exclude: list[Pattern] = field(default_factory=list)

    @classmethod
    def build(
        cls, include: Iterable[str], exclude: Iterable[str], ignored: Iterable[Pattern] = ()
    ) -> UrlFilter:
        return cls(_compile(include, "--include"), [*_compile(exclude, "--exclude"), *ignored])

    def why_excluded(self, url: str) -> str | None:
        """``None`` when ``url`` is checked, else the reason it is not."""
        if any(p.regex.search(url) for p in self.include):
            return None
        if self.include and not self.exclude:
            return "excluded: not matched by include"
        for p in self.exclude:
            if p.regex.search(url):
                where = "" if p.origin == "--exclude" else f" ({p.origin})"
                return f"excluded: {p.regex.pattern}{where}"
        return None
