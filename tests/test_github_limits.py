"""GitHub's limits on a list of 20,000 links with 1,000 broken: at most 10 annotations per
level (newly broken first) and one notice for the rest, a step summary under 1 MiB, and
tracking-issue and PR bodies the simulated GitHub accepts (it refuses more than 65,536
characters with 422, as GitHub does)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from linkwatch.config import Settings
from linkwatch.extract import extract_text
from linkwatch.github_limits import (
    BODY_CHARS,
    STEP_SUMMARY_BYTES,
    fit_markdown,
    utf8_size,
)
from linkwatch.models import Confidence, LinkResult, Suggestion, Verdict
from linkwatch.publish import Publisher, patched_files
from linkwatch.report import (
    ReportInput,
    build_report,
    render_github,
    render_markdown,
    render_step_summary,
    result_key,
)
from linkwatch.simweb import Scenario
from linkwatch.simweb.github_api import SimGitHub
from linkwatch.simweb.github_write import RepoWrites

TOKEN = "ghs_limitstesttoken0123456789"
LINKS, BROKEN, NEW = 20_000, 1_000, 30


def big_list() -> bytes:
    lines = ["# Awesome Big", ""]
    for section in range(LINKS // 500):
        lines += [f"## Section {section}", ""]
        for i in range(section * 500, section * 500 + 500):
            lines.append(
                f"- Entry number {i} with a longish title [[paper](https://host{i % 300}"
                f".example/papers/{i}/a-long-path-to-the-paper.pdf)]"
            )
        lines.append("")
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def big() -> tuple[dict[str, Any], bytes]:
    data = big_list()
    doc = extract_text(data, "README.md")
    results: dict[str, LinkResult] = {}
    previous: dict[str, LinkResult] = {}
    suggestions = []
    for n, link in enumerate(doc.links):
        key = result_key(link)
        if n % (LINKS // BROKEN) == 0:
            results[key] = LinkResult(
                url=key, verdict=Verdict.DEAD, status=404, reason="404 Not Found",
                consecutive_failures=3, first_failed_at="2026-11-01T03:00:00Z",
            )  # fmt: skip
            if n >= NEW * (LINKS // BROKEN):  # the first NEW broken links are new tonight
                previous[key] = results[key]
            snapshot = f"https://web.archive.org/web/20200101000000/{link.url}"
            suggestions.append(
                Suggestion(
                    file="README.md",
                    line=link.line,
                    start=link.start,
                    end=link.end,
                    old=link.url,
                    new=snapshot,
                    reason="dead since 2026-11-01; archived copy",
                    confidence=Confidence.MEDIUM,
                    kind="archive",
                )
            )
        elif n % 97 == 1:
            results[key] = LinkResult(
                url=key, verdict=Verdict.REDIRECT, status=301, final_url=key + "/moved",
                reason="301 Moved Permanently",
            )  # fmt: skip
        else:
            results[key] = LinkResult(url=key, verdict=Verdict.ALIVE, status=200, reason="200 OK")
        previous.setdefault(key, LinkResult(url=key, verdict=Verdict.ALIVE, status=200))
    report = build_report(
        ReportInput(
            documents=[doc],
            results=results,
            generated_at="2026-12-01T03:00:00Z",
            suggestions=suggestions,
            previous=previous,
        )
    )
    assert report["summary"]["links"] == LINKS and report["summary"]["broken"] == BROKEN
    return report, data


def test_annotations_ten_per_level_newly_broken_first_and_a_notice(big):
    report, _ = big
    lines = render_github(report).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(errors) == 10 and len(warnings) == 10 and len(notices) == 1
    new = set(report["changes"]["new"])
    assert len(new) == NEW
    for line in errors:  # the ten shown are all among the newly broken
        url = re.search(r"::(https://\S+): ", line.replace("%3A", ":")).group(1)
        assert url in new
    assert f"{BROKEN - 10} errors" in notices[0] and "reports/report.md" in notices[0]


def test_step_summary_under_one_mebibyte_and_says_where_the_rest_is(big):
    report, _ = big
    summary = render_step_summary(report)
    assert utf8_size(summary) <= STEP_SUMMARY_BYTES
    full = render_markdown(report)
    if utf8_size(full) <= STEP_SUMMARY_BYTES:
        assert summary == full
    else:
        assert "linkwatch-reports" in summary.splitlines()[-1]
    # a summary with longer reasons no longer fits and is cut, saying where the rest is
    wordy = {**report, "links": [{**i, "reason": i["reason"] * 60} for i in report["links"]]}
    cut = render_step_summary(wordy)
    assert utf8_size(render_markdown(wordy)) > STEP_SUMMARY_BYTES >= utf8_size(cut)
    assert "linkwatch-reports" in cut.splitlines()[-1]
    assert summary.count("<details") == summary.count("</details>")
    assert summary.count("```") % 2 == 0


def test_fit_markdown_keeps_short_text_and_closes_what_it_cuts():
    assert fit_markdown("short\n", 100) == "short\n"
    text = "<details>\n\n```\n" + "x" * 50 + "\n" * 5000
    cut = fit_markdown(text, 1000)
    assert len(cut) <= 1000 and cut.count("```") == 2 and "</details>" in cut


async def test_issue_and_pr_bodies_fit_what_github_accepts(simweb, tmp_path: Path, big):
    report, data = big
    (tmp_path / "README.md").write_bytes(data)
    sim = SimGitHub()
    sim.add_token(TOKEN)
    writes = RepoWrites(sim, "owner/list", files={"README.md": data})
    web = await simweb(Scenario().mount("api.github.com", sim.handle))
    settings = Settings(
        github_token=TOKEN,
        github_api_url=web.direct_base("api.github.com"),
        github_write_interval=0.0,
        out=tmp_path,
    )
    files = patched_files(report, tmp_path)
    publisher = Publisher(settings, "owner/list", None)
    result = await asyncio.to_thread(publisher.run, report, files, pr=True)
    assert result.actions == ["created issue #1", "opened pull request #2"]
    issue, pull = writes.issues[1], writes.issues[2]
    for body in (issue["body"], pull["body"]):
        assert len(body) <= BODY_CHARS
        assert "linkwatch-reports" in body.splitlines()[-1]
