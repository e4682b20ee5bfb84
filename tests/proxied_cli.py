"""`linkwatch check` as its own process, the way a runner behind a corporate proxy runs
it: HTTP(S)_PROXY/ALL_PROXY at the sim's proxy (``SimWeb.proxy``) and the sim's CA as
the trust store, so the real console script reaches nothing but 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from linkwatch.simweb import SimWeb


def proxied_env(web: SimWeb, proxy: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LINKWATCH_"))}
    return env | {
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "ALL_PROXY": proxy,
        "SSL_CERT_FILE": str(web.ca_pem),
        **extra,
    }


async def linkwatch_check(
    web: SimWeb, cwd: Path, proxy: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``linkwatch check README.md --no-progress ARGS`` in ``cwd``; ``env`` adds variables."""
    argv = ["check", "README.md", "--no-progress", *args]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkwatch", *argv, cwd=cwd, env=proxied_env(web, proxy, **env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    return subprocess.CompletedProcess(argv, proc.returncode or 0, out.decode(), err.decode())
