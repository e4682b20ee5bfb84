"""The per-host limiter on its own: spacing, in-flight limit, Retry-After, no slot hoarding."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from linkwatch.politeness import Deferred, HostLimiter, parse_retry_after

NOW = datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        (format_datetime(NOW + timedelta(seconds=10), usegmt=True), 10.0),
        (format_datetime(NOW - timedelta(seconds=10), usegmt=True), 0.0),
        ("Wed, 25 Nov 2026 03:01:00 GMT", 60.0),
        ("Wednesday, 25-Nov-26 03:00:30 GMT", 30.0),  # RFC 850, obsolete but allowed
        ("Wed Nov 25 03:00:45 2026", 45.0),  # asctime
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, seconds):
    assert parse_retry_after(header, NOW) == seconds


async def test_starts_on_one_host_are_spaced_and_limited():
    limiter = HostLimiter(per_host=2, spacing=0.05)
    starts: list[float] = []
    in_flight = peak = 0

    async def request() -> None:
        nonlocal in_flight, peak
        async with limiter.slot("a.example") as slot:
            slot.sent()
            starts.append(time.monotonic())
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.12)
            in_flight -= 1

    await asyncio.gather(*(request() for _ in range(8)))
    assert peak == 2
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.05 - 0.002


async def test_spacing_counts_from_when_the_request_was_sent():
    limiter = HostLimiter(per_host=4, spacing=0.05)
    first_sent = asyncio.Event()
    second_at: list[float] = []
    sent_at: list[float] = []

    async def slow_to_send() -> None:
        async with limiter.slot("a.example") as slot:
            await asyncio.sleep(0.2)  # e.g. a slow TLS handshake
            slot.sent()
            sent_at.append(time.monotonic())
            first_sent.set()

    async def next_one() -> None:
        async with limiter.slot("a.example"):
            second_at.append(time.monotonic())

    await asyncio.gather(slow_to_send(), next_one())
    assert first_sent.is_set()
    assert second_at[0] - sent_at[0] >= 0.05 - 0.002


async def test_hosts_do_not_wait_for_each_other_and_waiting_holds_no_global_slot():
    limiter = HostLimiter(per_host=1, spacing=0.0, total=1)
    limiter.penalize("slow.example", 0.5)
    done: dict[str, float] = {}
    started = time.monotonic()

    async def request(host: str) -> None:
        async with limiter.slot(host):
            done[host] = time.monotonic() - started

    await asyncio.gather(request("slow.example"), request("fast.example"))
    assert done["fast.example"] < 0.2 <= 0.45 <= done["slow.example"]


async def test_retry_after_beyond_the_wait_limit_defers_at_once():
    limiter = HostLimiter(per_host=1, spacing=0.0)
    limiter.penalize("busy.example", 30)
    started = time.monotonic()
    with pytest.raises(Deferred) as caught:
        async with limiter.slot("busy.example", max_wait=1.0):
            pass
    assert time.monotonic() - started < 0.1
    assert caught.value.until - time.monotonic() > 25
    async with limiter.slot("other.example", max_wait=1.0):
        pass


async def test_slow_down_adds_spacing_and_recover_removes_it():
    limiter = HostLimiter(per_host=1, spacing=0.0)
    limiter.slow_down("a.example")
    limiter.slow_down("a.example")
    async with limiter.slot("a.example"):
        pass
    started = time.monotonic()
    async with limiter.slot("a.example"):
        pass
    assert time.monotonic() - started >= 0.2 - 0.01  # 0.1 s, doubled
    limiter.recover("a.example")
    limiter.recover("a.example")
    async with limiter.slot("a.example"):
        pass
    started = time.monotonic()
    async with limiter.slot("a.example"):
        pass
    assert time.monotonic() - started < 0.05
