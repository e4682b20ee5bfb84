"""Wayback snapshots for dead links: the client against the simulated availability API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from linkwatch.config import Settings
from linkwatch.enrich.wayback import (
    Snapshot,
    find_snapshots,
    lookup_snapshots,
    parse_availability,
    stored_snapshots,
    wayback_timestamp,
)
from linkwatch.models import LinkResult, Verdict
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb.wayback import SimWayback, capture_key
from linkwatch.store import Store

DEAD = "https://example.org/papers/gone.html"
NEVER = "https://example.org/never-archived"
LATE = "https://example.org/archived-too-late"


def _archive() -> SimWayback:
    return (
        SimWayback()
        .add(DEAD, "20190301120000")
        .add(DEAD, "20210615080000")
        .add("http://www.example.org/papers/gone.html", "20250101000000", status="404")
        .add(LATE, "20261201000000")
    )


def _dead(url: str, first_failed_at: str | None) -> LinkResult:
    return LinkResult(
        url=url,
        verdict=Verdict.DEAD,
        status=404,
        checked_at="2026-11-25T03:00:00Z",
        first_failed_at=first_failed_at,
        consecutive_failures=2,
    )


def test_timestamp_from_iso():
    assert wayback_timestamp("2026-11-25T03:04:05Z") == "20261125030405"
    assert wayback_timestamp("2026-11-25") == "20261125000000"
    assert wayback_timestamp(None) is None
    assert wayback_timestamp("yesterday") is None


def test_parse_rejects_unusable_answers():
    capture = {
        "status": "200",
        "available": True,
        "url": "http://web.archive.org/web/20200101000000/http://a.example/",
        "timestamp": "20200101000000",
    }
    ok = parse_availability({"archived_snapshots": {"closest": capture}}, "20210101000000")
    assert ok == Snapshot(
        "https://web.archive.org/web/20200101000000/http://a.example/", "20200101000000", "200"
    )
    assert (
        parse_availability({"archived_snapshots": {"closest": capture}}, "20190101000000") is None
    )
    error_page = {**capture, "status": "404"}
    assert parse_availability({"archived_snapshots": {"closest": error_page}}, None) is None
    assert parse_availability({"archived_snapshots": {}}, None) is None
    assert parse_availability(["not", "a", "dict"], None) is None


def test_capture_key_ignores_scheme_www_and_final_slash():
    assert capture_key("https://www.Example.org/a/") == capture_key("http://example.org/a")


async def test_snapshot_from_before_the_first_failure():
    scenario = _archive().mount(Scenario())
    async with SimWeb(scenario) as sim:
        got = await lookup_snapshots(
            {
                DEAD: "2021-07-01T00:00:00Z",
                NEVER: "2026-11-01T00:00:00Z",
                LATE: "2026-11-01T00:00:00Z",
            },
            Settings(),
            sim.network(),
        )
        asked = sim.requests(host="archive.org", path="/wayback/available")
    assert got[DEAD] is not None
    assert got[DEAD].url == f"https://web.archive.org/web/20210615080000/{DEAD}"
    assert got[NEVER] is None  # nothing captured
    assert got[LATE] is None  # only a capture after it broke: that would show the error page
    assert {"20210701000000"} <= {r.query.split("timestamp=")[1] for r in asked}


async def test_accepts_a_session_the_caller_owns():
    scenario = _archive().mount(Scenario())
    async with SimWeb(scenario) as sim:
        network = sim.network()
        async with aiohttp.ClientSession(connector=network.connector(limit=4)) as session:
            got = await lookup_snapshots({DEAD: "2020-01-01T00:00:00Z"}, Settings(), session)
    assert got[DEAD] is not None and "/web/20190301120000/" in got[DEAD].url


async def test_failed_lookups_are_left_out_not_cached_as_missing(tmp_path: Path):
    scenario = SimWayback(unavailable=True).mount(Scenario())
    async with SimWeb(scenario) as sim:
        with Store.open(tmp_path / "lw.db") as store:
            got = await find_snapshots(
                [_dead(DEAD, "2021-07-01T00:00:00Z")], Settings(), sim.network(), store=store
            )
            assert got == {}
            assert store.get_metadata("wayback", [DEAD]) == {}


async def test_store_caches_answers_and_fix_reads_them_offline(tmp_path: Path):
    scenario = _archive().mount(Scenario())
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    dead = [_dead(DEAD, "2021-07-01T00:00:00Z"), _dead(NEVER, "2026-11-20T00:00:00Z")]
    async with SimWeb(scenario) as sim:
        with Store.open(tmp_path / "lw.db") as store:
            first = await find_snapshots(dead, Settings(), sim.network(), store=store, now=now)
            calls = len(sim.requests(host="archive.org"))
            again = await find_snapshots(dead, Settings(), sim.network(), store=store, now=now)
            assert len(sim.requests(host="archive.org")) == calls  # both answers cached
            assert stored_snapshots(store, [DEAD, NEVER]) == first
    assert first == again == {DEAD: f"https://web.archive.org/web/20210615080000/{DEAD}"}


async def test_no_snapshot_is_asked_again_after_a_week(tmp_path: Path):
    scenario = _archive().mount(Scenario())
    dead = [_dead(NEVER, "2026-11-20T00:00:00Z")]
    async with SimWeb(scenario) as sim:
        with Store.open(tmp_path / "lw.db") as store:
            early = datetime(2026, 11, 1, tzinfo=UTC)
            await find_snapshots(dead, Settings(), sim.network(), store=store, now=early)
            calls = len(sim.requests(host="archive.org"))
            later = datetime(2026, 11, 25, tzinfo=UTC)
            await find_snapshots(dead, Settings(), sim.network(), store=store, now=later)
            assert len(sim.requests(host="archive.org")) == calls + 1


async def test_suggested_capture_is_served():
    scenario = _archive().mount(Scenario())
    async with SimWeb(scenario) as sim:
        network = sim.network()
        async with aiohttp.ClientSession(connector=network.connector(limit=2)) as session:
            good = f"https://web.archive.org/web/20210615080000/{DEAD}"
            async with session.get(good) as response:
                assert response.status == 200
            async with session.get(f"https://web.archive.org/web/20000101000000/{DEAD}") as r:
                assert r.status == 404


@pytest.mark.parametrize("timestamp", [None, "2019"])
def test_closest_capture(timestamp: str | None):
    archive = _archive()
    capture = archive.closest(DEAD, timestamp)
    assert capture is not None
    expected = "20250101000000" if timestamp is None else "20190301120000"
    assert capture.timestamp == expected


async def test_a_link_failing_for_the_first_time_is_not_looked_up(tmp_path: Path):
    scenario = _archive().mount(Scenario())
    once = replace(_dead(DEAD, "2021-07-01T00:00:00Z"), consecutive_failures=1)
    async with SimWeb(scenario) as sim:
        got = await find_snapshots([once], Settings(fail_after=2), sim.network())
        assert got == {}
        assert sim.requests(host="archive.org") == []
        got = await find_snapshots([once], Settings(fail_after=1), sim.network())
    assert DEAD in got
