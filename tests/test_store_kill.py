"""Issues 5 and 12: a `linkwatch check` run on a 2,000-link list, SIGKILLed at random
moments, never damages the store; the next run continues.

The child process runs the CLI's own ``run_pipeline`` (what ``linkwatch check`` calls)
with the network swapped for simweb, so every request stays on 127.0.0.1. Every run
checks the whole list (``refresh``) and is killed at a random moment after it started
writing, so kills land between, inside and after batches.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from linkwatch.store import Store

CHILD = """
import asyncio, sys, threading
from pathlib import Path
from linkwatch.cli import run_pipeline
from linkwatch.config import Settings
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b

work, hosts = Path(sys.argv[1]), 50
sc = Scenario()
for h in range(hosts):
    sc.host(f"site{h}.example", default=b.ok(title=f"site {h}"))
    sc.route(f"http://site{h}.example/gone", b.not_found())
sc.host("reference.example", default=b.ok(title="reference"))
lines = ["# Synthetic list", "", "## Links", ""]
for i in range(2000):
    path = "gone" if i % 97 == 0 else f"page/{i}"
    lines.append(f"- Entry {i} [[paper](http://site{i % hosts}.example/{path})]")
listing = work / "README.md"
listing.write_text("\\n".join(lines) + "\\n", encoding="utf-8")
settings = Settings(
    db=work / "cache" / "linkwatch.db", out=work / "reports", allow_private=True,
    enrich=False, refresh=True, host_spacing=0.0, timeout=10.0, retry_backoff=0.01,
    reference_hosts=["http://reference.example/"],
)
loop = asyncio.new_event_loop()
threading.Thread(target=loop.run_forever, daemon=True).start()
web = SimWeb(sc)
asyncio.run_coroutine_threadsafe(web.start(), loop).result(timeout=30)
print("ready", flush=True)
opts = {"no_progress": True, "quiet": True, "fmt": "text"}
sys.exit(run_pipeline([listing], settings, web.network(), opts))
"""

KILLS = 20
LANES = 2  # two lists, each with its own store, killed side by side to halve the wall time


def _start(work: Path) -> subprocess.Popen[str]:
    with (work / "stderr.txt").open("w") as err:  # a file: a full pipe would block the child
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CHILD), str(work)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", (work / "stderr.txt").read_text()
    return proc


def _last_run(db: Path) -> int:
    """Newest run id, read without creating the file; 0 when there is none yet."""
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT MAX(id) FROM runs").fetchone()[0] or 0)
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _wait_for_writes(db: Path, proc: subprocess.Popen[str], after: int) -> None:
    """Until the child's run row exists (it is created with the first stored batch)."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and _last_run(db) <= after and time.monotonic() < deadline:
        time.sleep(0.05)


def _rows(path: Path) -> tuple[dict[int, tuple], dict[int, tuple]]:
    """Every check row, and the parts of run rows that never change after they are written."""
    conn = sqlite3.connect(path)
    try:
        checks = {row[0]: row for row in conn.execute("SELECT * FROM checks")}
        runs = {
            row[0]: row
            for row in conn.execute("SELECT id, started_at, files, options, pid FROM runs")
        }
        return checks, runs
    finally:
        conn.close()


def _kill_repeatedly(work: Path, kills: int, seed: int) -> dict[int, tuple]:
    """Kill ``kills`` runs in ``work``; after each, the store is valid, unlocked and every
    row written before is unchanged. Returns the check rows at the end."""
    db = work / "cache" / "linkwatch.db"
    rng = random.Random(seed)
    earlier_checks: dict[int, tuple] = {}
    earlier_runs: dict[int, tuple] = {}
    done = 0
    for _ in range(kills + 5):
        if done == kills:
            break
        proc = _start(work)
        _wait_for_writes(db, proc, _last_run(db))
        try:
            proc.wait(timeout=rng.uniform(0.0, 2.0))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        done += proc.returncode == -signal.SIGKILL
        assert proc.returncode in (0, 1, -signal.SIGKILL), (work / "stderr.txt").read_text()
        with Store.open(db) as store:
            assert store.integrity_check() == "ok"
            with store.run_lock():  # the killed run's lock is gone
                pass
        checks, runs = _rows(db)
        assert all(checks.get(i) == row for i, row in earlier_checks.items())
        assert all(runs.get(i) == row for i, row in earlier_runs.items())
        earlier_checks, earlier_runs = checks, runs
    assert done == kills
    return earlier_checks


def _follow_up(work: Path, earlier_checks: dict[int, tuple]) -> None:
    proc = _start(work)
    assert proc.wait(timeout=300) in (0, 1), (work / "stderr.txt").read_text()
    report = json.loads((work / "reports" / "report.json").read_text())
    assert report["summary"]["links"] == 2000
    db = work / "cache" / "linkwatch.db"
    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        last = store.runs(limit=1)[0]
        assert last["outcome"] == "completed" and last["finished_at"]
        assert all(r["outcome"] != "running" for r in store.runs(limit=100))
    checks, _ = _rows(db)
    assert all(checks.get(i) == row for i, row in earlier_checks.items())


def test_check_killed_twenty_times_leaves_a_valid_store_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    lanes = [tmp_path / f"lane{i}" for i in range(LANES)]
    for work in lanes:
        work.mkdir()
    with ThreadPoolExecutor(LANES) as pool:
        kept = list(
            pool.map(_kill_repeatedly, lanes, [KILLS // LANES] * LANES, range(2026, 2026 + LANES))
        )
        list(pool.map(_follow_up, lanes, kept))


# ------------------------------------------------------- issue 12: a killed run resumes

RESUME_CHILD = """
import asyncio, sys, threading, time
from pathlib import Path
from linkwatch.cli import run_pipeline
from linkwatch.config import Settings
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b

work, kill_at, hosts, total = Path(sys.argv[1]), int(sys.argv[2]), 12, 780
sc = Scenario()
for h in range(hosts):
    sc.host(f"site{h}.example", default=b.slow(0.06, b.ok(title=f"site {h}")))
    sc.route(f"https://site{h}.example/gone", b.slow(0.06, b.not_found()))
sc.host("reference.example", default=b.ok(title="reference"))
lines = ["# Synthetic list", "", "## Links", ""]
for i in range(total):
    path = "gone" if i % 61 == 0 else f"page/{i}"
    lines.append(f"- Entry {i} [[paper](https://site{i % hosts}.example/{path})]")
listing = work / "README.md"
listing.write_text("\\n".join(lines) + "\\n", encoding="utf-8")
settings = Settings(
    db=work / "cache" / "linkwatch.db", out=work / "reports", allow_private=True,
    enrich=False, host_spacing=0.0, per_host=1, timeout=10.0, retry_backoff=0.01,
    reference_hosts=["http://reference.example/"],
)
loop = asyncio.new_event_loop()
threading.Thread(target=loop.run_forever, daemon=True).start()
web = SimWeb(sc)
asyncio.run_coroutine_threadsafe(web.start(), loop).result(timeout=30)


def asked():
    return [r for r in web.log if not r.host.startswith("reference")]


def halfway():  # tells the parent when this run has made ``kill_at`` requests
    while len(asked()) < kill_at:
        time.sleep(0.005)
    print("halfway", flush=True)


if kill_at:
    threading.Thread(target=halfway, daemon=True).start()
print("ready", flush=True)
opts = {"no_progress": True, "quiet": True, "fmt": "text"}
code = run_pipeline([listing], settings, web.network(), opts)
print(f"requests {len(asked())}", flush=True)
sys.exit(code)
"""


def _resume_run(work: Path, kill_at: int = 0) -> int:
    """One run of the 780-link list in ``work``: the requests it made, or killed once it
    has made ``kill_at`` requests (0 then)."""
    with (work / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(RESUME_CHILD), str(work), str(kill_at)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", (work / "stderr.txt").read_text()
    if kill_at:
        assert proc.stdout.readline().strip() == "halfway", (work / "stderr.txt").read_text()
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        return 0
    line = proc.stdout.readline().split()
    assert proc.wait(timeout=120) in (0, 1), (work / "stderr.txt").read_text()
    return int(line[1])


def test_a_run_killed_halfway_is_resumed_by_the_next_one(tmp_path: Path) -> None:
    """Issue 12 scope 4: the next run after a SIGKILL halfway makes at most 60 % of the
    requests of a cold run; the failures seen before the kill were kept as provisional
    evidence (no failure counted), then confirmed by the next run."""
    cold, killed = tmp_path / "cold", tmp_path / "killed"
    cold.mkdir()
    killed.mkdir()
    cold_requests = _resume_run(cold)
    assert cold_requests >= 780

    _resume_run(killed, kill_at=cold_requests // 2)
    db = killed / "cache" / "linkwatch.db"
    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        seen_failing = store.provisional_urls()
        assert seen_failing  # the kill came after some /gone links were answered
        assert all(
            r.consecutive_failures == 0 for r in store.latest_results().values()
        )  # provisional only: nothing counted, nothing broken

    resumed_requests = _resume_run(killed)
    assert resumed_requests <= 0.6 * cold_requests, (resumed_requests, cold_requests)
    with Store.open(db) as store:
        assert store.provisional_urls() == set()
        latest = store.latest_results()
        for url in seen_failing:  # the killed run's failure, then the confirming one
            assert latest[url].consecutive_failures == 2
            assert [c["verdict"] for c in store.history(url)] == ["dead", "dead"]
        gone = {u for u, r in latest.items() if "/gone" in u}
        assert {latest[u].consecutive_failures for u in gone - seen_failing} <= {1}
