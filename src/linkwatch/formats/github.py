"""GitHub output: workflow commands (annotations) and the step summary, both within
GitHub's limits (``github_limits``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..github_limits import (
    STEP_SUMMARY_BYTES,
    Annotation,
    cap_annotations,
    fit_markdown,
    utf8_size,
)
from .markdown import render_markdown


def render_github(report: Mapping[str, Any]) -> str:
    """Workflow commands: ``::error`` per broken link occurrence (newly broken first),
    ``::warning`` for failing links and permanent redirects, at most 10 per level with
    one notice for the rest (``github_limits.cap_annotations``)."""
    new = set(report.get("changes", {}).get("new", []))
    annotations = []
    for item in report["links"]:
        if item["state"] == "broken":
            level, title = "error", "Broken link"
            rank = 0 if item["normalized"] in new else 1
            message = f"{item['url']}: {item['reason']}"
        elif item["state"] == "failing":
            level, title, rank = "warning", f"Failing link ({item['consecutive_failures']} run)", 0
            message = f"{item['url']}: {item['reason']}"
        elif item["verdict"] == "redirect":
            level, title, rank = "warning", "Permanent redirect", 1
            message = f"{item['url']} moved to {item['final_url']}"
        else:
            continue
        annotations += [
            Annotation(level, rank, occ["file"], occ["line"], occ["column"], title, message)
            for occ in item["occurrences"]
        ]
    lines = cap_annotations(annotations)
    return "\n".join(lines) + ("\n" if lines else "")


def render_step_summary(report: Mapping[str, Any]) -> str:
    """report.md for ``$GITHUB_STEP_SUMMARY``, cut to GitHub's 1 MiB (a larger summary is
    not shown at all)."""
    return fit_markdown(render_markdown(report), STEP_SUMMARY_BYTES, measure=utf8_size)
