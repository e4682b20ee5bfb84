"""What site rules may use of the engine: ``Page`` and the narrow ``Fetcher`` interface.

Site rules fetch pages and read settings; they never see the engine's session,
limiter or queues. ``checker.Engine`` implements ``Fetcher``; this module imports
neither the engine nor the rules, so ``checker`` → ``sites`` → ``fetch`` has no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Protocol

from multidict import CIMultiDict

from .config import Settings
from .decoding import decode_body
from .models import ErrorCode, LinkResult


@dataclass(slots=True)
class Page:
    """One fetch: the last response of the redirect chain, or why there is none.

    ``chain`` has one ``(status, url)`` per request made, so ``chain[0][0]`` is the
    first hop's status and ``chain[-1]`` the final response. ``deferred_until``
    (monotonic) is set when the host asked for a pause longer than
    ``Settings.retry_after_cap``: the run checks the link again later.
    ``client_redirect`` names the kind of the last client-side redirect followed.
    """

    url: str
    method: str = "GET"
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=CIMultiDict)
    final_url: str | None = None
    chain: list[tuple[int, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    attempts: int = 0
    failure: tuple[ErrorCode, str] | None = None
    elapsed_ms: int = 0
    deferred_until: float | None = None
    client_redirect: str | None = None  # "meta refresh"/"script" when one was followed

    @property
    def text(self) -> str:
        """The body decoded as a browser would (``decoding.decode_body``)."""
        return decode_body(self.body, self.headers.get("Content-Type", ""))


class Fetcher(Protocol):
    """The engine as site rules see it: polite fetching plus the run's settings and memory.

    ``known_redirects`` and ``get_first`` are what the last run left for this one
    (see ``checker.Engine``). Per-run state a rule keeps (soft-404 probes) is keyed
    on the fetcher, which lives for one run.
    """

    settings: Settings

    @property
    def known_redirects(self) -> Mapping[str, LinkResult]: ...

    @property
    def get_first(self) -> Set[str]: ...

    async def fetch(
        self,
        url: str,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        read_body: bool = True,
        follow_redirects: bool = True,
    ) -> Page:
        """Request ``url`` politely with retries and redirects; never raises for the net."""
        ...
