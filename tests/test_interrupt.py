"""SIGINT and SIGTERM as GitHub Actions sends them, to `linkwatch check` in its own process.

The simweb runs in this test's loop, so its log shows every request the child made,
with the time the server saw it (``time.monotonic`` is one clock for the machine).
The child checks slow pages while the arXiv title searches run in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from cli_process import links, start, write_config
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.arxiv_api import SimArxiv

LINKS = 120
# a request the child started before the signal may reach the server a little later
IN_FLIGHT_GRACE = 0.5


async def slow_web(simweb) -> SimWeb:
    sc = Scenario()
    sc.host("slow.example", default=b.slow(0.3))
    sc.host("reference.example", default=b.ok())
    sc.host("export.arxiv.org", latency=0.05)
    sc.mount("export.arxiv.org", SimArxiv().handle)
    return await simweb(sc)


async def start_check(web: SimWeb, workdir: Path) -> asyncio.subprocess.Process:
    """A check busy on pages and title searches (each entry is a paper without arXiv id)."""
    write_config(web, workdir, per_host=2, arxiv_interval=0.2)
    base = web.direct_base("slow.example")
    (workdir / "README.md").write_text(
        links(base, (f"{i}.pdf" for i in range(LINKS))), encoding="utf-8"
    )
    proc = await start(workdir, "check", "README.md", "--no-progress", "--fail-after", "1")
    await until(lambda: len(web.requests("slow.example")) >= 6)
    await until(lambda: len(web.requests("export.arxiv.org")) >= 1)  # title searches, OR-ed
    return proc


async def until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def requests_after(web: SimWeb, moment: float) -> list[str]:
    return [f"{r.host}{r.path}" for r in web.log if r.t > moment + IN_FLIGHT_GRACE]


def stored(workdir: Path) -> tuple[list[str], int, str]:
    conn = sqlite3.connect(workdir / "cache" / "linkwatch.db")
    try:
        outcomes = [r[0] for r in conn.execute("SELECT outcome FROM runs ORDER BY id")]
        checks = conn.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        return outcomes, checks, conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_a_signal_stores_reports_and_exits_without_another_request(
    simweb, tmp_path: Path, signum: int, code: int
):
    web = await slow_web(simweb)
    proc = await start_check(web, tmp_path)
    sent = time.monotonic()
    proc.send_signal(signum)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    took = time.monotonic() - sent
    stderr = err.decode()
    assert proc.returncode == code, stderr
    assert took < 3.0, f"exit {took:.1f} s after the signal"
    assert "Traceback" not in stderr and "Aborted" not in stderr
    assert "interrupted" in stderr and signal.Signals(signum).name in stderr
    assert requests_after(web, sent) == []  # pages and title searches alike
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert any("Interrupted" in note for note in report["notes"])
    assert "Interrupted" in (tmp_path / "reports" / "report.md").read_text()
    checked = report["summary"]["links"] - report["summary"]["excluded"]
    assert 0 < checked < LINKS
    outcomes, checks, integrity = stored(tmp_path)
    assert outcomes == ["interrupted"] and integrity == "ok"
    assert checks == checked  # every link the report shows as checked is stored
    assert "reports:" in out.decode()


async def test_a_second_sigint_exits_at_once(simweb, tmp_path: Path):
    """The second SIGINT lands while the first one's shutdown waits for the store (the
    test holds SQLite's write lock to make that wait long): the process ends at once,
    killed by the signal as without linkwatch, and the store stays sound."""
    web = await slow_web(simweb)
    proc = await start_check(web, tmp_path)
    assert proc.stderr is not None
    db = sqlite3.connect(tmp_path / "cache" / "linkwatch.db", isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        line = await asyncio.wait_for(proc.stderr.readline(), 10)
        assert b"SIGINT: stopping" in line
        await asyncio.sleep(0.2)  # the shutdown is now waiting for the write lock
        assert proc.returncode is None
        second = time.monotonic()
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 10)
        took = time.monotonic() - second
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert proc.returncode == -signal.SIGINT  # a shell reports 130
    assert took < 1.0, f"exit {took:.1f} s after the second signal"
    assert requests_after(web, sent) == []
    outcomes, _, integrity = stored(tmp_path)
    assert integrity == "ok"
    assert set(outcomes) <= {"running"}  # killed mid-run: the next run marks it interrupted


async def test_a_stop_ends_the_github_worker_thread_before_its_next_request(simweb):
    """The API threads obey the same flag as the engine (the signal handler sets it)."""
    from linkwatch import interrupt
    from linkwatch.config import Settings
    from linkwatch.enrich.github import GithubEnricher
    from linkwatch.errors import Interrupted
    from linkwatch.simweb.github_api import SimGitHub

    github = SimGitHub()
    names = [f"owner/repo{i}" for i in range(40)]
    for name in names:
        github.add_repo(name)
    sc = Scenario()
    sc.mount("api.github.com", github.handle)
    web = await simweb(sc)
    settings = Settings(github_api_url=web.direct_base("api.github.com"), host_spacing=0.1)
    enricher = GithubEnricher(settings, web.network())
    with interrupt.handling_signals():  # clears the flag again at the end
        lookup = asyncio.create_task(enricher.fetch_async([tuple(n.split("/")) for n in names]))
        await until(lambda: len(web.requests("api.github.com")) >= 3)
        interrupt.request_stop()
        stopped = time.monotonic()
        with pytest.raises(Interrupted):
            await lookup
        await asyncio.sleep(IN_FLIGHT_GRACE + 0.3)
    assert requests_after(web, stopped) == []
    assert len(web.requests("api.github.com")) < len(names)
