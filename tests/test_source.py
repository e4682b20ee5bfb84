"""Where the list lives: from GitHub Actions' variables or the git checkout."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from linkwatch.source import detect_source, parse_remote


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("git@github.com:owner/list.git", ("https://github.com", "owner/list")),
        ("https://github.com/owner/list", ("https://github.com", "owner/list")),
        ("https://token@ghe.example.com/team/list.git", ("https://ghe.example.com", "team/list")),
        ("ssh://git@github.com/owner/list.git", ("https://github.com", "owner/list")),
        ("/srv/git/list.git", None),
    ],
)
def test_remote_urls(remote: str, expected):
    assert parse_remote(remote) == expected


def test_actions_variables_win(tmp_path: Path):
    env = {"GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc", "GITHUB_SERVER_URL": "https://g.example/"}
    assert detect_source(env, tmp_path) == {
        "server": "https://g.example", "repository": "o/r", "sha": "abc", "prefix": "",
    }  # fmt: skip


def test_no_repository_no_source(tmp_path: Path):
    assert detect_source({}, tmp_path) is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_a_checkout_gives_remote_head_and_the_subdirectory(tmp_path: Path):
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("remote", "add", "origin", "git@github.com:owner/list.git")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# x\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x")
    found = detect_source({}, tmp_path / "docs")
    assert found == {
        "server": "https://github.com",
        "repository": "owner/list",
        "sha": git("rev-parse", "HEAD"),
        "prefix": "docs/",
    }
