"""`linkwatch publish` as the workflow step runs it, in its own process, when GitHub lets
the token write issues but the repository forbids Actions to open pull requests (the
default on new repositories): one line naming the setting, exit 3, and the tracking
issue's state saved, so the next night does not redo the issue."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb.github_api import SimGitHub
from linkwatch.simweb.github_write import RepoWrites
from linkwatch.store import Store

TOKEN = "ghs_refusaltesttoken0123456789"
README = b"# List\n\n- Paper [[code](https://github.com/old/repo)]\n"
URL = "https://github.com/old/repo"


def write_report(root: Path) -> None:
    start = README.index(URL.encode())
    report = {
        "files": ["README.md"],
        "generated_at": "2026-12-01T03:00:00Z",
        "links": [
            {
                "url": "https://papers.example/gone",
                "state": "broken",
                "reason": "404 Not Found",
                "first_failed_at": "2026-11-24T03:00:00Z",
                "occurrences": [{"file": "README.md", "line": 3, "entry": "Paper"}],
            }
        ],
        "suggestions": [
            {
                "file": "README.md",
                "line": 3,
                "start": start,
                "end": start + len(URL),
                "old": URL,
                "new": "https://github.com/new/repo",
                "reason": "repository renamed",
                "confidence": "high",
                "kind": "rename",
            }
        ],
        "changes": {},
    }
    (root / "reports").mkdir()
    (root / "reports" / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (root / "README.md").write_bytes(README)


async def publish_process(web: SimWeb, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GITHUB_TOKEN": TOKEN,
        "LINKWATCH_GITHUB_API_URL": web.direct_base("api.github.com"),
        "LINKWATCH_GITHUB_WRITE_INTERVAL": "0",
    }
    args = ["publish", "--repo", "owner/list", "--pr"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkwatch", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


async def test_pull_requests_forbidden_by_the_repository_setting(simweb, tmp_path: Path):
    sim = SimGitHub()
    sim.add_token(TOKEN)
    writes = RepoWrites(
        sim, "owner/list", files={"README.md": README}, actions_may_open_pulls=False
    )
    web = await simweb(Scenario().mount("api.github.com", sim.handle))
    write_report(tmp_path)

    refused = await publish_process(web, tmp_path)
    assert refused.returncode == 3, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr
    assert "Allow GitHub Actions to create and approve pull requests" in lines[0]
    assert "Settings → Actions → General" in lines[0]
    assert refused.stdout.splitlines() == []
    assert [i["number"] for i in writes.open_issues()] == [1]  # the issue step succeeded
    assert not any(ref.startswith("heads/linkwatch/") for ref in writes.refs)  # no half branch

    with Store.open(tmp_path / "cache" / "linkwatch.db", readonly=True) as store:
        state = store.get_state("publish:owner/list")
    assert state["issue"] == 1 and state["broken"] == ["https://papers.example/gone"]

    # the next night: the issue is not touched again, only the pull request is retried
    before = len(writes.calls)
    again = await publish_process(web, tmp_path)
    assert again.returncode == 3
    assert not any("/issues" in path for _, path in writes.calls[before:])

    writes.actions_may_open_pulls = True  # the maintainer changed the setting
    done = await publish_process(web, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["opened pull request #2"]
    for proc in (refused, again, done):
        assert TOKEN not in proc.stdout + proc.stderr
