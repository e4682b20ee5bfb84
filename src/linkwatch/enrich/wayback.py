"""Wayback Machine snapshots for dead links, through the availability API.

``GET {wayback_api_url}?url=…&timestamp=YYYYMMDDhhmmss`` answers with the snapshot
closest to the timestamp. We ask for the moment the link first failed and accept
only a successful capture taken before it, so the snapshot shows the page as it
was rather than its error page. Lookups go through the checker's ``Network`` (or
a session the caller already owns), so tests and the demo reach simweb.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp

from ..config import Settings
from ..models import LinkResult
from ..net import Network, proxy_for

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

SOURCE = "wayback"  # store metadata source: normalised URL → Snapshot JSON or null
NO_SNAPSHOT_TTL = 7 * 86400.0
_CONCURRENCY = 2  # archive.org is a shared public service; a dead link list is short
_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One Wayback capture: ``url`` is https://web.archive.org/web/<timestamp>/<original>."""

    url: str
    timestamp: str  # YYYYMMDDhhmmss
    status: str | None

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "timestamp": self.timestamp, "status": self.status}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(url=data["url"], timestamp=data["timestamp"], status=data.get("status"))


def wayback_timestamp(iso: str | None) -> str | None:
    """``2026-11-25T03:00:00Z`` → ``20261125030000``; ``None`` for missing or odd input."""
    match = _ISO.match(iso or "")
    if match is None:
        return None
    return "".join(part or "00" for part in match.groups())


def parse_availability(payload: Any, before: str | None) -> Snapshot | None:
    """The closest capture in an availability answer, if it is usable.

    Usable: available, HTTP 2xx when captured, and (when ``before`` is given) taken
    no later than ``before``. The API answers ``http://`` URLs; we store ``https://``.
    """
    if not isinstance(payload, dict):
        return None
    snapshots = payload.get("archived_snapshots")
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or not closest.get("available"):
        return None
    url, timestamp = closest.get("url"), str(closest.get("timestamp") or "")
    status = closest.get("status")
    if not isinstance(url, str) or not timestamp.isdigit():
        return None
    if status is not None and not str(status).startswith("2"):
        return None
    if before is not None and timestamp[:14] > before:
        return None
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    return Snapshot(url=url, timestamp=timestamp, status=None if status is None else str(status))


async def find_snapshots(
    dead: Iterable[LinkResult],
    settings: Settings,
    client: aiohttp.ClientSession | Network,
    *,
    store: Store | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Snapshot URL per dead result's URL, asking the archive only for what the store lacks.

    Found snapshots are kept for good (the past does not change); "no snapshot" is
    asked again after a week, as the archive may capture the page meanwhile. Only links
    broken for ``fail_after`` runs are looked up: one failure may be gone tomorrow, and
    no suggestion would use the snapshot yet.
    """
    first_failed = {
        r.url: r.first_failed_at or r.checked_at or None
        for r in dead
        if r.consecutive_failures >= settings.fail_after
    }
    known: dict[str, Snapshot | None] = {}
    moment = now or datetime.now(UTC)
    if store is not None and first_failed:
        for key, (value, fetched_at) in store.get_metadata(SOURCE, list(first_failed)).items():
            if value is not None:
                known[key] = Snapshot.from_json(value)
            elif (moment - _parse_iso(fetched_at)).total_seconds() < NO_SNAPSHOT_TTL:
                known[key] = None
    asked = await lookup_snapshots(
        {url: at for url, at in first_failed.items() if url not in known}, settings, client
    )
    if store is not None and asked:
        fetched = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        store.put_metadata(
            SOURCE, {k: None if v is None else v.to_json() for k, v in asked.items()}, fetched
        )
    known.update(asked)
    return {url: snap.url for url, snap in known.items() if snap is not None}


def stored_snapshots(store: Store, urls: Iterable[str]) -> dict[str, str]:
    """Snapshot URLs already in the store (``linkwatch fix`` works offline)."""
    return {
        key: Snapshot.from_json(value).url
        for key, (value, _) in store.get_metadata(SOURCE, sorted(set(urls))).items()
        if value is not None
    }


async def lookup_snapshots(
    targets: Mapping[str, str | None],
    settings: Settings,
    client: aiohttp.ClientSession | Network,
) -> dict[str, Snapshot | None]:
    """Ask the archive (``targets``: URL → ISO time it first failed, or ``None``).

    A URL maps to ``None`` when the archive has no usable capture; a URL whose
    lookup failed (network trouble, 5xx, bad JSON) is left out, so callers do not
    cache a transient failure as "no snapshot".
    """
    if not targets:
        return {}
    if isinstance(client, aiohttp.ClientSession):
        return await _lookup_all(client, targets, settings)
    timeout = aiohttp.ClientTimeout(total=settings.timeout, connect=settings.connect_timeout)
    async with aiohttp.ClientSession(
        connector=client.connector(limit=_CONCURRENCY),
        timeout=timeout,
        headers={"User-Agent": settings.user_agent},
    ) as session:
        return await _lookup_all(session, targets, settings)


def _parse_iso(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _lookup_all(
    session: aiohttp.ClientSession, targets: Mapping[str, str | None], settings: Settings
) -> dict[str, Snapshot | None]:
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one(url: str, failed_at: str | None) -> tuple[str, Snapshot | None, bool]:
        async with gate:
            return (url, *await _lookup(session, url, wayback_timestamp(failed_at), settings))

    answers = await asyncio.gather(*(one(url, at) for url, at in targets.items()))
    return {url: snapshot for url, snapshot, ok in answers if ok}


async def _lookup(
    session: aiohttp.ClientSession, url: str, before: str | None, settings: Settings
) -> tuple[Snapshot | None, bool]:
    """(snapshot or None, whether the archive answered at all)."""
    params = {"url": url}
    if before is not None:
        params["timestamp"] = before
    try:
        async with session.get(
            settings.wayback_api_url,
            params=params,
            timeout=aiohttp.ClientTimeout(total=settings.timeout),
            proxy=proxy_for(settings.wayback_api_url),
        ) as response:
            if response.status != 200:
                log.info("wayback lookup for %s: HTTP %s", url, response.status)
                return None, False
            payload = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.info("wayback lookup for %s failed: %s", url, exc.__class__.__name__)
        return None, False
    return parse_availability(payload, before), True
