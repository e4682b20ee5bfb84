"""GitHub's limits in one place, and the pure functions that keep output within them.

- GitHub shows at most 10 annotations of each level (error, warning, notice) per step;
  the rest are dropped without a word, so the most important go first and one notice
  says how many more there are and where they are.
- A step summary holds at most 1 MiB; a larger one is not shown at all.
- Issue, pull-request and comment bodies hold at most 65,536 characters; a longer one
  is refused with 422, which would fail ``publish`` every night.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

ANNOTATIONS_PER_LEVEL = 10
STEP_SUMMARY_BYTES = 1024 * 1024
BODY_CHARS = 65_536
REPORT_POINTER = "the full report is reports/report.md in the `linkwatch-reports` artifact"


@dataclass(frozen=True)
class Annotation:
    """One workflow command before escaping; ``rank`` orders within its level."""

    level: str  # error | warning | notice
    rank: int  # 0 first: newly broken, then broken; failing, then redirects
    file: str
    line: int
    column: int
    title: str
    message: str


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(a: Annotation) -> str:
    props = ",".join(
        [
            f"file={_escape_property(a.file)}",
            f"line={a.line}",
            f"col={a.column}",
            f"title={_escape_property(a.title)}",
        ]
    )
    return f"::{a.level} {props}::{_escape_data(a.message)}"


def cap_annotations(
    annotations: Iterable[Annotation], per_level: int = ANNOTATIONS_PER_LEVEL
) -> list[str]:
    """The workflow commands GitHub will show: the first ``per_level`` of each level by
    rank (stable within a rank), then one ``::notice`` counting what was left out."""
    by_level: dict[str, list[Annotation]] = {}
    for a in annotations:
        by_level.setdefault(a.level, []).append(a)
    lines: list[str] = []
    left_out: list[str] = []
    for level in ("error", "warning", "notice"):
        items = sorted(by_level.get(level, []), key=lambda a: a.rank)
        limit = per_level - 1 if level == "notice" else per_level  # room for our notice
        lines += [workflow_command(a) for a in items[:limit]]
        if len(items) > limit:
            left_out.append(f"{len(items) - limit} {level}s")
    if left_out:
        lines.append(
            "::notice title=linkwatch::"
            + _escape_data(
                f"{', '.join(left_out)} not annotated (GitHub shows {per_level} per level "
                f"and step); see the step summary, and {REPORT_POINTER}"
            )
        )
    return lines


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def fit_markdown(
    text: str,
    limit: int,
    *,
    measure: Callable[[str], int] = len,
    pointer: str = REPORT_POINTER,
) -> str:
    """``text`` cut at a line boundary so that it, with a closing note, stays within
    ``limit`` (measured by ``measure``: characters for bodies, UTF-8 bytes for the step
    summary). Open code fences and ``<details>`` blocks are closed so the rest renders."""
    if measure(text) <= limit:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    budget = limit - 400  # room for closing tags and the note
    used = 0
    for line in lines:
        cost = measure(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    closing: list[str] = []
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        closing.append("```")
    opened = sum(line.count("<details") for line in kept) - sum(
        line.count("</details>") for line in kept
    )
    closing += ["</details>"] * max(opened, 0)
    omitted = len(lines) - len(kept)
    note = f"*… {omitted} more lines left out to stay within GitHub's limit; {pointer}.*"
    return "\n".join([*kept, *closing, "", note]) + "\n"
