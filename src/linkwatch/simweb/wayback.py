"""Simulated Wayback Machine: the availability API and the captures it points at.

``archive.org/wayback/available?url=…&timestamp=…`` answers like the real one:
``{"url": …, "archived_snapshots": {"closest": {"status": "200", "available": true,
"url": "http://web.archive.org/web/<ts>/<original>", "timestamp": "<ts>"}}}``, or
``"archived_snapshots": {}`` when nothing was captured. The closest capture may be
before or after the asked timestamp (the real API does not promise either), so the
client's "taken before the first failure" rule gets exercised. Captures are served
on ``web.archive.org/web/<ts>/<original>`` so a suggested snapshot link checks alive.

Mount with ``SimWayback(...).mount(scenario)``; ``unavailable=True`` answers 503.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

from .behaviours import html_page
from .scenario import Scenario

API_HOST = "archive.org"
CAPTURE_HOST = "web.archive.org"


def capture_key(url: str) -> str:
    """How the archive matches URLs: scheme, ``www.``, case of the host and a final
    slash do not matter (a small stand-in for its SURT canonicalisation)."""
    raw = url if "://" in url else f"http://{url}"
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or ""
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def _pad(timestamp: str) -> str:
    """A partial timestamp (``2020``, ``202006``) means its earliest moment."""
    digits = "".join(ch for ch in timestamp if ch.isdigit())[:14]
    return digits + "00000101000000"[len(digits) :] if len(digits) < 8 else digits.ljust(14, "0")


@dataclass
class Capture:
    original: str
    timestamp: str  # 14 digits
    status: str = "200"


@dataclass
class SimWayback:
    """Captures per URL; ``add`` more while the scenario runs."""

    captures: dict[str, list[Capture]] = field(default_factory=dict)
    unavailable: bool = False

    def add(self, url: str, timestamp: str, status: str = "200") -> SimWayback:
        capture = Capture(url, _pad(timestamp), status)
        self.captures.setdefault(capture_key(url), []).append(capture)
        return self

    def mount(self, scenario: Scenario) -> Scenario:
        scenario.mount(API_HOST, self.handle)
        return scenario.mount(CAPTURE_HOST, self.handle)

    def closest(self, url: str, timestamp: str | None) -> Capture | None:
        """The capture nearest ``timestamp`` (the newest without one); ties go earlier."""
        found = self.captures.get(capture_key(url))
        if not found:
            return None
        if not timestamp:
            return max(found, key=lambda c: c.timestamp)
        target = int(_pad(timestamp))
        return min(found, key=lambda c: (abs(int(c.timestamp) - target), c.timestamp))

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for both virtual hosts (``archive.org``, ``web.archive.org``)."""
        if self.unavailable:
            return web.Response(status=503, text="Service Unavailable")
        if request.path == "/wayback/available":
            return self._available(request)
        if request.path.startswith("/web/"):
            return self._capture(request)
        return web.Response(status=404, text="Not Found")

    def _available(self, request: web.Request) -> web.Response:
        url = request.query.get("url", "")
        timestamp = request.query.get("timestamp")
        body: dict[str, object] = {"url": url, "archived_snapshots": {}}
        if timestamp is not None:
            body["timestamp"] = timestamp
        capture = self.closest(url, timestamp) if url else None
        if capture is not None:
            body["archived_snapshots"] = {
                "closest": {
                    "status": capture.status,
                    "available": True,
                    "url": f"http://{CAPTURE_HOST}/web/{capture.timestamp}/{capture.original}",
                    "timestamp": capture.timestamp,
                }
            }
        return web.Response(text=json.dumps(body), content_type="application/json")

    def _capture(self, request: web.Request) -> web.Response:
        rest = request.raw_path.removeprefix("/web/")
        timestamp, _, original = rest.partition("/")
        stamp = "".join(ch for ch in timestamp if ch.isdigit())
        found = [c for c in self.captures.get(capture_key(original), []) if c.timestamp == stamp]
        if not found:
            page = html_page("Wayback Machine", "<p>This page is not in the archive.</p>")
            return web.Response(status=404, text=page, content_type="text/html")
        page = html_page(f"Archived: {original}", f"<p>Captured {stamp}.</p>")
        return web.Response(text=page, content_type="text/html")
