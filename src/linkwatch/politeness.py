"""Per-host politeness: requests in flight, spacing between starts, Retry-After, slow-down.

Awesome lists link the same few hosts hundreds of times (github.com, arxiv.org);
hammering them gets the checker throttled and the links misreported. Each host
gets a FIFO gate: one waiter at a time checks the host's spacing, its in-flight
count and any Retry-After block, then takes a global slot and starts. A waiting
request therefore holds neither a global nor a per-host slot, and a slow or
blocked host never stalls the others.

Spacing is measured between the moments requests are actually sent (the engine
calls ``Slot.sent()`` when the request head is written), not when slots are
granted, so a slow TLS handshake on one connection cannot bunch two requests up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_EXTRA_SPACING = 10.0  # seconds added to a host's spacing at most by adaptive slow-down


class Deferred(Exception):
    """The host is blocked longer than the caller will wait; retry at ``until`` (monotonic)."""

    def __init__(self, host: str, until: float) -> None:
        super().__init__(f"{host} blocked for {until - time.monotonic():.0f} s")
        self.host = host
        self.until = until


class Slot:
    """One granted request on a host; ``sent()`` starts the spacing clock."""

    __slots__ = ("_limiter", "_sent", "_state")

    def __init__(self, limiter: HostLimiter, state: _Host) -> None:
        self._limiter = limiter
        self._state = state
        self._sent = False

    def sent(self) -> None:
        if not self._sent:
            self._sent = True
            state = self._state
            state.unsent -= 1
            state.next_start = time.monotonic() + state.spacing + state.extra
            state.freed.set()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class _Host:
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    freed: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    unsent: int = 0  # slots granted whose request is not on the wire yet
    next_start: float = 0.0
    blocked_until: float = 0.0
    extra: float = 0.0  # adaptive addition to the spacing after 429/503
    per_host: int = 1
    spacing: float = 0.0


class HostLimiter:
    """``per_host`` requests in flight and ``spacing`` seconds between starts, per host.

    ``total`` (optional) is the global limit over all hosts; it is taken only once
    the host is ready, so it is never held while waiting for a host.
    """

    def __init__(
        self,
        per_host: int,
        spacing: float,
        total: int | None = None,
        limits: Callable[[str], tuple[int | None, float | None]] | None = None,
    ) -> None:
        self.per_host = max(1, per_host)
        self.spacing = max(0.0, spacing)
        self._global = asyncio.Semaphore(total) if total else None
        self._hosts: dict[str, _Host] = {}
        self._limits = limits  # a host's own (per_host, spacing), None for the default

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            per_host, spacing = self._limits(host) if self._limits else (None, None)
            state = self._hosts[host] = _Host(
                per_host=max(1, per_host) if per_host is not None else self.per_host,
                spacing=max(0.0, spacing) if spacing is not None else self.spacing,
            )
        return state

    @asynccontextmanager
    async def slot(self, host: str, max_wait: float | None = None) -> AsyncIterator[Slot]:
        """Hold one request slot on ``host``; raises ``Deferred`` if blocked beyond ``max_wait``.

        Call ``sent()`` on the slot when the request goes out; leaving the block counts
        as sent otherwise. The next request on the host waits for that moment + spacing.
        """
        state = self._host(host)
        async with state.gate:
            while True:
                now = time.monotonic()
                if max_wait is not None and state.blocked_until - now > max_wait:
                    raise Deferred(host, state.blocked_until)
                wait = max(state.blocked_until, state.next_start) - now
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                if state.in_flight >= state.per_host or state.unsent:
                    state.freed.clear()
                    await state.freed.wait()
                    continue
                if self._global is not None:
                    await self._global.acquire()
                    if state.blocked_until > time.monotonic():  # penalised while we waited
                        self._global.release()
                        continue
                break
            state.in_flight += 1
            state.unsent += 1
            slot = Slot(self, state)
        try:
            yield slot
        finally:
            slot.sent()
            state.in_flight -= 1
            state.freed.set()
            if self._global is not None:
                self._global.release()

    def penalize(self, host: str, seconds: float) -> None:
        """No request starts on ``host`` for ``seconds`` (Retry-After)."""
        state = self._host(host)
        state.blocked_until = max(state.blocked_until, time.monotonic() + seconds)

    def slow_down(self, host: str) -> None:
        """Adaptive slow-down after a 429/503 without Retry-After: double the extra spacing."""
        state = self._host(host)
        step = max(state.spacing, 0.1)
        state.extra = min(MAX_EXTRA_SPACING, state.extra * 2 if state.extra else step)

    def recover(self, host: str) -> None:
        """A success: halve the extra spacing back towards the configured one."""
        state = self._hosts.get(host)
        if state is not None and state.extra:
            state.extra = state.extra / 2 if state.extra > max(state.spacing, 0.1) else 0.0
