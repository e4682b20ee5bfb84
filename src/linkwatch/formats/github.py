"""GitHub workflow commands: an annotation per broken, failing or redirected occurrence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Mapping[str, Any]) -> str:
    """Workflow commands: ``::error`` per broken link occurrence, ``::warning`` for failing
    links and permanent redirects (escaped per GitHub's workflow-command rules)."""
    lines = []
    for item in report["links"]:
        if item["state"] == "broken":
            level, title = "error", "Broken link"
            message = f"{item['url']}: {item['reason']}"
        elif item["state"] == "failing":
            level, title = "warning", f"Failing link ({item['consecutive_failures']} run)"
            message = f"{item['url']}: {item['reason']}"
        elif item["verdict"] == "redirect":
            level, title = "warning", "Permanent redirect"
            message = f"{item['url']} moved to {item['final_url']}"
        else:
            continue
        for occ in item["occurrences"]:
            props = ",".join(
                [
                    f"file={_escape_property(occ['file'])}",
                    f"line={occ['line']}",
                    f"col={occ['column']}",
                    f"title={_escape_property(title)}",
                ]
            )
            lines.append(f"::{level} {props}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
