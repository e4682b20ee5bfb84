"""Semantic Scholar Graph API: venue, year, citations and DOI for the list's papers.

One ``POST /graph/v1/paper/batch?fields=…`` answers up to 500 ids (``ARXIV:<id>``,
``DOI:<doi>``, ``URL:<page>`` for the sites S2 accepts URLs of) with a JSON array
aligned with the ids, ``null`` for an id S2 does not know. Entries with no such
identifier but a paper link are looked up by title through
``GET /graph/v1/paper/search/match`` (404 = no match), at most ``s2_match_budget`` per
run. Polite without a key: one request at a time, ``s2_interval`` apart, Retry-After
and backoff on 429/5xx, a daily request budget kept in the store (state ``s2:budget``).
The key (``S2_API_KEY``) goes only into the ``x-api-key`` header.

Answers are cached in the store's metadata (source ``s2``, key = the lookup id) for
``ttl_paper``; "unknown" for a week. When S2 cannot be reached, rate-limits every
retry or the budget is spent, the run goes on with the last stored answers and says
so in one note.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import aiohttp

from ..config import Settings
from ..models import Document, Entry, LinkKind, PaperMeta, S2Paper, Target
from ..net import Network, proxy_for
from ..politeness import parse_retry_after
from ..urls import classify, normalize
from ..venues import short_venue
from . import Enrichment
from .arxiv import MetadataStore, normalize_title, title_matches

log = logging.getLogger(__name__)
# entry_key runs for every entry in suggestions, the report and the export: parse once
_classify = lru_cache(maxsize=16384)(classify)

SOURCE = "s2"  # store metadata: lookup id → S2Paper JSON, or null ("S2 does not know it")
BUDGET_STATE = "s2:budget"  # {"day": "YYYY-MM-DD", "used": n}
BATCH = 500  # the batch endpoint's limit
FIELDS = "title,venue,publicationVenue,year,publicationDate,externalIds,citationCount,journal"
UNKNOWN_TTL = 7 * 86400.0
# sites whose paper pages S2 resolves as ``URL:<page>`` (its documentation's list)
URL_HOSTS = ("semanticscholar.org", "arxiv.org", "aclweb.org", "aclanthology.org", "acm.org",
             "biorxiv.org")  # fmt: skip
_DOI = re.compile(r"^(10\.\d{4,9}/\S+)$")
_DOI_PATH = re.compile(r"/(?:doi/(?:abs/|full/|pdf/|epdf/)?)?(10\.\d{4,9}/[^?#]+)")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)


class S2Store(MetadataStore, Protocol):
    """The part of ``store.Store`` the enricher uses: metadata cache and budget state."""

    def get_state(self, key: str) -> dict[str, Any] | None: ...
    def set_state(self, key: str, value: Mapping[str, Any]) -> None: ...


class _Unavailable(Exception):
    """S2 cannot be asked any more this run (refused, rate-limited throughout, budget)."""


def doi_of(url: str) -> str | None:
    """The DOI in a doi.org, ACM DL or Springer link, else ``None``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host in ("doi.org", "dx.doi.org"):
        doi = unquote(parts.path.lstrip("/"))
        return doi if _DOI.match(doi) else None
    if host in ("dl.acm.org", "link.springer.com", "onlinelibrary.wiley.com"):
        m = _DOI_PATH.search(unquote(parts.path))
        return m.group(1) if m else None
    return None


def entry_key(entry: Entry, title_hits: Mapping[str, PaperMeta] | None = None) -> str | None:
    """The id S2 is asked about for an entry: its arXiv id, else a DOI, else a paper page
    S2 accepts, else the arXiv paper its title search found, else its title (``TITLE:``,
    for the match endpoint) when it links a paper; ``None`` for entries that are no paper."""
    web = [link for link in entry.links if link.target is Target.WEB]
    infos = [_classify(link.url) for link in web]
    for info in infos:
        if info.arxiv_id:
            return f"ARXIV:{info.arxiv_id}"
    for link in web:
        doi = doi_of(link.url)
        if doi:
            return f"DOI:{doi}"
    papers = [link for link in web if link.kind is LinkKind.PAPER]
    for link in papers:
        host = (urlsplit(link.url).hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in URL_HOSTS):
            return f"URL:{normalize(link.url)}"
    hit = (title_hits or {}).get(entry.title)
    if hit is not None:
        return f"ARXIV:{hit.arxiv_id}"
    if papers and normalize_title(entry.title):
        return f"TITLE:{normalize_title(entry.title)}"
    return None


def paper_from_s2(data: Mapping[str, Any]) -> S2Paper:
    """One object of S2's answer (the fields in ``FIELDS``) as an ``S2Paper``."""
    pub = data.get("publicationVenue") or {}
    raw_venue = data.get("venue") or None
    full = pub.get("name") or raw_venue
    short = short_venue(pub.get("name"), tuple(pub.get("alternate_names") or ()))
    short = short or short_venue(raw_venue)
    ext = data.get("externalIds") or {}
    doi = ext.get("DOI")
    journal = data.get("journal") or {}
    return S2Paper(
        paper_id=str(data.get("paperId") or ""),
        title=str(data.get("title") or ""),
        venue=short or full,
        venue_full=full,
        venue_type=pub.get("type"),
        year=data.get("year") if isinstance(data.get("year"), int) else None,
        publication_date=data.get("publicationDate"),
        citations=data.get("citationCount") if isinstance(data.get("citationCount"), int) else None,
        doi=None if doi and _ARXIV_DOI.match(doi) else doi,
        arxiv_id=ext.get("ArXiv"),
        dblp=ext.get("DBLP"),
        journal=journal.get("name") if isinstance(journal, Mapping) else None,
    )


def s2_for_entry(entry: Entry, found: Enrichment) -> S2Paper | None:
    """What S2 said about an entry, if anything (pure; used by suggestions and reports)."""
    key = entry_key(entry, found.title_hits)
    return found.s2.get(key) if key is not None else None


def stored_papers(
    store: MetadataStore,
    documents: Sequence[Document],
    title_hits: Mapping[str, PaperMeta] | None = None,
) -> dict[str, S2Paper]:
    """S2 answers already in the store for ``documents``, whatever their age (offline use)."""
    keys = _keys(documents, title_hits)
    return {
        key: S2Paper.from_json(value)
        for key, (value, _) in store.get_metadata(SOURCE, list(keys)).items()
        if value
    }


def _keys(
    documents: Sequence[Document], title_hits: Mapping[str, PaperMeta] | None
) -> dict[str, str]:
    """Lookup id → the entry title it came from (first one), in list order."""
    keys: dict[str, str] = {}
    for doc in documents:
        for entry in doc.entries:
            key = entry_key(entry, title_hits)
            if key is not None:
                keys.setdefault(key, entry.title)
    return keys


def _age(fetched_at: str, now: datetime) -> float:
    try:
        then = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    return (now - (then if then.tzinfo else then.replace(tzinfo=UTC))).total_seconds()


class S2Enricher:
    """The ``Enricher`` for Semantic Scholar (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        network: Network | None = None,
        *,
        store: S2Store | None = None,
    ) -> None:
        self.settings = settings
        self.network = network or Network()
        self.store = store
        self._last: float | None = None
        self._down: str | None = None
        self._budget: dict[str, Any] = {}  # used when there is no store

    # --- the Enricher interface ---

    async def enrich(self, documents: Sequence[Document], found: Enrichment) -> Enrichment:
        now = datetime.now(UTC)
        keys = _keys(documents, found.title_hits)
        cached = self._cached(list(keys))
        known: dict[str, S2Paper | None] = {}
        due: list[str] = []
        for key in keys:
            hit = cached.get(key)
            if hit is not None and not self.settings.refresh:
                value, fetched_at = hit
                ttl = self.settings.ttl_paper if value else UNKNOWN_TTL
                if _age(fetched_at, now) < ttl:
                    known[key] = S2Paper.from_json(value) if value else None
                    continue
            due.append(key)
        ids = [k for k in due if not k.startswith("TITLE:")]
        titles = [k for k in due if k.startswith("TITLE:")]
        asked_titles = titles[: max(0, self.settings.s2_match_budget)]
        answers: dict[str, S2Paper | None] = {}
        if due:
            await self._ask(ids, [(k, keys[k]) for k in asked_titles], answers)
        if answers and self.store is not None:
            stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            self.store.put_metadata(
                SOURCE, {k: v.to_json() if v else None for k, v in answers.items()}, stamp
            )
        known.update(answers)
        # what S2 did not answer this run keeps its last stored value, however old
        missed = [k for k in due if k not in answers]
        kept = 0
        for key in missed:
            value = cached.get(key, (None, ""))[0]
            if value:
                known[key] = S2Paper.from_json(value)
                kept += 1
        notes = list(found.notes)
        unasked_titles = len(titles) - len(asked_titles)
        if self._down is not None and missed:
            notes.append(
                f"Semantic Scholar not consulted fully ({self._down}): {len(missed)} papers "
                f"not refreshed, {kept} of them keep their last known values."
            )
        elif unasked_titles:
            notes.append(
                f"Semantic Scholar title match budget ({self.settings.s2_match_budget} per run) "
                f"reached: {unasked_titles} entries left for the next run."
            )
        papers = {k: v for k, v in known.items() if v is not None}
        return replace(found, s2={**found.s2, **papers}, notes=tuple(notes))

    # --- HTTP ---

    def _cached(self, keys: list[str]) -> Mapping[str, tuple[Any, str]]:
        return self.store.get_metadata(SOURCE, keys) if self.store is not None and keys else {}

    async def _ask(
        self,
        ids: list[str],
        titles: list[tuple[str, str]],
        answers: dict[str, S2Paper | None],
    ) -> None:
        headers = {"User-Agent": self.settings.user_agent}
        if self.settings.s2_api_key:
            headers["x-api-key"] = self.settings.s2_api_key
        timeout = aiohttp.ClientTimeout(
            total=self.settings.timeout, connect=self.settings.connect_timeout
        )
        async with aiohttp.ClientSession(
            connector=self.network.connector(limit=1), timeout=timeout, headers=headers
        ) as session:
            try:
                for part in _chunks(ids, BATCH):
                    status, body = await self._request(
                        session, "POST", "/graph/v1/paper/batch", json={"ids": part}
                    )
                    if status != 200 or not isinstance(body, list) or len(body) != len(part):
                        raise _Unavailable(f"unexpected batch answer (HTTP {status})")
                    for key, item in zip(part, body, strict=True):
                        answers[key] = paper_from_s2(item) if isinstance(item, dict) else None
                for key, title in titles:
                    status, body = await self._request(
                        session, "GET", "/graph/v1/paper/search/match", params={"query": title}
                    )
                    data = body.get("data") if status == 200 and isinstance(body, dict) else None
                    match = paper_from_s2(data[0]) if data else None
                    # a fuzzy best match that is another paper would be worse than none
                    answers[key] = match if match and title_matches(title, match.title) else None
            except _Unavailable as exc:
                self._down = str(exc)
                log.info("Semantic Scholar: %s", exc)

    async def _request(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> tuple[int, Any]:
        """(status, parsed JSON) of a 200 or a 404; retries 429/5xx/timeouts, then raises
        ``_Unavailable``. Every answer S2 gives (429s too) counts against the daily budget;
        a request that never reached it does not (and leaves the store alone)."""
        url = self.settings.s2_api_url.rstrip("/") + path
        query = {"fields": FIELDS, **(params or {})}
        settings = self.settings
        reason = ""
        for attempt in range(settings.max_retries + 1):
            self._check_budget()
            await self._space()
            try:
                async with session.request(
                    method, url, params=query, json=json, proxy=proxy_for(url)
                ) as response:
                    self._spend()
                    status = response.status
                    if status in (200, 404):
                        body = await response.json(content_type=None)
                        return status, body
                    text = " ".join((await response.text()).split())[:200]  # one line
                    wait = parse_retry_after(response.headers.get("Retry-After"))
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                self._last = time.monotonic()
                if isinstance(exc, aiohttp.ClientConnectorError):
                    # no route to S2 (DNS, refused, offline runner): retrying will not help
                    raise _Unavailable(f"cannot connect to {urlsplit(url).hostname}") from None
                reason = type(exc).__name__
                wait = None
                status = 0
            else:
                self._last = time.monotonic()
                reason = "rate-limited (HTTP 429)" if status == 429 else f"HTTP {status}"
                if status < 500 and status != 429:
                    raise _Unavailable(f"{reason}: {text}")
            if attempt == settings.max_retries:
                break
            delay = wait if wait is not None else settings.retry_backoff * 2**attempt
            if delay > settings.retry_after_cap:
                raise _Unavailable(f"{reason}, Retry-After {delay:.0f} s")
            await asyncio.sleep(delay)
        raise _Unavailable(f"{reason} after {settings.max_retries + 1} attempts")

    async def _space(self) -> None:
        if self._last is not None:
            wait = self._last + self.settings.s2_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def _used_today(self) -> tuple[str, int]:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        state = self._budget_state()
        return day, state.get("used", 0) if state.get("day") == day else 0

    def _check_budget(self) -> None:
        """``_Unavailable`` when today's budget (UTC day) is spent."""
        if self._down is not None:
            raise _Unavailable(self._down)
        if self._used_today()[1] >= self.settings.s2_daily_budget:
            raise _Unavailable(f"daily budget of {self.settings.s2_daily_budget} requests spent")

    def _spend(self) -> None:
        """One answered request off today's budget."""
        day, used = self._used_today()
        self._budget = {"day": day, "used": used + 1}
        if self.store is not None:
            self.store.set_state(BUDGET_STATE, self._budget)

    def _budget_state(self) -> Mapping[str, Any]:
        if self.store is not None:
            return self.store.get_state(BUDGET_STATE) or {}
        return self._budget


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
