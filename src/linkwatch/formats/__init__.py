"""Report formats: every one a pure function of the same report value (report.json's
dict), found by name in one registry, so the CLI, the files in reports/ and publish
render alike and a new format is one entry here."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .github import render_github
from .junit import render_junit
from .markdown import render_markdown
from .sarif import render_sarif
from .text import render_text


def render_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_sarif_json(report: Mapping[str, Any]) -> str:
    return json.dumps(render_sarif(report), indent=2) + "\n"


@dataclass(frozen=True)
class Format:
    name: str
    render: Callable[[Mapping[str, Any]], str]
    filename: str | None  # written to the report directory on every run, if set
    help: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("text", render_text, None, "summary and the broken links"),
        Format("markdown", render_markdown, "report.md", "the action-first report"),
        Format("json", render_json, "report.json", "the report value (schema report-1)"),
        Format("github", render_github, None, "GitHub workflow commands (annotations)"),
        Format("junit", render_junit, "report.junit.xml", "JUnit XML for CI dashboards"),
        Format("sarif", render_sarif_json, "report.sarif", "SARIF 2.1.0 for code scanning"),
    )
}


def render(name: str, report: Mapping[str, Any]) -> str:
    """The report in format ``name`` (one of ``FORMATS``)."""
    return FORMATS[name].render(report)


def report_files(report: Mapping[str, Any]) -> dict[str, str]:
    """File name → content of every format written to the report directory."""
    return {f.filename: f.render(report) for f in FORMATS.values() if f.filename}
