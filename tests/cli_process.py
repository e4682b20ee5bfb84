"""`linkwatch check` as its own process against a simweb running in the test's loop.

The child has no simweb resolver: every link and API base in its list and config is a
simweb *direct base* (``http://127.0.0.1:PORT``, one port per virtual host), so it
reaches the simulated web over real sockets and nothing else. Lists built here must
only hold such URLs (no github.com or arxiv.org links, whose fallback page checks
would resolve real names).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from linkwatch.simweb import SimWeb

CONFIG = """\
allow_private = true
host_spacing = 0
per_host = {per_host}
retry_backoff = 0.01
max_retries = 0
timeout = 10
reference_hosts = ["{reference}/"]
arxiv_api_url = "{arxiv}/api/query"
arxiv_interval = {arxiv_interval}
github_api_url = "{github}"
wayback_api_url = "{wayback}/wayback/available"
enrich = {enrich}
"""


def write_config(
    web: SimWeb,
    workdir: Path,
    *,
    per_host: int = 2,
    arxiv_interval: float = 0.3,
    enrich: bool = True,
    extra: str = "",
) -> None:
    """linkwatch.toml in ``workdir`` pointing every API at the simweb's direct bases."""
    text = CONFIG.format(
        per_host=per_host,
        reference=web.direct_base("reference.example"),
        arxiv=web.direct_base("export.arxiv.org"),
        arxiv_interval=arxiv_interval,
        github=web.direct_base("api.github.com"),
        wayback=web.direct_base("archive.org"),
        enrich="true" if enrich else "false",
    )
    (workdir / "linkwatch.toml").write_text(text + extra, encoding="utf-8")


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LINKWATCH_")
        and k not in ("GITHUB_TOKEN", "GITHUB_STEP_SUMMARY")
        and not k.lower().endswith("_proxy")  # the simweb is reached directly
    }
    env.update(extra)
    return env


async def start(
    workdir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> asyncio.subprocess.Process:
    """``python -m linkwatch ARGS`` in ``workdir``, stdout and stderr piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkwatch", *args,
        cwd=workdir, env=env or child_env(), preexec_fn=preexec_fn,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def run(
    workdir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], None] | None = None,
) -> tuple[int, str, str]:
    """Run to the end: (exit code, stdout, stderr)."""
    proc = await start(workdir, *args, env=env, preexec_fn=preexec_fn)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def links(base: str, paths: Iterable[str], label: str = "paper") -> str:
    """One list entry per path, each a ``[[label](base/path)]`` link."""
    return "".join(f"- Entry {p} [[{label}]({base}/{p})]\n" for p in paths)
