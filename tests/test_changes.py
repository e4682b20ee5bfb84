"""Pull-request mode through the console script: a temporary git repository with two
commits; only the links the second commit introduces are requested, annotations point
at their lines, and the exit code is 1 only for the new broken link."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from linkwatch.changes import added_lines
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from proxied_cli import linkwatch_check

BASE = """\
# Awesome PR

## Papers
- Old Paper [[paper](https://papers.example/old)]
- Old Dead Paper [[paper](https://papers.example/old-dead)]
- Retitled [[paper](https://papers.example/retitled)]
"""
HEAD = """\
# Awesome PR

## Papers
- Old Paper [[paper](https://papers.example/old)]
- New Paper [[paper](https://papers.example/new)] [[code](https://code.example/new)]
- Old Dead Paper [[paper](https://papers.example/old-dead)]
- Retitled, better [[paper](https://papers.example/retitled)]
- New Dead Paper [[paper](https://papers.example/new-dead)]
- Walled [[blog](https://walled.example/post)]
"""
CONFIG = """\
enrich = false
host_spacing = 0
retry_backoff = 0.01
max_retries = 0
timeout = 5
allow_private = true
reference_hosts = ["https://reference.example/"]
"""


def test_added_lines_from_a_zero_context_diff():
    diff = b"@@ -3,0 +4 @@\n+x\n@@ -5 +6,2 @@\n-y\n+z\n+w\n@@ -9,2 +10,0 @@\n-a\n-b\n"
    assert added_lines(diff) == {4, 6, 7}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.example",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.example"}  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "README.md").write_text(BASE, encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "README.md").write_text(HEAD, encoding="utf-8")
    git(tmp_path, "commit", "-qam", "the pull request")
    return tmp_path


def scenario() -> Scenario:
    sc = Scenario()
    sc.host("papers.example", default=b.ok(title="Paper"))
    sc.route("https://papers.example/old-dead", b.not_found())
    sc.route("https://papers.example/new-dead", b.not_found())
    sc.host("code.example", default=b.ok(title="Code"))
    sc.host("walled.example", default=b.bot_wall())
    sc.host("reference.example", default=b.ok(title="reference"))
    return sc


async def test_only_introduced_links_are_checked_and_fail(simweb, repo: Path):
    web = await simweb(scenario())
    proxy = await web.proxy()
    done = await linkwatch_check(
        web, repo, proxy.url, "--changed-since", "HEAD~1", "--format", "github"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    # the soft-404 probe of a host's random path aside, only the introduced links
    requested = {(r.host, r.path) for r in web.log if "linkwatch-probe" not in r.path}
    assert requested == {
        ("papers.example", "/new"),
        ("code.example", "/new"),
        ("papers.example", "/new-dead"),
        ("walled.example", "/post"),
    }  # not /old-dead, nor /retitled (a changed line that keeps its old link)
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert "line=8," in errors[0] and "papers.example/new-dead" in errors[0]  # broken at once
    assert not any("walled.example" in line for line in errors)  # a wall stays unverifiable
    assert not (repo / "cache" / "linkwatch.db").exists()  # the nightly store is left alone


async def test_a_change_that_adds_only_good_links_passes(simweb, repo: Path):
    web = await simweb(scenario())
    proxy = await web.proxy()
    (repo / "README.md").write_text(BASE + "- Fine [[paper](https://papers.example/fine)]\n")
    git(repo, "commit", "-qam", "a good link")
    done = await linkwatch_check(web, repo, proxy.url, "--changed-since", "HEAD~1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert {r.path for r in web.log if "probe" not in r.path} == {"/fine"}
    assert "1 links introduced since HEAD~1 were checked" in done.stdout


async def test_an_unknown_ref_is_one_line_exit_2(simweb, repo: Path):
    web = await simweb(scenario())
    proxy = await web.proxy()
    done = await linkwatch_check(web, repo, proxy.url, "--changed-since", "no-such-ref")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "no-such-ref" in done.stderr
    assert web.log == []
