"""Issue 9 acceptance at the level the nightly job meets it: `linkwatch check` as the CLI
runs it (``cli.run_pipeline``, settings from the list's linkwatch.toml) and the real
`linkwatch publish` command, night after night against simweb and a real SQLite store.

``run_pipeline`` owns an event loop and PyGithub blocks, while simweb serves from this
test's loop: both run in worker threads. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from engine_helpers import db_snapshot
from linkwatch.cli import cli, run_pipeline
from linkwatch.config import load_settings
from linkwatch.extract import extract_file
from linkwatch.net import Network
from linkwatch.nightly import render_workflow
from linkwatch.publish import BRANCH, MARKER
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.arxiv_api import SimArxiv, example_papers
from linkwatch.simweb.github_api import SimGitHub, example_repos
from linkwatch.simweb.github_write import RepoWrites
from linkwatch.simweb.sites import github_page
from linkwatch.simweb.wayback import SimWayback

TOKEN = "ghs_nightlye2etesttoken0123456789"
REPO = "owner/list"
FRAGILE = "https://papers.example/fragile"
SNAPSHOT = f"https://web.archive.org/web/20200612000000/{FRAGILE}"
LIST = f"""\
# Awesome Nightly

## Papers
- Stable Paper [[paper](https://papers.example/stable)]
- Fragile Paper [[paper]({FRAGILE})]
"""
# what a list's repository would commit next to it, pointed at the simulated web
CONFIG = """\
allow_private = true
enrich = false
host_spacing = 0
retry_backoff = 0.01
max_retries = 1
timeout = 5
reference_hosts = ["https://reference.example/"]
github_write_interval = 0
"""
QUIET = {"no_progress": True, "quiet": True, "fmt": "text"}
WRITES = {"POST", "PATCH", "PUT", "DELETE"}
SCHEMA = "schema/report-1.json"


@pytest.fixture
def repo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The list's checkout as the working directory, as in the workflow."""
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_TOKEN", "LINKWATCH_GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")
    yield tmp_path


def check_cli(files: list[str], network: Network, fmt: str = "text", **flags: Any) -> int:
    """`linkwatch check FILES [flags]` with the network swapped: settings from the
    working directory's linkwatch.toml plus flags, failures as exit codes."""
    settings = load_settings(overrides=flags)
    try:
        return run_pipeline([Path(f) for f in files], settings, network, {**QUIET, "fmt": fmt})
    except SystemExit as exc:
        return int(exc.code or 0)


async def night(web: SimWeb, fmt: str = "text", **flags: Any) -> int:
    """One nightly `linkwatch check README.md`; its exit code."""
    code = await asyncio.to_thread(check_cli, ["README.md"], web.network(), fmt, **flags)
    assert web.refused == []  # simweb's safety net saw no attempt to leave 127.0.0.1
    return code


async def publish(web: SimWeb) -> Result:
    """`linkwatch publish --repo owner/list --pr` with the workflow's token."""
    args = [
        "publish",
        "--repo",
        REPO,
        "--pr",
        "--github-api-url",
        web.direct_base("api.github.com"),
    ]
    return await asyncio.to_thread(
        CliRunner().invoke, cli, args, env={"GITHUB_TOKEN": TOKEN}, catch_exceptions=False
    )


def api_writes(web: SimWeb) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in web.requests("api.github.com") if r.method in WRITES]




def workflow_publishes_on() -> set[str]:
    """The check exit codes on which the generated workflow runs `linkwatch publish`."""
    steps = yaml.safe_load(render_workflow(["README.md"]))["jobs"]["check"]["steps"]
    step = next(s for s in steps if "linkwatch publish" in s.get("run", ""))
    return set(re.findall(r"steps\.check\.outputs\.exit == '(\d+)'", step["if"]))


def test_workflow_saves_the_store_on_red_nights_too():
    """Everything these tests rely on across nights (failure counts, the published state)
    lives in the DB: the workflow must save it after publishing, even when it ends red."""
    steps = yaml.safe_load(render_workflow(["README.md"]))["jobs"]["check"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    publish_at = next(i for i, s in enumerate(steps) if "linkwatch publish" in s.get("run", ""))
    save_at = uses.index("actions/cache/save")
    assert "always()" in steps[save_at].get("if", "")
    assert save_at > publish_at and steps[save_at]["with"]["path"] == "cache/linkwatch.db"
    assert "actions/cache" not in uses  # its post step would skip red nights silently


# ---------------------------------------------------------------- three nights


@dataclass
class Nights:
    web: SimWeb
    scenario: Scenario
    writes: RepoWrites
    wayback: SimWayback


@pytest.fixture
async def nights(simweb, repo_dir: Path) -> Nights:
    (repo_dir / "README.md").write_text(LIST, encoding="utf-8")
    sc = Scenario()
    sc.host("papers.example", default=b.ok(title="Paper"))
    sc.host("reference.example", default=b.ok(title="reference"))
    wayback = SimWayback().add(FRAGILE, "20200612000000")
    wayback.mount(sc)
    github = SimGitHub()
    github.add_token(TOKEN)
    writes = RepoWrites(github, REPO, files={"README.md": LIST.encode()})
    sc.mount("api.github.com", github.handle)
    return Nights(await simweb(sc), sc, writes, wayback)


async def test_three_nights_then_a_quiet_one(nights: Nights, repo_dir: Path):
    web, writes = nights.web, nights.writes
    # night 1: one link breaks; failing (1 of 2), not broken: no issue
    nights.scenario.route(FRAGILE, b.not_found())
    assert await night(web) == 0
    report = (repo_dir / "reports" / "report.md").read_text()
    assert "failing (1 of 2)" in report and FRAGILE in report
    result = await publish(web)
    assert result.exit_code == 0, result.output
    assert "nothing published" in result.output
    assert writes.calls == [] and writes.issues == {}

    # night 2: still broken: the tracking issue, and a PR pointing at the snapshot
    assert await night(web) == 1
    result = await publish(web)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["created issue #1", "opened pull request #2"]
    [issue] = writes.open_issues()
    assert MARKER in issue["body"] and FRAGILE in issue["body"]
    assert issue["labels"] == ["linkwatch"]
    [pull] = writes.open_issues(pulls=True)
    assert pull["head"] == BRANCH and "archive" in pull["body"]
    patched = writes.branch_file(BRANCH, "README.md")
    assert patched == LIST.replace(f"({FRAGILE})", f"({SNAPSHOT})").encode()
    assert writes.branch_file("main", "README.md") == LIST.encode()

    # the same broken night again: nothing to write
    calls = list(writes.calls)
    web.clear_log()
    assert await night(web) == 1
    result = await publish(web)
    assert "nothing published" in result.output
    assert writes.calls == calls and api_writes(web) == []

    # night 3: the link is back: issue closed, PR closed and its branch deleted
    nights.scenario.route(FRAGILE, b.ok(title="Fragile, back"))
    assert await night(web) == 0
    result = await publish(web)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["closed issue #1", "closed pull request #2"]
    assert writes.issues[1]["state"] == "closed" and writes.issues[2]["state"] == "closed"
    assert f"heads/{BRANCH}" not in writes.refs
    assert writes.comments == {}  # nothing newly broke after the issue was opened

    # night 4, identical: no write call at all, by the sim's count and by its log
    calls = list(writes.calls)
    web.clear_log()
    assert await night(web) == 0
    result = await publish(web)
    assert result.exit_code == 0 and "nothing published" in result.output
    assert writes.calls == calls
    assert web.requests("api.github.com") and api_writes(web) == []
    assert len(writes.issues) == 2  # one issue, one PR, over all nights


async def test_second_break_updates_the_pr_and_a_relapse_reopens_the_issue(
    nights: Nights, repo_dir: Path
):
    """With `--fail-after 1`: a second link breaks while the PR is open (issue edited and
    commented, PR branch moved to a commit with both fixes), all is fixed (closed), then
    one link breaks again: the same issue is reopened and a fresh PR opened."""
    web, writes, sc = nights.web, nights.writes, nights.scenario
    daily = {"fail_after": 1, "ttl_alive": "0s"}  # a night apart: yesterday's "alive" is due
    stable = "https://papers.example/stable"
    nights.wayback.add(stable, "20210101000000")
    sc.route(FRAGILE, b.not_found())
    assert await night(web, **daily) == 1
    assert (await publish(web)).output.splitlines() == [
        "created issue #1",
        "opened pull request #2",
    ]
    first_commit = writes.refs[f"heads/{BRANCH}"]

    sc.route(stable, b.gone())
    assert await night(web, **daily) == 1
    result = await publish(web)
    assert result.output.splitlines() == [
        "updated issue #1",
        "commented on issue #1",
        "updated pull request #2",
    ], result.output
    assert stable in writes.comments[1][0] and FRAGILE not in writes.comments[1][0]
    assert writes.refs[f"heads/{BRANCH}"] != first_commit
    patched = writes.branch_file(BRANCH, "README.md")
    assert patched is not None and patched.count(b"web.archive.org") == 2
    assert stable in writes.issues[2]["body"]  # the PR body lists both edits

    sc.route(FRAGILE, b.ok())
    sc.route(stable, b.ok())
    assert await night(web, **daily) == 0
    assert (await publish(web)).output.splitlines() == [
        "closed issue #1",
        "closed pull request #2",
    ]

    sc.route(FRAGILE, b.not_found())
    assert await night(web, **daily) == 1
    assert (await publish(web)).output.splitlines() == [
        "reopened issue #1",
        "commented on issue #1",  # it broke anew since the last run
        "opened pull request #3",
    ]
    assert [i["number"] for i in writes.open_issues()] == [1]
    assert (
        writes.branch_file(BRANCH, "README.md")
        == LIST.replace(f"({FRAGILE})", f"({SNAPSHOT})").encode()
    )


async def linkwatch_process(web: SimWeb, *args: str) -> subprocess.CompletedProcess[str]:
    """`linkwatch ARGS` as its own process, the way the workflow step runs it: the API
    base from the environment (LINKWATCH_GITHUB_API_URL), the token from GITHUB_TOKEN."""
    env = {
        **os.environ,
        "GITHUB_TOKEN": TOKEN,
        "LINKWATCH_GITHUB_API_URL": web.direct_base("api.github.com"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkwatch", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


async def test_publish_step_as_a_process(nights: Nights, repo_dir: Path):
    """The workflow's publish step verbatim, in its own process: exit codes, output lines,
    a refusal as one line without a traceback, and never the token."""
    web, writes = nights.web, nights.writes
    nights.scenario.route(FRAGILE, b.not_found())
    assert await night(web, fail_after=1) == 1
    step = ["publish", "--repo", REPO, "--pr"]

    writes.permissions = {"contents"}
    refused = await linkwatch_process(web, *step)
    assert refused.returncode == 3, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "issues: write" in refused.stderr
    assert "Traceback" not in refused.stderr and writes.issues == {}

    writes.permissions = {"issues", "contents", "pull_requests"}
    done = await linkwatch_process(web, *step)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["created issue #1", "opened pull request #2"]
    for proc in (refused, done):
        assert TOKEN not in proc.stdout + proc.stderr


async def test_publish_with_github_unreachable_is_one_line_exit_3(nights: Nights, repo_dir: Path):
    """The runner's network drops between the check and publishing: one line, exit 3,
    and the published state is not advanced (the next publish does the work)."""
    web, writes = nights.web, nights.writes
    nights.scenario.route(FRAGILE, b.not_found())
    assert await night(web, fail_after=1) == 1
    args = ["publish", "--repo", REPO, "--github-api-url", f"http://127.0.0.1:{closed_port()}"]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, args, env={"GITHUB_TOKEN": TOKEN}, catch_exceptions=False
    )
    assert result.exit_code == 3, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "unreachable" in err and "report.json" not in err
    assert writes.calls == []
    result = await publish(web)
    assert result.output.splitlines() == ["created issue #1", "opened pull request #2"]


async def test_a_second_run_while_one_is_checking_exits_3_and_writes_nothing(
    simweb, repo_dir: Path, capsys: pytest.CaptureFixture[str]
):
    """A manual run started while the nightly one is still checking (same cache DB)."""
    (repo_dir / "README.md").write_text(
        "".join(f"- E{i} [[p](https://slow.example/{i}.pdf)]\n" for i in range(6)),
        encoding="utf-8",
    )
    sc = Scenario()
    sc.host("slow.example", default=b.slow(0.5))
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    first = asyncio.create_task(night(web, per_host=1))  # ~3 s of checking
    while not web.requests("slow.example"):  # it holds the lock once it asks the web
        await asyncio.sleep(0.02)
    db = repo_dir / "cache" / "linkwatch.db"
    before = db_snapshot(db)
    capsys.readouterr()
    second = await asyncio.to_thread(
        check_cli, ["README.md"], web.network(), "text", out="other-reports"
    )
    err = capsys.readouterr().err
    assert second == 3 and "another linkwatch run holds" in err and "pid" in err, err
    assert len(err.strip().splitlines()) == 1
    assert db_snapshot(db) == before and not (repo_dir / "other-reports").exists()
    assert not first.done()
    assert await first == 0  # the first run is not disturbed
    assert len(web.requests("slow.example")) == 6


async def test_the_night_after_a_change_is_quiet(nights: Nights, repo_dir: Path):
    """docs/nightly.md: "when nothing changed, no API write is made at all" -- also on the
    night right after a change, while links are still broken."""
    web, writes, sc = nights.web, nights.writes, nights.scenario
    daily = {"fail_after": 1, "ttl_alive": "0s"}
    sc.route(FRAGILE, b.not_found())
    assert await night(web, **daily) == 1
    await publish(web)
    sc.route("https://papers.example/stable", b.gone())
    assert await night(web, **daily) == 1
    assert "commented on issue #1" in (await publish(web)).output  # a real change
    assert "- newly broken: <https://papers.example/stable>" in writes.issues[1]["body"]
    calls = list(writes.calls)
    assert await night(web, **daily) == 1  # the same as the night before
    result = await publish(web)
    assert writes.calls == calls, result.output
    assert "- newly broken: <https://papers.example/stable>" in writes.issues[1]["body"]


async def test_publish_without_pr_does_not_promise_a_pull_request(nights: Nights, repo_dir: Path):
    web, writes = nights.web, nights.writes
    nights.scenario.route(FRAGILE, b.not_found())
    assert await night(web, fail_after=1) == 1
    args = ["publish", "--repo", REPO, "--github-api-url", web.direct_base("api.github.com")]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, args, env={"GITHUB_TOKEN": TOKEN}, catch_exceptions=False
    )
    assert result.output.splitlines() == ["created issue #1"]
    body = writes.issues[1]["body"]
    assert "1 suggested edits are in the linkwatch report" in body
    assert "pull request" not in body and writes.open_issues(pulls=True) == []


async def test_a_lost_cache_does_not_read_as_all_fixed(nights: Nights, repo_dir: Path):
    """The cache DB is gone (evicted, never saved): the still-dead link counts afresh as
    failing (1 of 2). With no memory of what was published, publish must not close the
    issue and the PR over it; the next night it is broken again and all stays open."""
    web, writes = nights.web, nights.writes
    nights.scenario.route(FRAGILE, b.not_found())
    for _ in range(2):
        await night(web)
    assert (await publish(web)).output.splitlines() == [
        "created issue #1",
        "opened pull request #2",
    ]

    (repo_dir / "cache" / "linkwatch.db").unlink()
    assert await night(web) == 0  # failing (1 of 2) again
    result = await publish(web)
    assert "closed" not in result.output, result.output
    assert writes.issues[1]["state"] == "open" and writes.issues[2]["state"] == "open"
    assert f"heads/{BRANCH}" in writes.refs

    assert await night(web) == 1
    result = await publish(web)
    assert "closed" not in result.output and "commented" not in result.output, result.output
    assert len(writes.open_issues()) == 1 and len(writes.open_issues(pulls=True)) == 1
    calls = list(writes.calls)
    assert await night(web) == 1
    assert "nothing published" in (await publish(web)).output and writes.calls == calls


async def test_nights_with_enrichment_rename_pr_then_quiet(simweb, repo_dir: Path):
    """The nightly's real configuration (APIs asked, token set): a renamed repository gives
    a PR on the first night without any issue; the next nights are quiet."""
    old, new = "https://github.com/old-org/attn", "https://github.com/new-org/attn"
    listing = f"# List\n\n- Attn [[code]({old})] [[paper](https://papers.example/a)]\n"
    (repo_dir / "README.md").write_text(listing, encoding="utf-8")
    sc = Scenario()
    github = SimGitHub()
    github.add_token(TOKEN)
    github.add_repo("old-org/attn", stars=10)
    github.rename("old-org/attn", "new-org/attn")
    writes = RepoWrites(github, REPO, files={"README.md": listing.encode()})
    sc.mount("api.github.com", github.handle)
    sc.mount("export.arxiv.org", SimArxiv([]).handle)
    sc.host("github.com", default=b.redirect(301, new))
    sc.route(new, github_page("new-org/attn"))
    sc.host("papers.example", default=b.ok())
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    apis = {
        "enrich": True,
        "github_token": TOKEN,
        "arxiv_interval": 0.05,
        "arxiv_api_url": web.direct_base("export.arxiv.org") + "/api/query",
        "github_api_url": web.direct_base("api.github.com"),
    }
    assert await night(web, **apis) == 0
    assert (await publish(web)).output.splitlines() == ["opened pull request #1"]
    assert writes.issues.keys() == {1}  # the PR only: nothing is broken
    assert writes.branch_file(BRANCH, "README.md") == listing.replace(old, new).encode()
    calls = list(writes.calls)
    for _ in range(2):
        assert await night(web, **apis) == 0
        assert "nothing published" in (await publish(web)).output
    assert writes.calls == calls


# ---------------------------------------------------------------- network down


async def test_network_down_exits_3_records_nothing_and_publishes_nothing(
    simweb, repo_dir: Path, capsys: pytest.CaptureFixture[str]
):
    hosts = ["papers.example", "code.example", "blog.example", "old.example"]
    (repo_dir / "README.md").write_text(
        "# List\n\n"
        "- A [[paper](https://papers.example/a)] [[code](https://code.example/a)]\n"
        "- B [[post](https://blog.example/gone)] [[old](https://old.example/b)]\n",
        encoding="utf-8",
    )
    sc = Scenario()
    for host in hosts:
        sc.host(host, default=b.ok())
    sc.route("https://blog.example/gone", b.not_found())
    sc.route("https://old.example/b", b.redirect(301, "https://papers.example/b"))
    sc.host("reference.example", default=b.ok())
    github = SimGitHub()
    github.add_token(TOKEN)
    writes = RepoWrites(github, REPO, files={"README.md": b"# List\n"})
    sc.mount("api.github.com", github.handle)
    web = await simweb(sc)
    assert await night(web) == 0  # the gone post is failing (1 of 2)
    db = repo_dir / "cache" / "linkwatch.db"
    before = db_snapshot(db)
    report_before = (repo_dir / "reports" / "report.json").read_bytes()
    capsys.readouterr()

    for host in hosts:  # every host refuses connections, the reference hosts are gone
        sc.host(host, dns="refused")
    sc.host("reference.example", dns="unreachable")
    web.clear_log()
    code = await night(web)
    err = capsys.readouterr().err
    assert code == 3
    assert "network unreachable" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert db_snapshot(db) == before  # no row, no counter moved
    assert (repo_dir / "reports" / "report.json").read_bytes() == report_before
    # the workflow publishes only after exit 0 or 1, so no issue is written
    assert workflow_publishes_on() == {"0", "1"}
    assert writes.calls == [] and api_writes(web) == []


@pytest.mark.parametrize("mode", ["nxdomain", "refused", "unreachable", "blackhole"])
async def test_every_kind_of_outage_is_network_down(
    simweb, repo_dir: Path, capsys: pytest.CaptureFixture[str], mode: str
):
    """No DNS, refused, no route, or SYNs dropped (connect timeouts): all are "the runner's
    network is down", never a night of dead links."""
    (repo_dir / "README.md").write_text(
        "".join(f"- E{i} [[p](https://site{i}.example/{i})]\n" for i in range(5))
        + "- Gone [[p](https://site0.example/gone)]\n",
        encoding="utf-8",
    )
    sc = Scenario()
    for i in range(5):
        sc.host(f"site{i}.example", default=b.ok())
    sc.route("https://site0.example/gone", b.not_found())
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    fast = {"connect_timeout": "0.3s", "timeout": "1s"}
    assert await night(web, **fast) == 0
    db = repo_dir / "cache" / "linkwatch.db"
    before = db_snapshot(db)
    capsys.readouterr()

    sc.outage(mode)  # every host, the reference hosts included
    code = await night(web, **fast, refresh=True)
    err = capsys.readouterr().err
    assert code == 3 and "network unreachable" in err, err
    assert db_snapshot(db) == before


def closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_network_down_with_enrichment_records_nothing(
    simweb, repo_dir: Path, capsys: pytest.CaptureFixture[str]
):
    """The nightly's real configuration (arXiv and GitHub APIs asked too): when the pages,
    the reference hosts and both APIs are unreachable, nothing is stored either."""
    (repo_dir / "README.md").write_text(
        "# List\n\n## Papers\n"
        "- Rotate [[paper](https://arxiv.org/abs/2010.03045)] "
        "[[code](https://github.com/implus/sknet)]\n"
        "- HRNet [[paper](https://arxiv.org/abs/1908.07919)] [[blog](https://blog.example/hr)]\n"
        "- Gone [[post](https://blog.example/gone)] [[site](https://papers.example/x)]\n",
        encoding="utf-8",
    )
    sc = Scenario()
    sc.mount("export.arxiv.org", SimArxiv(example_papers()).handle)
    github = example_repos()
    github.add_token(TOKEN)
    sc.mount("api.github.com", github.handle)
    sc.host("github.com", default=github_page("implus/SKNet"))
    sc.host("arxiv.org", default=b.ok(title="arXiv"))
    for host in ("blog.example", "papers.example", "reference.example"):
        sc.host(host, default=b.ok())
    sc.route("https://blog.example/gone", b.not_found())
    web = await simweb(sc)
    apis = {
        "enrich": True,
        "github_token": TOKEN,
        "arxiv_interval": 0.05,
        "arxiv_api_url": web.direct_base("export.arxiv.org") + "/api/query",
        "github_api_url": web.direct_base("api.github.com"),
    }
    assert await night(web, **apis) == 0
    db = repo_dir / "cache" / "linkwatch.db"
    before = db_snapshot(db)
    assert before["metadata"]  # the APIs answered and were cached
    capsys.readouterr()

    sc.outage("refused")
    dead_api = f"http://127.0.0.1:{closed_port()}"
    down = {**apis, "arxiv_api_url": dead_api + "/api/query", "github_api_url": dead_api}
    code = await night(web, **down, refresh=True)  # everything due: a full night's work
    err = capsys.readouterr().err
    assert code == 3 and "network unreachable" in err, err
    assert db_snapshot(db) == before


# ---------------------------------------------------------------- --format github

ANNOTATION = re.compile(
    r"^::(?P<level>error|warning) file=(?P<file>[^,]*),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>[^,:]*)::(?P<message>.*)$"
)


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


async def test_format_github_annotations_and_step_summary(
    simweb, repo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    name = "awesome: lists, 100%.md"  # every character the property rules escape
    gone = "https://papers.example/gone%20paper"
    (repo_dir / name).write_text(
        "# List\n\n## Papers\n"
        f"- Gone [[paper]({gone})] and [[mirror](https://papers.example/mirror)]\n"
        "- Moved [[code](https://old.example/code)]\n"
        "- Local [[here](#list)] [[missing](#nowhere)]\n",
        encoding="utf-8",
    )
    sc = Scenario()
    sc.host("papers.example", default=b.ok())
    sc.route(gone, b.not_found())
    sc.host("old.example", default=b.redirect(308, "https://new.example/code"))
    sc.host("new.example", default=b.ok())
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)

    async def run() -> tuple[int, list[str]]:
        code = await asyncio.to_thread(
            check_cli, [name], web.network(), "github", fail_after=3, ttl_alive="0s"
        )
        return code, capsys.readouterr().out.splitlines()

    summary = repo_dir / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    summary.write_text("earlier step\n", encoding="utf-8")
    for _ in range(2):
        await run()
    sc.route("https://papers.example/mirror", b.server_error(500))  # starts failing now
    code, out = await run()
    assert code == 1
    report = (repo_dir / "reports" / "report.md").read_text()
    assert "failing (1 of 3)" in report

    found = [ANNOTATION.match(line) for line in out]
    assert all(found), out
    lines = (repo_dir / name).read_text(encoding="utf-8").splitlines()
    got = set()
    for m in found:
        assert m is not None and unescape_property(m["file"]) == name
        message = unescape_data(m["message"])
        url = re.split(r": | moved to ", message)[0]
        line, col = int(m["line"]), int(m["col"])
        assert lines[line - 1][col - 1 :].startswith(url), (line, col, url)  # points at it
        got.add((m["level"], unescape_property(m["title"]), url))
    assert got == {
        ("error", "Broken link", gone),
        ("error", "Broken link", "#nowhere"),
        ("warning", "Failing link (1 run)", "https://papers.example/mirror"),
        ("warning", "Permanent redirect", "https://old.example/code"),
    }
    assert all(line.startswith("::") and "\r" not in line for line in out)
    assert all("file=awesome%3A lists%2C 100%25.md," in line for line in out)
    assert any(
        line.endswith("::https://papers.example/gone%2520paper: 404 Not Found") for line in out
    )
    assert any(
        "::https://old.example/code moved to https://new.example/code" in line for line in out
    )

    # the step summary got each run's Markdown report appended, the last one == report.md
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and text.count("# linkwatch report") == 3
    assert text.endswith("\n" + report + "\n")  # --fail-after 3 there too, not the default


# ---------------------------------------------------------------- --max-duration


async def test_max_duration_on_2000_links_stops_on_time_and_continues(simweb, repo_dir: Path):
    hosts, total = 20, 2000
    (repo_dir / "README.md").write_text(
        "# Big list\n\n"
        + "".join(
            f"- Entry {i} [[p](https://site{i % hosts}.example/p/{i}.pdf)]\n" for i in range(total)
        ),
        encoding="utf-8",
    )
    sc = Scenario()
    for h in range(hosts):
        sc.host(f"site{h}.example", default=b.slow(0.25))  # a full run takes ≥ 25 s
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    # the budget also pays for reading the list and planning (~1.5 × extraction): leave
    # room for checking on a slow runner too, so the run has something to store
    started = time.monotonic()
    extract_file(repo_dir / "README.md")
    budget = max(2.5, 0.5 + 3 * (time.monotonic() - started))
    flags = {"max_duration": f"{budget:.2f}s", "per_host": 1, "ttl_alive": "0s"}  # all due

    started = time.monotonic()
    assert await night(web, **flags) == 0
    elapsed = time.monotonic() - started
    assert elapsed <= budget + 6, elapsed  # generous: a loaded 2-core runner

    data = json.loads((repo_dir / "reports" / "report.json").read_text())
    checked = {item["url"] for item in data["links"]}
    assert 0 < len(checked) < total
    left = total - len(checked)
    assert any(f"{left} links left for the next run" in n for n in data["notes"])
    assert f"{left} links left for the next run" in (repo_dir / "reports" / "report.md").read_text()

    db = repo_dir / "cache" / "linkwatch.db"
    assert stored_run(db, 1) == ("partial", checked)  # what was checked is kept

    everything = {f"https://site{i % hosts}.example/p/{i}.pdf" for i in range(total)}
    unchecked = everything - checked
    web.clear_log()
    assert await night(web, **flags) == 0
    asked = [f"https://{r.host}{r.path}" for r in sorted(web.log, key=lambda r: r.t)]
    asked = [u for u in asked if "reference" not in u]
    assert asked and set(asked) <= unchecked  # the stalest (never checked) go first
    outcome, second = stored_run(db, 2)
    assert outcome == "partial" and second and second <= unchecked


def stored_run(db: Path, run_id: int) -> tuple[str, set[str]]:
    """A run's outcome and the URLs it stored checks for."""
    conn = sqlite3.connect(db)
    try:
        ((outcome,),) = conn.execute("SELECT outcome FROM runs WHERE id = ?", (run_id,))
        urls = {u for (u,) in conn.execute("SELECT url FROM checks WHERE run_id = ?", (run_id,))}
        return outcome, urls
    finally:
        conn.close()


# ---------------------------------------------------------------- paths as the runner gives them


async def test_absolute_list_path_names_files_relative_to_the_checkout(
    simweb, repo_dir: Path, capsys: pytest.CaptureFixture[str]
):
    """`linkwatch check $GITHUB_WORKSPACE/README.md`: annotations, suggestions.patch and the
    fix PR must name README.md as the repository does, not the runner's absolute path."""
    (repo_dir / "README.md").write_text(
        "# List\n\n- Moved [[code](https://old.example/code)]\n", encoding="utf-8"
    )
    sc = Scenario()
    sc.host("old.example", default=b.redirect(301, "https://new.example/code"))
    sc.host("new.example", default=b.ok())
    sc.host("reference.example", default=b.ok())
    github = SimGitHub()
    github.add_token(TOKEN)
    writes = RepoWrites(github, REPO, files={"README.md": (repo_dir / "README.md").read_bytes()})
    sc.mount("api.github.com", github.handle)
    web = await simweb(sc)

    absolute = str((repo_dir / "README.md").absolute())
    assert await asyncio.to_thread(check_cli, [absolute], web.network(), "github") == 0
    [annotation] = capsys.readouterr().out.splitlines()
    assert annotation.startswith("::warning file=README.md,line=3,")
    patch = (repo_dir / "reports" / "suggestions.patch").read_text()
    assert "--- a/README.md\n+++ b/README.md\n" in patch

    result = await publish(web)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["opened pull request #1"]
    assert writes.branch_file(BRANCH, "README.md") == (
        b"# List\n\n- Moved [[code](https://new.example/code)]\n"
    )


# ---------------------------------------------------------------- publish refused


async def test_refused_publish_exits_3_leaves_nothing_half_done_and_recovers(
    nights: Nights, repo_dir: Path
):
    """A token without `pull-requests: write`: the issue is written, the PR is refused with
    one clear line and exit 3, its branch is removed; once the permission is granted the
    next publish opens the PR without a second issue or a comment."""
    web, writes = nights.web, nights.writes
    writes.permissions = {"issues", "contents"}
    nights.scenario.route(FRAGILE, b.not_found())
    assert await night(web, fail_after=1) == 1

    result = await publish(web)
    assert result.exit_code == 3
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "pull-requests: write" in err
    assert TOKEN not in result.output
    assert [i["number"] for i in writes.open_issues()] == [1]
    assert writes.open_issues(pulls=True) == [] and f"heads/{BRANCH}" not in writes.refs

    writes.permissions.add("pull_requests")
    result = await publish(web)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["opened pull request #2"]
    assert writes.branch_file(BRANCH, "README.md") is not None
    assert len(writes.open_issues()) == 1 and writes.comments == {}

    calls = list(writes.calls)
    result = await publish(web)
    assert "nothing published" in result.output and writes.calls == calls


async def test_a_link_the_time_budget_did_not_reach_keeps_its_last_state(simweb, repo_dir: Path):
    """A partial night must not read as "fixed": a broken link that `--max-duration` left
    for the next night stays broken in the report, the tracking issue stays open and the
    PR keeps its archive fix (the snapshot is known from the night before)."""
    hosts, per_host = 10, 6
    broken = "https://site0.example/x/last.pdf"  # the last in its host's queue
    lines = [
        f"- E{h}-{i} [[p](https://site{h}.example/x/{i}.pdf)]"
        for i in range(per_host - 1)
        for h in range(hosts)
    ]
    (repo_dir / "README.md").write_text(
        "# List\n\n" + "\n".join(lines) + f"\n- Broken [[p]({broken})]\n", encoding="utf-8"
    )
    sc = Scenario()
    for h in range(hosts):
        sc.host(f"site{h}.example", default=b.slow(0.2))  # a full night: ~1.2 s
    sc.route(broken, b.not_found())
    sc.host("reference.example", default=b.ok())
    SimWayback().add(broken, "2021").mount(sc)
    github = SimGitHub()
    github.add_token(TOKEN)
    writes = RepoWrites(github, REPO, files={"README.md": (repo_dir / "README.md").read_bytes()})
    sc.mount("api.github.com", github.handle)
    web = await simweb(sc)
    daily = {"per_host": 1, "ttl_alive": "0s"}  # a night apart: every link is due again
    assert await night(web, **daily) == 0
    assert await night(web, **daily) == 1
    assert (await publish(web)).output.splitlines() == [
        "created issue #1",
        "opened pull request #2",
    ]

    web.clear_log()
    assert await night(web, **daily, max_duration="0.8s") == 1
    assert broken not in {f"https://{r.host}{r.path}" for r in web.log}  # not reached
    report = json.loads((repo_dir / "reports" / "report.json").read_text())
    jsonschema.validate(report, json.loads(package_files("linkwatch").joinpath(SCHEMA).read_text()))
    item = next(i for i in report["links"] if i["url"] == broken)
    assert (item["state"], item["cached"]) == ("broken", True)
    assert broken not in report["changes"]["fixed"]
    result = await publish(web)
    assert "nothing published" in result.output, result.output
    assert writes.issues[1]["state"] == "open" and writes.issues[2]["state"] == "open"
