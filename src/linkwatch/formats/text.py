"""The terminal summary of ``linkwatch check``: counts, then the broken links themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SHOW_BROKEN = 20  # broken links listed at most; the rest are counted


def render_text(report: Mapping[str, Any], limit: int = SHOW_BROKEN) -> str:
    """Plain text: one summary line, then the first ``limit`` broken links with where
    they are and why, then "and N more"."""
    s = report["summary"]
    lines = [
        f"{s['links']} links: {s['alive']} alive, {s['redirect']} redirect, {s['dead']} dead "
        f"({s['broken']} broken, {s['failing']} failing), {s['unverifiable']} unverifiable, "
        f"{s['excluded']} excluded; {s['cached']} from cache; "
        f"{len(report.get('suggestions', []))} suggested edits"
    ]
    broken = [i for i in report["links"] if i["state"] == "broken"]
    if broken:
        lines.append(f"broken links ({len(broken)}):")
    for item in broken[:limit]:
        places = ", ".join(f"{o['file']}:{o['line']}" for o in item["occurrences"])
        lines.append(f"  {places}  {item['url']}  — {item['reason']}")
    if len(broken) > limit:
        lines.append(f"  and {len(broken) - limit} more (see report.md)")
    return "\n".join(lines) + "\n"
