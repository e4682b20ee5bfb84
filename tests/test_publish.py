"""publish against the simulated GitHub API: one tracking issue, one PR, quiet nights."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from linkwatch.config import Settings
from linkwatch.publish import (
    BRANCH,
    MARKER,
    Publisher,
    PublishError,
    issue_body,
    patched_files,
)
from linkwatch.simweb import Scenario
from linkwatch.simweb.github_api import SimGitHub
from linkwatch.simweb.github_write import RepoWrites

TOKEN = "ghs_publishtesttoken0123456789"
README = b"# List\n\n- Paper [[code](https://github.com/old/repo)]\n"


def report_with(broken: list[str], suggestions: bool = True) -> dict[str, Any]:
    links = [
        {
            "url": url,
            "verdict": "dead",
            "state": "broken",
            "reason": "404 Not Found",
            "first_failed_at": "2026-11-24T03:00:00Z",
            "occurrences": [{"file": "README.md", "line": 3, "entry": "Paper"}],
        }
        for url in broken
    ]
    start = README.index(b"https://github.com/old/repo")
    sugg = [
        {
            "file": "README.md",
            "line": 3,
            "start": start,
            "end": start + len("https://github.com/old/repo"),
            "old": "https://github.com/old/repo",
            "new": "https://github.com/new/repo",
            "reason": "repository renamed",
            "confidence": "high",
            "kind": "rename",
        }
    ]
    return {
        "files": ["README.md"],
        "links": links,
        "suggestions": sugg if suggestions else [],
        "changes": {},
    }


async def start_github(simweb, tmp_path, permissions=None) -> tuple[RepoWrites, Settings]:
    """A simulated GitHub with owner/list (README.md on main) and settings pointing at it."""
    sim = SimGitHub()
    sim.add_token(TOKEN)
    writes = RepoWrites(sim, "owner/list", files={"README.md": README}, permissions=permissions)
    web = await simweb(Scenario().mount("api.github.com", sim.handle))
    settings = Settings(
        github_token=TOKEN,
        github_api_url=web.direct_base("api.github.com"),
        github_write_interval=0.0,
        out=tmp_path,
    )
    return writes, settings


@pytest.fixture
async def github(simweb, tmp_path):
    return await start_github(simweb, tmp_path)


async def publish(settings: Settings, state: dict | None, report: dict, pr: bool = True):
    """Publish as the CLI does, from a checkout holding README.md, in a worker thread
    (PyGithub blocks; the simulated API runs on this test's event loop)."""
    root = Path(settings.out)
    (root / "README.md").write_bytes(README)

    def run():
        publisher = Publisher(settings, "owner/list", state)
        files = patched_files(report, root) if pr else {}
        return publisher.run(report, files, pr=pr), publisher.state

    return await asyncio.to_thread(run)


async def test_issue_lifecycle_and_quiet_nights(github):
    writes, settings = github
    result, state = await publish(settings, None, report_with(["https://a.example/x"]))
    assert result.actions == ["created issue #1", "opened pull request #2"]
    issue = writes.issues[1]
    assert MARKER in issue["body"] and "https://a.example/x" in issue["body"]
    assert writes.branch_file(BRANCH, "README.md") == README.replace(b"old/repo", b"new/repo")
    assert writes.branch_file("main", "README.md") == README

    # the same night again: nothing written
    before = len(writes.calls)
    result, state = await publish(settings, state, report_with(["https://a.example/x"]))
    assert result.actions == [] and len(writes.calls) == before

    # a second link breaks: body edited, one comment, PR untouched
    result, state = await publish(
        settings, state, report_with(["https://a.example/x", "https://b.example/y"])
    )
    assert result.actions == ["updated issue #1", "commented on issue #1"]
    assert "https://b.example/y" in writes.comments[1][0]

    # all fixed: issue closed, PR closed and its branch deleted
    result, state = await publish(settings, state, report_with([], suggestions=False))
    assert result.actions == ["closed issue #1", "closed pull request #2"]
    assert writes.issues[1]["state"] == "closed" and f"heads/{BRANCH}" not in writes.refs

    # breaks again: the same issue is reopened, never a second one
    result, state = await publish(settings, state, report_with(["https://a.example/x"]))
    assert result.actions[0] == "reopened issue #1"
    assert len([i for i in writes.issues.values() if "pull_request" not in i]) == 1


async def test_issue_found_again_by_marker_without_state(github):
    writes, settings = github
    await publish(settings, None, report_with(["https://a.example/x"]), pr=False)
    result, _ = await publish(settings, None, report_with(["https://c.example/z"]), pr=False)
    assert result.actions == ["updated issue #1"]
    assert len(writes.issues) == 1


async def test_forbidden_write_is_one_clear_error_and_leaves_nothing(simweb, tmp_path):
    writes, settings = await start_github(simweb, tmp_path, permissions={"contents"})
    with pytest.raises(PublishError, match="issues: write"):
        await publish(settings, None, report_with(["https://a.example/x"]))
    assert writes.issues == {}


async def test_pull_request_failure_removes_the_branch(simweb, tmp_path):
    writes, settings = await start_github(simweb, tmp_path, permissions={"issues", "contents"})
    with pytest.raises(PublishError):
        await publish(settings, None, report_with(["https://a.example/x"]))
    assert f"heads/{BRANCH}" not in writes.refs


async def test_bad_token_and_missing_repo(github):
    _writes, settings = github
    bad = Settings(
        github_token="ghs_wrong",
        github_api_url=settings.github_api_url,
        github_write_interval=0,
        out=settings.out,
    )
    with pytest.raises(PublishError, match="401") as info:
        await publish(bad, None, report_with([]))
    assert "ghs_wrong" not in str(info.value)

    def missing():
        Publisher(settings, "owner/nope", None).run(report_with([]), {}, pr=False)

    with pytest.raises(PublishError, match="not found"):
        await asyncio.to_thread(missing)


def test_no_token_is_refused():
    with pytest.raises(PublishError, match="GITHUB_TOKEN"):
        Publisher(Settings(), "owner/list", None)


def test_body_is_stable_without_run_timestamps():
    report = report_with(["https://a.example/x"])
    assert issue_body(report) == issue_body({**report, "generated_at": "other"})


def test_publish_without_a_token_is_a_usage_error(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from linkwatch.cli import cli

    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("LINKWATCH_GITHUB_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["publish", "--repo", "o/r", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "GITHUB_TOKEN" in result.output


def test_issue_lists_broken_links_as_report_md_does():
    """One renderer: the issue's broken-link lines are report.md's, fix and line links
    included, and the issue marks as new what its last change says is new."""
    from linkwatch.formats.markdown import render_markdown

    report = report_with(["https://github.com/old/repo", "https://b.example/y"])
    report["source"] = {"server": "https://github.com", "repository": "o/r", "sha": "s1"}
    for item in report["links"]:
        item["consecutive_failures"] = 5  # broken for a while: not new in report.md
    body = issue_body(report, {"new": ["https://b.example/y"], "fixed": []})
    page = render_markdown({**report, "summary": SUMMARY, "generated_at": "x", "entries": []})
    old = next(line for line in page.splitlines() if "<https://github.com/old/repo>" in line)
    assert old in body.splitlines()
    assert "**fix:** renamed, use <https://github.com/new/repo>" in old
    assert "(https://github.com/o/r/blob/s1/README.md#L3)" in old
    new = next(line for line in body.splitlines() if "<https://b.example/y>" in line)
    assert "**new**" in new and "**new**" not in old


def test_a_huge_issue_body_stays_within_githubs_limit():
    report = report_with([f"https://a.example/{i:05}/" + "x" * 200 for i in range(600)])
    body = issue_body(report)
    assert len(body) < 65_536
    assert "more (see reports/report.md)" in body


SUMMARY = {k: 0 for k in ("links", "alive", "redirect", "dead", "unverifiable", "excluded")}
SUMMARY.update(broken=2, failing=0, cached=0)
