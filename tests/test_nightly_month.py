"""Issue 12 scope 2: a month of nights in one test, through the console script.

Thirty nights of `linkwatch check` and, when the workflow would run it (check exit 0
or 1), `linkwatch publish --repo owner/list --pr`, each its own process (tests/simnet_cli.py)
against one simulated web, its GitHub and arXiv APIs and one store. The web changes
between nights: a link dies and stays dead, one fails every other night, a repository is
renamed, a preprint is published, the maintainer merges the fix PR, the network is down
one night, one night is SIGKILLed, one is cut by --max-duration. Each night checks the
exit code, what publish did to the tracking issue and the PR, report.json `changes`
and the store (size bounded by retention, untouched by nights that cannot judge).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linkwatch.cli import cli
from linkwatch.publish import BRANCH
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.arxiv_api import SimArxiv
from linkwatch.simweb.github_api import SimGitHub
from linkwatch.simweb.github_write import RepoWrites
from linkwatch.simweb.sites import github_page
from linkwatch.simweb.wayback import SimWayback
from simnet_cli import linkwatch_cli

TOKEN = "ghs_monthtesttoken0123456789abcdef"
REPO = "owner/list"
STABLE = "https://papers.example/stable"
DIES = "https://papers.example/dies"
FLAKY = "https://papers.example/flaky"
SLOW = ("https://slow.example/a", "https://slow.example/b")
OLD, NEW = "https://github.com/old-org/tool", "https://github.com/new-org/tool"
ARXIV_ID = "2101.01234"
SNAPSHOT = f"https://web.archive.org/web/20200612000000/{DIES}"
KEEP = 4  # retention, small enough to prune within the month
LIST = f"""\
# Awesome Month

## Papers
- Stable Paper [[paper]({STABLE})]
- Doomed Paper [[paper]({DIES})]
- Flaky Paper [[paper]({FLAKY})]
- Fresh Preprint [[paper](https://arxiv.org/abs/{ARXIV_ID})]
- Slow Paper [[paper]({SLOW[0]})] [[code]({SLOW[1]})]

## Code
- Tool [[code]({OLD})]
"""
DIE_NIGHT, RENAME_NIGHT, PUBLISHED_NIGHT, MERGE_NIGHT = 3, 6, 8, 11
DOWN_NIGHT, KILL_NIGHT, CUT_NIGHT = 14, 17, 20


def config(web: SimWeb) -> str:
    return f"""\
allow_private = true
host_spacing = 0
retry_backoff = 0.01
max_retries = 0
timeout = 2
per_host = 1
ttl_alive = "0s"
ttl_paper = "1s"
ttl_repo = "1s"
arxiv_interval = 0.01
keep_checks = {KEEP}
github_write_interval = 0
reference_hosts = ["https://reference.example/"]
arxiv_api_url = "{web.direct_base("export.arxiv.org")}/api/query"
github_api_url = "{web.direct_base("api.github.com")}"
"""


def preprint(journal_ref: str | None) -> dict[str, Any]:
    return {
        "id": ARXIV_ID,
        "version": 1,
        "title": "Fresh Preprint",
        "authors": ["A. Author"],
        "abstract": "A preprint that gets published during the month.",
        "published": "2021-01-05T10:00:00Z",
        "updated": "2021-01-05T10:00:00Z",
        "journal_ref": journal_ref,
        "doi": None,
        "comment": None,
        "primary_category": "cs.CV",
        "categories": ["cs.CV"],
    }


@dataclass
class Month:
    web: SimWeb
    sc: Scenario
    github: SimGitHub
    writes: RepoWrites
    arxiv: SimArxiv
    repo: Path
    api: str
    runs_before: int = 0
    cut_judged: str = ""  # the slow link the cut night reached

    def running(self) -> bool:
        """A run is checking and has committed something (its row exists)."""
        return self.store()["runs"] > self.runs_before

    def store(self) -> dict[str, int]:
        """Rows per table and the file size (database + WAL)."""
        db = self.repo / "cache" / "linkwatch.db"
        if not db.exists():
            return {"runs": 0, "checks": 0, "urls": 0, "provisional": 0, "bytes": 0}
        conn = sqlite3.connect(db)
        try:
            rows = {
                t: conn.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0]
                for t in ("runs", "checks", "urls", "provisional")
            }
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        rows["bytes"] = sum(
            p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists()
        )
        return rows


async def test_a_month_of_nights(simweb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the checkout, for the in-process publish
    for name in ("GITHUB_TOKEN", "LINKWATCH_GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    sc = Scenario()
    for url in (STABLE, DIES, FLAKY):
        sc.route(url, b.ok(title="Paper"))
    sc.host("papers.example", default=b.not_found())
    sc.host("slow.example", default=b.ok(title="slow"))
    sc.host("reference.example", default=b.ok())
    github = SimGitHub()
    github.add_token(TOKEN)
    github.add_repo("old-org/tool", stars=5)
    sc.host("github.com", default=b.not_found())
    sc.route(OLD, github_page("old-org/tool"))
    writes = RepoWrites(github, REPO, files={"README.md": LIST.encode()})
    sc.mount("api.github.com", github.handle)
    arxiv = SimArxiv([preprint(None)])  # type: ignore[list-item]
    sc.mount("export.arxiv.org", arxiv.handle)
    SimWayback().add(DIES, "20200612000000").mount(sc)
    (tmp_path / "README.md").write_text(LIST, encoding="utf-8")
    web = await simweb(sc)
    (tmp_path / "linkwatch.toml").write_text(config(web), encoding="utf-8")
    month = Month(web, sc, github, writes, arxiv, tmp_path, web.direct_base("api.github.com"))

    seen: list[dict[str, Any]] = []
    for n in range(1, 31):
        seen.append(await one_night(month, n))
    assert web.refused == []

    by_night = {s["night"]: s for s in seen}
    # the issue: opened once the dead link is broken, edited when the number of suggested
    # edits it mentions changes, closed once the fix is merged, untouched on every other
    # night (the flaky link never counts as broken)
    issue_nights = {n: s["issue"] for n, s in by_night.items() if s["issue"]}
    assert issue_nights == {
        DIE_NIGHT + 1: "created",
        RENAME_NIGHT: "updated",
        PUBLISHED_NIGHT: "updated",
        MERGE_NIGHT: "closed",  # the merge lands before that night's check
    }
    pr_nights = {n: s["pr"] for n, s in by_night.items() if s["pr"]}
    assert pr_nights == {
        DIE_NIGHT + 1: "opened",  # the snapshot of the dead link
        RENAME_NIGHT: "updated",  # + the repository's new name
    }  # a venue is a low-confidence edit: in the report, never in the PR
    # retention: the store stops growing in rows; the nights that could not judge left it
    checks = [s["store"]["checks"] for s in seen]
    assert max(checks) <= 2 * KEEP * seen[-1]["store"]["urls"]
    assert checks[-1] == checks[-6]  # settled: the last nights add no rows
    sizes = [s["store"]["bytes"] for s in seen]
    assert (sizes[-1] - sizes[-11]) / 10 <= 8192  # a run row a night, not a row per link
    assert by_night[DOWN_NIGHT]["store"] == by_night[DOWN_NIGHT - 1]["store"]


async def one_night(month: Month, n: int) -> dict[str, Any]:
    """Change the web as night ``n`` wants, run check (and publish), assert, summarise."""
    sc, repo = month.sc, month.repo
    sc.route(FLAKY, b.not_found() if n % 2 == 0 else b.ok(title="Paper"))
    if n == DIE_NIGHT:
        sc.route(DIES, b.not_found())
    if n == RENAME_NIGHT:
        month.github.rename("old-org/tool", "new-org/tool")
        sc.route(OLD, b.redirect(301, NEW))
        sc.route(NEW, github_page("new-org/tool"))
    if n == PUBLISHED_NIGHT:
        month.arxiv.add(preprint("CVPR 2021"))  # type: ignore[arg-type]
    if n == MERGE_NIGHT:  # the maintainer merges the fix PR; the checkout follows
        merged = month.writes.branch_file(BRANCH, "README.md")
        assert merged is not None
        assert SNAPSHOT.encode() in merged and NEW.encode() in merged
        [pull] = month.writes.open_issues(pulls=True)
        pull["state"] = "closed"
        month.writes.refs["heads/main"] = month.writes.refs.pop(f"heads/{BRANCH}")
        (repo / "README.md").write_bytes(merged)
    slow = b.hang() if n in (KILL_NIGHT, CUT_NIGHT) else b.ok(title="slow")
    for url in SLOW:
        sc.route(url, slow)

    before = month.store()
    month.runs_before = before["runs"]
    args = ["check", "README.md", "--no-progress", "-q", "--fail-after", "2"]
    env = {"GITHUB_TOKEN": TOKEN}
    if n == DOWN_NIGHT:
        done = await linkwatch_cli(month.web, repo, *args, down=True, env=env)
    elif n == KILL_NIGHT:
        done = await linkwatch_cli(month.web, repo, *args, env=env, kill_when=month.running)
    elif n == CUT_NIGHT:
        done = await linkwatch_cli(month.web, repo, *args, "--max-duration", "1s", env=env)
    else:
        done = await linkwatch_cli(month.web, repo, *args, env=env)
    after = month.store()
    summary: dict[str, Any] = {"night": n, "issue": None, "pr": None, "store": after}

    broken_tonight = DIE_NIGHT + 1 <= n < MERGE_NIGHT  # the dead link until the merge
    if n == DOWN_NIGHT:
        assert done.returncode == 3, done.stderr
        assert "network unreachable" in done.stderr
        assert after == before  # nothing recorded
        return summary
    if n == KILL_NIGHT:
        assert done.returncode == -9
        assert after["runs"] == before["runs"] + 1  # the killed run's row, nothing broken
        return summary
    assert done.returncode == (1 if broken_tonight else 0), (n, done.stderr)
    assert after["runs"] == before["runs"] + 1
    report = json.loads((repo / "reports" / "report.json").read_text())
    if n == CUT_NIGHT:  # the stalest slow link was started and judged (it hangs): failing;
        # the other was left for the next night and keeps its last state
        assert any("1 links left for the next run" in note for note in report["notes"])
        judged = [x for x in report["links"] if x["url"] in SLOW and not x["cached"]]
        assert [(x["state"], x["error"]) for x in judged] == [("failing", "timeout")]
        month.cut_judged = judged[0]["url"]
    assert report["changes"] == expected_changes(n, month.cut_judged), n
    venues = [s for s in report["suggestions"] if s["kind"] == "venue"]
    assert bool(venues) == (n >= PUBLISHED_NIGHT), n  # the preprint's venue, from then on

    published = await asyncio.to_thread(  # in-process: half the processes, half the time
        CliRunner().invoke,
        cli,
        ["publish", "--repo", REPO, "--pr", "--github-api-url", month.api],
        env=env,
        catch_exceptions=False,
    )
    assert published.exit_code == 0, (n, published.output)
    assert TOKEN not in published.output
    for line in published.output.splitlines():
        verb, _, what = line.partition(" ")
        if "issue" in what:
            summary["issue"] = verb
        elif "pull request" in what:
            summary["pr"] = verb
        else:
            assert line.endswith("nothing published"), line
    open_issues = month.writes.open_issues()
    assert len(open_issues) == (1 if broken_tonight else 0), n
    assert len(month.writes.open_issues(pulls=True)) == (1 if broken_tonight else 0), n
    if broken_tonight:
        assert DIES in open_issues[0]["body"] and FLAKY not in open_issues[0]["body"]
    return summary


def expected_changes(n: int, cut_judged: str) -> dict[str, list[str]]:
    """report.json `changes` against the last finished run (down/killed nights don't count)."""
    previous = n - 1
    while previous in (DOWN_NIGHT, KILL_NIGHT):
        previous -= 1
    new: list[str] = []
    fixed: list[str] = []
    if previous >= 1:
        flaky_now, flaky_before = n % 2 == 0, previous % 2 == 0
        if flaky_now and not flaky_before:
            new.append(FLAKY)
        if flaky_before and not flaky_now:
            fixed.append(FLAKY)
        if n == DIE_NIGHT:
            new.append(DIES)
        if n == CUT_NIGHT:
            new.append(cut_judged)
        if n == CUT_NIGHT + 1:
            fixed.append(cut_judged)
    return {"new": sorted(new), "fixed": sorted(fixed)}
