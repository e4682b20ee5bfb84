"""Where the checked list lives, so reports can link each finding to its line.

From GitHub Actions' ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``GITHUB_SHA``, else from
the git checkout's ``origin`` remote and ``HEAD``. I/O at the edge: the pipeline calls
this once and the renderers only read the value it returns.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)"
    r"(?P<host>[^/:]+)(?::\d+)?[:/](?P<repo>[^/]+/[^/]+?)(?:\.git)?/?$"
)


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def parse_remote(url: str) -> tuple[str, str] | None:
    """``git@github.com:o/r.git`` or ``https://github.com/o/r`` → server and ``o/r``."""
    m = _REMOTE.match(url.strip())
    if not m:
        return None
    return f"https://{m.group('host')}", m.group("repo")


def detect_source(environ: Mapping[str, str], cwd: Path) -> dict[str, str] | None:
    """server, repository, sha and the working directory's path inside the repository
    (``prefix``, since reports name files relative to the working directory)."""
    repo, sha = environ.get("GITHUB_REPOSITORY"), environ.get("GITHUB_SHA")
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    if not (repo and sha):
        remote = _git(cwd, "remote", "get-url", "origin")
        parsed = parse_remote(remote) if remote else None
        head = _git(cwd, "rev-parse", "HEAD") if parsed else None
        if not (parsed and head):
            return None
        (server, repo), sha = parsed, head
    prefix = _git(cwd, "rev-parse", "--show-prefix") or ""
    return {"server": server, "repository": repo, "sha": sha, "prefix": prefix}
