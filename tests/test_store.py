"""The SQLite store on real files: history semantics, TTL cache, bad input, locks, crashes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkwatch.cli import cli
from linkwatch.config import Settings
from linkwatch.models import (
    ErrorCode,
    Link,
    LinkKind,
    LinkResult,
    RedirectKind,
    Target,
    Verdict,
)
from linkwatch.store import (
    SCHEMA_VERSION,
    Store,
    StoreBusy,
    StoreError,
    StoreUnusable,
    scrub_secrets,
)

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def res(url: str, verdict: Verdict, at: datetime = T0, **kw: object) -> LinkResult:
    return LinkResult(url=url, verdict=verdict, checked_at=iso(at), **kw)  # type: ignore[arg-type]


def night(store: Store, results: list[LinkResult], outcome: str = "completed") -> list[LinkResult]:
    """One finished run recording ``results``."""
    with store.run_lock():
        run = store.begin_run(["README.md"], {})
        out = store.record_results(run, results)
        store.finish_run(run, outcome, {})
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_py(code: str, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "cache" / "linkwatch.db") as opened:
        yield opened


# ------------------------------------------------------------------ opening


def test_open_creates_parent_dir_wal_and_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "linkwatch.db"
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "urls", "checks", "occurrences", "metadata", "state"} <= tables


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    with Store.open(path) as store:
        night(store, [res("https://a.example/", Verdict.ALIVE)])
    with Store.open(path) as store:
        assert store.url_state("https://a.example/")["verdict"] == "alive"


# ------------------------------------------------------------------ history semantics


def test_flaky_for_one_night_counts_one_failure_then_resets(store: Store) -> None:
    url = "https://flaky.example/"
    (first,) = night(store, [res(url, Verdict.DEAD, T0, status=503, error=ErrorCode.HTTP)])
    assert (first.consecutive_failures, first.first_failed_at) == (1, iso(T0))
    (second,) = night(store, [res(url, Verdict.ALIVE, T0 + timedelta(days=1), status=200)])
    assert (second.consecutive_failures, second.first_failed_at) == (0, None)
    assert store.url_state(url)["consecutive_failures"] == 0


def test_dead_on_two_runs_keeps_first_failure_of_run_one(store: Store) -> None:
    url = "https://gone.example/"
    night(store, [res(url, Verdict.DEAD, T0, status=404)])
    (second,) = night(store, [res(url, Verdict.DEAD, T0 + timedelta(days=1), status=404)])
    assert second.consecutive_failures == 2
    assert second.first_failed_at == iso(T0)
    state = store.url_state(url)
    assert (state["consecutive_failures"], state["first_failed_at"]) == (2, iso(T0))
    assert [h["consecutive_failures"] for h in store.history(url)] == [1, 2]


@pytest.mark.parametrize("neutral", [Verdict.UNVERIFIABLE, Verdict.EXCLUDED])
def test_unverifiable_and_excluded_leave_failure_counters_alone(
    store: Store, neutral: Verdict
) -> None:
    url = "https://walled.example/"
    night(store, [res(url, Verdict.DEAD, T0)])
    (middle,) = night(store, [res(url, neutral, T0 + timedelta(days=1))])
    assert (middle.consecutive_failures, middle.first_failed_at) == (1, iso(T0))
    (last,) = night(store, [res(url, Verdict.DEAD, T0 + timedelta(days=2))])
    assert (last.consecutive_failures, last.first_failed_at) == (2, iso(T0))


def test_redirect_resets_failures(store: Store) -> None:
    url = "https://moved.example/"
    night(store, [res(url, Verdict.DEAD, T0)])
    (moved,) = night(store, [res(url, Verdict.REDIRECT, T0 + timedelta(days=1))])
    assert (moved.consecutive_failures, moved.first_failed_at) == (0, None)


def test_every_result_field_round_trips(store: Store) -> None:
    original = res(
        "https://r.example/a",
        Verdict.REDIRECT,
        status=301,
        final_url="https://r.example/b",
        redirect_kind=RedirectKind.PERMANENT,
        error=None,
        reason="moved permanently",
        attempts=2,
        duration_ms=321,
        chain=[(301, "https://r.example/b"), (200, "https://r.example/b")],
        etag='"abc"',
        last_modified="Wed, 21 Oct 2015 07:28:00 GMT",
        notes=["archived"],
    )
    night(store, [original, res("https://e.example/", Verdict.DEAD, error=ErrorCode.DNS)])
    latest = store.latest_results()
    assert latest["https://r.example/a"] == original
    assert latest["https://e.example/"].error is ErrorCode.DNS
    assert store.latest_results(["https://e.example/"]).keys() == {"https://e.example/"}


def test_result_without_checked_at_gets_the_current_time(store: Store) -> None:
    (out,) = night(store, [LinkResult("https://now.example/", Verdict.ALIVE)])
    assert out.checked_at.endswith("Z")
    assert store.url_state("https://now.example/")["checked_at"] == out.checked_at


def test_cached_result_is_not_a_new_check_but_gets_history(store: Store) -> None:
    url = "https://gone.example/"
    night(store, [res(url, Verdict.DEAD, T0)])
    reused = res(url, Verdict.DEAD, T0, cached=True)
    (out,) = night(store, [reused])
    assert out.cached and out.consecutive_failures == 1
    assert len(store.history(url)) == 1


def test_kinds_are_stored(store: Store) -> None:
    with store.run_lock():
        run = store.begin_run([], {})
        store.record_results(
            run, [res("https://c.example/", Verdict.ALIVE)], {"https://c.example/": "code"}
        )
    assert store.url_state("https://c.example/")["kind"] == "code"


# ------------------------------------------------------------------ cache / TTL


def test_ttl_per_verdict(store: Store) -> None:
    night(
        store,
        [
            res("https://alive.example/", Verdict.ALIVE, T0),
            res("https://dead.example/", Verdict.DEAD, T0),
            res("https://moved.example/", Verdict.REDIRECT, T0),
            res("https://mail.example/", Verdict.EXCLUDED, T0),
        ],
    )
    urls = [
        "https://alive.example/",
        "https://dead.example/",
        "https://moved.example/",
        "https://mail.example/",
        "https://never.example/",
    ]
    settings = Settings()
    fresh = store.cached_results(urls, T0 + timedelta(hours=23), settings)
    assert fresh.keys() == {"https://alive.example/"}
    assert fresh["https://alive.example/"].cached
    assert store.cached_results(urls, T0 + timedelta(hours=25), settings) == {}
    assert store.cached_results(urls, T0 + timedelta(hours=1), Settings(refresh=True)) == {}
    longer = Settings(ttl_dead=7200.0)
    assert "https://dead.example/" in store.cached_results(urls, T0 + timedelta(hours=1), longer)


def test_cached_results_carry_history(store: Store) -> None:
    url = "https://gone.example/"
    night(store, [res(url, Verdict.DEAD, T0)])
    got = store.cached_results([url], T0 + timedelta(minutes=5), Settings(ttl_dead=3600.0))
    assert (got[url].consecutive_failures, got[url].first_failed_at) == (1, iso(T0))


def test_unverifiable_ttl_doubles_per_consecutive_check_and_is_capped(store: Store) -> None:
    url = "https://walled.example/"
    settings = Settings(ttl_unverifiable=6 * 3600.0)
    at = T0
    night(store, [res(url, Verdict.UNVERIFIABLE, at)])
    assert url in store.cached_results([url], at + timedelta(hours=5), settings)
    assert url not in store.cached_results([url], at + timedelta(hours=7), settings)
    at += timedelta(hours=7)
    night(store, [res(url, Verdict.UNVERIFIABLE, at)])  # streak 2: 12 h
    assert url in store.cached_results([url], at + timedelta(hours=11), settings)
    assert url not in store.cached_results([url], at + timedelta(hours=13), settings)
    for _ in range(10):  # streak 12: 6 h * 2**11 would be 512 days; capped at 7
        at += timedelta(days=8)
        night(store, [res(url, Verdict.UNVERIFIABLE, at)])
    assert url in store.cached_results([url], at + timedelta(days=6), settings)
    assert url not in store.cached_results([url], at + timedelta(days=7, hours=1), settings)
    night(store, [res(url, Verdict.ALIVE, at + timedelta(days=8))])
    assert store.url_state(url)["unverifiable_streak"] == 0


def test_validators_from_alive_results_cleared_by_dead(store: Store) -> None:
    a, b = "https://etag.example/", "https://lm.example/"
    night(
        store,
        [
            res(a, Verdict.ALIVE, etag='"v1"'),
            res(b, Verdict.ALIVE, last_modified="Wed, 21 Oct 2015 07:28:00 GMT"),
            res("https://plain.example/", Verdict.ALIVE),
        ],
    )
    assert store.validators([a, b, "https://plain.example/", "https://x.example/"]) == {
        a: ('"v1"', None),
        b: (None, "Wed, 21 Oct 2015 07:28:00 GMT"),
    }
    night(store, [res(a, Verdict.UNVERIFIABLE, T0 + timedelta(days=1))])
    assert store.validators([a]) == {a: ('"v1"', None)}
    night(store, [res(a, Verdict.DEAD, T0 + timedelta(days=2))])
    assert store.validators([a]) == {}


def test_stalest_first_puts_never_checked_first_then_oldest(store: Store) -> None:
    night(
        store,
        [
            res("https://new.example/", Verdict.ALIVE, T0 + timedelta(days=2)),
            res("https://old.example/", Verdict.ALIVE, T0),
            res("https://mid.example/", Verdict.DEAD, T0 + timedelta(days=1)),
        ],
    )
    order = store.stalest_first(
        [
            "https://new.example/",
            "https://never-b.example/",
            "https://mid.example/",
            "https://old.example/",
            "https://never-a.example/",
        ]
    )
    assert order == [
        "https://never-b.example/",
        "https://never-a.example/",
        "https://old.example/",
        "https://mid.example/",
        "https://new.example/",
    ]


def test_many_urls_are_queried_in_chunks(store: Store) -> None:
    urls = [f"https://bulk.example/{i}" for i in range(1300)]
    night(store, [res(u, Verdict.ALIVE, etag='"e"') for u in urls])
    assert len(store.cached_results(urls, T0 + timedelta(hours=1), Settings())) == 1300
    assert len(store.validators(urls)) == 1300
    assert len(store.stalest_first(urls)) == 1300


# ------------------------------------------------------------------ runs


def test_previous_run_results_skip_interrupted_runs(store: Store) -> None:
    url = "https://x.example/"
    night(store, [res(url, Verdict.ALIVE, T0)])
    night(store, [res(url, Verdict.DEAD, T0 + timedelta(days=1))], outcome="interrupted")
    with store.run_lock():
        run = store.begin_run([], {})
        assert store.previous_run_results(run)[url].verdict is Verdict.ALIVE
        store.record_results(run, [res(url, Verdict.DEAD, T0 + timedelta(days=2))])
        store.finish_run(run, "completed", {"broken": 1})
        later = store.begin_run([], {})
        previous = store.previous_run_results(later)
    assert previous[url].verdict is Verdict.DEAD
    assert previous[url].consecutive_failures == 2  # the interrupted run's check counted


def test_no_previous_run_gives_empty(store: Store) -> None:
    with store.run_lock():
        assert store.previous_run_results(store.begin_run([], {})) == {}


def test_begin_run_needs_the_lock_and_marks_killed_runs_interrupted(store: Store) -> None:
    with pytest.raises(StoreError, match="run lock"):
        store.begin_run([], {})
    with store.run_lock():
        killed = store.begin_run(["README.md"], {})
    with store.run_lock():
        store.begin_run(["README.md"], {})
    outcomes = {r["id"]: r["outcome"] for r in store.runs()}
    assert outcomes[killed] == "interrupted"
    assert store.runs(limit=1)[0]["outcome"] == "running"


def test_finish_run_stores_summary_and_time(store: Store) -> None:
    with store.run_lock():
        run = store.begin_run(["README.md", "src/Datasets.md"], {"fail_after": 2})
        store.finish_run(run, "completed", {"links": 3, "broken": 0})
    (row,) = store.runs()
    assert row["files"] == ["README.md", "src/Datasets.md"]
    assert row["options"] == {"fail_after": 2}
    assert row["summary"] == {"broken": 0, "links": 3}
    assert row["finished_at"] and row["outcome"] == "completed"


def test_run_options_never_hold_the_token(tmp_path: Path) -> None:
    token = "ghp_" + "S3cr3t" * 6
    path = tmp_path / "lw.db"
    with Store.open(path) as store, store.run_lock():
        store.begin_run(["README.md"], {"github_token": token, "nested": {"auth_token": token}})
    assert all(token.encode() not in p.read_bytes() for p in tmp_path.iterdir())
    assert scrub_secrets({"token": True, "a": [{"password": "x"}]}) == {"token": True, "a": [{}]}


def test_discard_run_restores_url_state(store: Store) -> None:
    url = "https://x.example/"
    night(store, [res(url, Verdict.DEAD, T0), res("https://a.example/", Verdict.ALIVE, T0)])
    with store.run_lock():
        run = store.begin_run([], {})
        store.record_results(
            run,
            [
                res(url, Verdict.DEAD, T0 + timedelta(days=1)),
                res("https://new.example/", Verdict.DEAD),
            ],
        )
        store.discard_run(run)
    state = store.url_state(url)
    assert (state["consecutive_failures"], state["checked_at"]) == (1, iso(T0))
    assert store.url_state("https://new.example/") is None
    assert [r["id"] for r in store.runs()] == [1]
    assert store.integrity_check() == "ok"


def test_failures_of_a_killed_run_are_provisional_until_the_next_run(store: Store) -> None:
    """Issue 12: a killed run's failures count only once a later run confirms them; a
    later good answer drops them; a network-down run takes its own with it."""
    dead, back, fresh = "https://dead.example/", "https://back.example/", "https://ok.example/"
    night(store, [res(u, Verdict.ALIVE, T0) for u in (dead, back, fresh)])
    with store.run_lock():  # the killed run: only provisional rows
        killed = store.begin_run([], {})
        store.record_provisional(killed, [res(dead, Verdict.DEAD, T0 + timedelta(hours=1))])
        store.record_provisional(killed, [res(back, Verdict.DEAD, T0 + timedelta(hours=1))])
        store.record_provisional(killed, [res(dead, Verdict.DEAD, T0 + timedelta(hours=2))])
    assert store.provisional_urls() == {dead, back}
    assert {r.consecutive_failures for r in store.latest_results().values()} == {0}
    fresh_cache = store.cached_results([dead, back, fresh], T0 + timedelta(hours=3), Settings())
    assert set(fresh_cache) == {fresh}  # the unconfirmed ones are asked again

    with store.run_lock():
        down = store.begin_run([], {})
        store.record_provisional(down, [res(fresh, Verdict.DEAD, T0 + timedelta(hours=3))])
        store.discard_run(down)  # network down: its evidence goes too
    assert store.provisional_urls() == {dead, back}

    later = T0 + timedelta(days=1)
    night(store, [res(dead, Verdict.DEAD, later), res(back, Verdict.ALIVE, later)])
    assert store.provisional_urls() == set()
    history = store.history(dead)
    assert [(c["run_id"], c["verdict"]) for c in history][1:] == [(killed, "dead"), (3, "dead")]
    assert history[1]["checked_at"] == iso(T0 + timedelta(hours=1))  # the first sighting
    state = store.url_state(dead)
    assert (state["consecutive_failures"], state["first_failed_at"]) == (
        2,
        iso(T0 + timedelta(hours=1)),
    )
    assert store.url_state(back)["consecutive_failures"] == 0
    assert [c["verdict"] for c in store.history(back)] == ["alive", "alive"]


def test_retention_keeps_the_newest_checks_and_verdict_changes(store: Store) -> None:
    """Issue 12 scope 8: pruning at the end of each run keeps per URL the newest
    ``keep_checks`` checks and the newest ``keep_checks`` verdict changes; the failure
    streak and "since the last run" are unaffected."""
    steady, flappy, failing = (
        "https://steady.example/",
        "https://flap.example/",
        "https://f.example/",
    )
    keep = 5
    for n in range(40):
        at = T0 + timedelta(days=n)
        results = [
            res(steady, Verdict.ALIVE, at),
            res(flappy, Verdict.DEAD if n % 2 else Verdict.ALIVE, at),
            res(failing, Verdict.ALIVE if n < 10 else Verdict.DEAD, at),
        ]
        with store.run_lock():
            run = store.begin_run([], {})
            store.record_results(run, results)
            store.finish_run(run, "completed", {}, keep_checks=keep)
    steady_rows = store.history(steady)
    assert len(steady_rows) == keep + 1  # the newest five and the first check ever
    assert steady_rows[0]["checked_at"] == iso(T0)
    assert [r["checked_at"] for r in steady_rows[1:]] == [
        iso(T0 + timedelta(days=n)) for n in range(35, 40)
    ]
    assert len(store.history(flappy)) == keep  # every check a change: the newest five
    failing_rows = store.history(failing)
    assert [r["verdict"] for r in failing_rows] == ["alive", "dead"] + ["dead"] * keep
    assert failing_rows[1]["checked_at"] == iso(T0 + timedelta(days=10))  # the first failure
    state = store.url_state(failing)
    assert (state["consecutive_failures"], state["first_failed_at"]) == (
        30,
        iso(T0 + timedelta(days=10)),
    )
    last = store.runs(limit=1)[0]["id"]
    assert store.previous_run_results(last)[flappy].verdict is Verdict.ALIVE  # night 38
    assert store.integrity_check() == "ok"


def test_record_occurrences(store: Store) -> None:
    link = Link(
        url="https://A.example/x?utm_source=y",
        file="README.md",
        line=12,
        column=5,
        start=100,
        end=130,
        label="code",
        kind=LinkKind.CODE,
        target=Target.WEB,
        section="Papers > 2020",
        entry="Some Paper",
        syntax="inline",
    )
    with store.run_lock():
        run = store.begin_run([], {})
        store.record_occurrences(run, [link], {link.url: "https://a.example/x"})
    (row,) = store.db.query("SELECT * FROM occurrences")
    assert (row["url"], row["raw_url"], row["line"], row["column"]) == (
        "https://a.example/x",
        link.url,
        12,
        5,
    )


# ------------------------------------------------------------------ metadata, state, stats


def test_metadata_round_trip_and_update(store: Store) -> None:
    store.put_metadata("arxiv", {"2010.03045": {"title": "A"}, "1706.03762": {"title": "B"}}, "t1")
    store.put_metadata("arxiv", {"2010.03045": {"title": "A2"}}, "t2")
    got = store.get_metadata("arxiv", ["2010.03045", "1706.03762", "0000.00000"])
    assert got == {"2010.03045": ({"title": "A2"}, "t2"), "1706.03762": ({"title": "B"}, "t1")}
    assert store.get_metadata("github", ["2010.03045"]) == {}


def test_state_round_trip(store: Store) -> None:
    assert store.get_state("published") is None
    store.set_state("published", {"broken": ["https://x.example/"], "issue": 7})
    store.set_state("published", {"broken": [], "issue": 7})
    assert store.get_state("published") == {"broken": [], "issue": 7}


def test_history_and_stats(store: Store) -> None:
    url = "https://gone.example/"
    night(store, [res(url, Verdict.ALIVE, T0), res("https://b.example/", Verdict.ALIVE, T0)])
    night(store, [res(url, Verdict.DEAD, T0 + timedelta(days=1), status=404, reason="404")])
    store.put_metadata("github", {"o/r": {"stars": 1}}, "t")
    rows = store.history(url)
    assert [(r["verdict"], r["run_id"], r["run_outcome"]) for r in rows] == [
        ("alive", 1, "completed"),
        ("dead", 2, "completed"),
    ]
    stats = store.stats()
    assert stats["runs"] == 2 and stats["urls"] == 2 and stats["checks"] == 3
    assert stats["urls_by_verdict"] == {"alive": 1, "dead": 1}
    assert stats["oldest_check"] == iso(T0)
    assert stats["metadata"] == {"github": 1}
    assert stats["db_size_bytes"] > 0
    assert stats["last_run"]["id"] == 2


# ------------------------------------------------------------------ bad input


def test_non_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# not a database\n" * 20)
    before = sha(path)
    with pytest.raises(StoreUnusable, match="not a SQLite database") as exc:
        Store.open(path)
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    assert sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_someone_elses_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE runs (x)")
    conn.commit()
    conn.close()
    before = sha(path)
    with pytest.raises(StoreUnusable, match="not linkwatch's"):
        Store.open(path)
    assert sha(path) == before


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnusable, match="is a directory"):
        Store.open(tmp_path)


def test_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnusable, match="cannot use"):
        Store.open(tmp_path / "file" / "linkwatch.db")


def test_corrupt_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    with Store.open(path) as store:
        night(store, [res(f"https://c.example/{i}", Verdict.ALIVE) for i in range(400)])
    data = bytearray(path.read_bytes())
    assert len(data) > 5 * 4096
    data[2 * 4096 : len(data) - 4096] = os.urandom(len(data) - 3 * 4096)
    path.write_bytes(bytes(data))
    before = sha(path)
    with pytest.raises(StoreUnusable, match=r"corrupt|not a SQLite") as exc:
        Store.open(path)
    assert "\n" not in str(exc.value)
    assert sha(path) == before


def test_readonly_open_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreUnusable, match="no linkwatch database"):
        Store.open(tmp_path / "missing.db", readonly=True)
    assert list(tmp_path.iterdir()) == []


def test_readonly_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    Store.open(path).close()
    with Store.open(path, readonly=True) as store:
        with pytest.raises(StoreUnusable, match="read-only"):
            store.set_state("k", {})
        with pytest.raises(StoreUnusable, match="read-only"), store.run_lock():
            pass


_READONLY_SCRIPT = """
import sys
from pathlib import Path
from linkwatch.store import Store, StoreError
try:
    Store.open(Path(sys.argv[1]))
except StoreError as exc:
    print(type(exc).__name__, exc.exit_code, exc)
"""


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_read_only_location_is_refused(tmp_path: Path) -> None:
    existing = tmp_path / "existing.db"
    Store.open(existing).close()
    locked = tmp_path / "locked"
    locked.mkdir()
    for p in (existing, Path(f"{existing}-wal"), Path(f"{existing}-shm")):
        if p.exists():
            p.chmod(0o444)
    locked.chmod(0o555)
    before = sha(existing)
    try:
        for target, words in ((existing, "read-only"), (locked / "new.db", "cannot open")):
            proc = run_py(_READONLY_SCRIPT, str(target))
            assert proc.stdout.startswith("StoreUnusable"), proc.stdout + proc.stderr
            assert words in proc.stdout and proc.stdout.count("\n") == 1
        assert sha(existing) == before
        assert not (locked / "new.db").exists()
    finally:
        locked.chmod(0o755)


_FULL_DISK_SCRIPT = """
import resource, signal, sys
from pathlib import Path
from linkwatch.models import LinkResult, Verdict
from linkwatch.store import Store, StoreError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    with Store.open(Path(sys.argv[1])) as store, store.run_lock():
        run = store.begin_run(["README.md"], {})
        for batch in range(1000):
            store.record_results(run, [
                LinkResult(f"https://full.example/{batch}/{i}", Verdict.ALIVE, reason="x" * 2000)
                for i in range(50)
            ])
    print("no error")
except StoreError as exc:
    print(type(exc).__name__, exc.exit_code, exc)
"""


def test_full_disk_is_a_clear_error_and_keeps_earlier_data(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    with Store.open(path) as store:
        night(store, [res(f"https://keep.example/{i}", Verdict.DEAD) for i in range(100)])
        kept = store.history("https://keep.example/7")
    limit = max(p.stat().st_size for p in tmp_path.iterdir()) + 300_000
    proc = run_py(_FULL_DISK_SCRIPT, str(path), str(limit))
    assert proc.stdout.startswith("StoreUnusable 3"), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    with Store.open(path) as store:
        assert store.integrity_check() == "ok"
        assert store.history("https://keep.example/7") == kept
        night(store, [res("https://after.example/", Verdict.ALIVE)])
    fresh = tmp_path / "fresh" / "lw.db"
    proc = run_py(_FULL_DISK_SCRIPT, str(fresh), "2000")
    assert proc.stdout.startswith("StoreUnusable 3"), proc.stdout + proc.stderr


# ------------------------------------------------------------------ one run at a time

_HOLDER_SCRIPT = """
import sys, time
from pathlib import Path
from linkwatch.store import Store
with Store.open(Path(sys.argv[1])) as store, store.run_lock():
    store.begin_run(["README.md"], {})
    print("locked", flush=True)
    time.sleep(120)
"""


def test_second_run_is_busy_until_the_holder_dies(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "linkwatch.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER_SCRIPT), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with Store.open(path) as store:
            runs_before = len(store.runs())
            busy = f"another linkwatch run holds {path}"
            with pytest.raises(StoreBusy, match=re.escape(busy)) as exc, store.run_lock():
                pass
            assert exc.value.exit_code == 3
            assert len(store.runs()) == runs_before
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
            with store.run_lock():  # the OS released the dead holder's lock
                run = store.begin_run([], {})
                store.finish_run(run, "completed", {})
            assert [r["outcome"] for r in store.runs()] == ["completed", "interrupted"]
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_two_stores_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    with (
        Store.open(path) as first,
        Store.open(path) as second,
        first.run_lock(),
        pytest.raises(StoreBusy),
        second.run_lock(),
    ):
        pass
    with Store.open(path) as again, again.run_lock():
        pass


# ------------------------------------------------------------------ crash safety

_WRITER_SCRIPT = """
import random, sys
from pathlib import Path
from linkwatch.models import LinkResult, Verdict
from linkwatch.store import Store
path, batch = Path(sys.argv[1]), int(sys.argv[2])
verdicts = list(Verdict)
with Store.open(path) as store, store.run_lock():
    run = store.begin_run(["README.md"], {"batch": batch})
    print(run, flush=True)
    i = 0
    while True:
        results = [
            LinkResult(f"https://h{j % 7}.example/{(i * batch + j) % 300}", random.choice(verdicts),
                       status=200, reason="r" * 40, chain=[(301, "https://x.example/")])
            for j in range(batch)
        ]
        store.record_results(run, results)
        store.put_metadata("arxiv", {f"{run}-{i}": {"i": i}}, "t")
        i += 1
"""


def _snapshot(path: Path) -> dict[int, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {row[0]: row for row in conn.execute("SELECT * FROM checks")}
    finally:
        conn.close()


def test_sigkill_at_random_moments_leaves_a_valid_db(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    batch = 25
    rng = random.Random(5)
    earlier: dict[int, tuple] = {}
    for _ in range(12):
        writer = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_WRITER_SCRIPT), str(path), str(batch)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        killed_run = int(writer.stdout.readline())
        try:
            writer.wait(timeout=rng.uniform(0.0, 0.4))
        except subprocess.TimeoutExpired:
            writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.returncode == -signal.SIGKILL

        with Store.open(path) as store:
            assert store.integrity_check() == "ok"
            now = _snapshot(path)
            assert all(now.get(i) == row for i, row in earlier.items())
            per_run: dict[int, int] = {}
            for row in now.values():
                per_run[row[1]] = per_run.get(row[1], 0) + 1
            assert per_run.get(killed_run, 0) % batch == 0  # batches are all or nothing
            inconsistent = list(
                store.db.query(
                    "SELECT u.url FROM urls u JOIN checks c ON c.id = u.last_check_id "
                    "WHERE c.id != (SELECT MAX(id) FROM checks d WHERE d.url = u.url) "
                    "OR c.consecutive_failures != u.consecutive_failures"
                )
            )
            assert inconsistent == []
            with store.run_lock():  # a follow-up run works
                run = store.begin_run(["README.md"], {})
                store.record_results(run, [LinkResult("https://after.example/", Verdict.ALIVE)])
                store.finish_run(run, "completed", {})
            outcomes = {r["id"]: r["outcome"] for r in store.runs(limit=1000)}
            assert outcomes[killed_run] == "interrupted"
        earlier = _snapshot(path)


# ------------------------------------------------------------------ CLI: history, stats


def test_cli_history_and_stats(tmp_path: Path) -> None:
    path = tmp_path / "lw.db"
    url = "https://gone.example/"
    with Store.open(path) as store:
        night(store, [res(url, Verdict.DEAD, T0, status=404, reason="404 Not Found")])
        night(store, [res(url, Verdict.DEAD, T0 + timedelta(days=1), status=404)])
    runner = CliRunner()
    out = runner.invoke(cli, ["history", url, "--db", str(path)], obj={})
    assert out.exit_code == 0, out.output
    assert "404 Not Found" in out.output and f"since {iso(T0)}" in out.output
    out = runner.invoke(cli, ["history", url, "--db", str(path), "--format", "json"], obj={})
    data = json.loads(out.output)
    assert data["state"]["consecutive_failures"] == 2 and len(data["checks"]) == 2
    out = runner.invoke(cli, ["stats", "--db", str(path)], obj={})
    assert out.exit_code == 0 and "urls: 1 (dead 1)" in out.output
    out = runner.invoke(cli, ["stats", "--db", str(path), "--format", "json"], obj={})
    assert json.loads(out.output)["runs"] == 2


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["stats", "--db", str(tmp_path / "missing.db")], obj={})
    assert out.exit_code == 2 and "no linkwatch database" in out.output
    assert not (tmp_path / "missing.db").exists()
    (tmp_path / "notes.txt").write_text("hello")
    out = runner.invoke(cli, ["history", "https://x/", "--db", str(tmp_path / "notes.txt")], obj={})
    assert out.exit_code == 2 and "not a SQLite database" in out.output
    assert "Traceback" not in out.output


def test_cli_history_of_an_unknown_url(tmp_path: Path) -> None:
    pytest.importorskip("linkwatch.urls")
    path = tmp_path / "lw.db"
    Store.open(path).close()
    out = CliRunner().invoke(cli, ["history", "https://never.example/", "--db", str(path)], obj={})
    assert out.exit_code == 2 and "no checks of https://never.example/" in out.output


# ------------------------------------------------------------------ docs


def test_docs_describe_every_table_column_and_index(tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "store.md").read_text()
    documented: dict[str, set[str]] = {}
    table = None
    for line in docs.splitlines():
        heading = re.match(r"### `(\w+)`", line)
        if heading:
            table = heading.group(1)
            documented[table] = set()
        elif line.startswith("### "):
            table = None
        elif table and (cell := re.match(r"\| `(\w+)` \|", line)):
            documented[table].add(cell.group(1))
    indexes = set(re.findall(r"^\| `(\w+)` on ", docs, re.M))
    path = tmp_path / "lw.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    actual = {
        name: {c[1] for c in conn.execute(f"PRAGMA table_info('{name}')")}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not re.search(r"_fts_(data|idx|docsize|config)$", name)  # FTS5's own shadow tables
    }
    actual_indexes = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    }
    conn.close()
    assert documented == actual
    assert indexes == actual_indexes


# ------------------------------------------------------------------ the check command's view

PIPELINE_OPTS = {"no_progress": True, "quiet": True, "fmt": "text"}


def _pipeline_settings(tmp_path: Path, db: Path) -> Settings:
    return Settings(
        db=db,
        out=tmp_path / "reports",
        allow_private=True,
        enrich=False,
        host_spacing=0.0,
        reference_hosts=["http://site.example/"],
    )


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {n: conn.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}
        counts["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        return counts
    finally:
        conn.close()


async def test_check_during_another_run_exits_3_and_writes_nothing(
    simweb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from linkwatch.cli import run_pipeline
    from linkwatch.simweb import Scenario
    from linkwatch.simweb import behaviours as b

    scenario = Scenario()
    scenario.host("site.example", default=b.ok(title="site"))
    web = await simweb(scenario)
    listing = tmp_path / "README.md"
    listing.write_text("- A [[paper](http://site.example/a)] [[code](http://site.example/b)]\n")
    db = tmp_path / "cache" / "linkwatch.db"
    settings = _pipeline_settings(tmp_path, db)
    assert (
        await asyncio.to_thread(run_pipeline, [listing], settings, web.network(), PIPELINE_OPTS)
        == 0
    )
    before, requests = _counts(db), len(web.log)
    with Store.open(db) as holder, holder.run_lock():
        with pytest.raises(SystemExit) as exc:
            await asyncio.to_thread(run_pipeline, [listing], settings, web.network(), PIPELINE_OPTS)
        assert exc.value.code == 3
        assert f"another linkwatch run holds {db}" in capsys.readouterr().err
    assert _counts(db) == before
    assert len(web.log) == requests


async def test_check_with_db_at_a_text_file_exits_2_untouched(
    simweb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from linkwatch.cli import run_pipeline
    from linkwatch.simweb import Scenario

    web = await simweb(Scenario())
    listing = tmp_path / "README.md"
    listing.write_text("# Empty list\n")
    settings = _pipeline_settings(tmp_path, listing)
    with pytest.raises(SystemExit) as exc:
        await asyncio.to_thread(run_pipeline, [listing], settings, web.network(), PIPELINE_OPTS)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "not a SQLite database" in err and err.strip().count("\n") == 0
    assert listing.read_text() == "# Empty list\n"


def test_occurrences_are_kept_for_the_newest_runs_only(tmp_path: Path):
    from linkwatch.extract import extract_text
    from linkwatch.store import OCCURRENCE_RUNS_KEPT

    doc = extract_text(b"- A [[x](https://a.example/)]\n", "list.md")
    with Store.open(tmp_path / "db.sqlite") as store, store.run_lock():
        for _ in range(OCCURRENCE_RUNS_KEPT + 3):
            run_id = store.begin_run(["list.md"], {})
            store.record_occurrences(run_id, list(doc.links))
            store.finish_run(run_id, "completed", {})
        kept = store.db.execute("SELECT COUNT(DISTINCT run_id), MIN(run_id) FROM occurrences")
        assert kept.fetchone() == (OCCURRENCE_RUNS_KEPT, 4)
