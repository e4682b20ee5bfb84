"""arXiv metadata through the ``arxiv`` package: batched, spaced, bounded, cached.

One ``id_list`` request answers as many papers as fit in a URL (``MAX_URL``; the API
serves slices of up to 2,000) and its answer doubles as a liveness check, so arXiv
links are never fetched as pages. Title searches go out as ``ti:"…" OR ti:"…"``
queries, the exact-title match done here. arXiv asks for one request every 3 s and
one connection at a time; the package sets no HTTP timeout, so every request goes
through a mounted adapter that serialises, spaces and time-limits it. A malformed id
makes the API reject a whole batch, so ids are validated before they are sent.

Outcomes per id: ``PaperMeta`` (known), ``None`` (the API does not know it: the link
is dead), ``Invalid`` (malformed, never sent: dead) or ``Unknown`` (the API failed:
unverifiable, never dead).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote_plus, urlsplit, urlunsplit

import arxiv
import requests
from requests.adapters import HTTPAdapter

from .. import interrupt
from ..config import Settings
from ..models import ErrorCode, LinkResult, PaperMeta, Verdict
from ..net import Network

log = logging.getLogger(__name__)

ARXIV_SOURCE = "arxiv"
SEARCH_SOURCE = "arxiv_search"
# The API only takes GET (the ``arxiv`` package has no POST), and servers and proxies
# on the way refuse request lines past ~8 KB (aiohttp's and nginx's default is 8 KiB):
# a batch is as many ids as keep the whole URL within MAX_URL (about 530 new-style
# ids), and never more than the API's slice limit of 2,000 results.
MAX_URL = 7000
MAX_IDS = 2000
SEARCH_RESULTS = 5  # candidates read per title searched
MAX_TITLES = 25  # titles OR-ed into one search query

_NEW_ID = re.compile(r"^(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<v>[1-9]\d*))?$")
_OLD_ID = re.compile(
    r"^(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?/(?P<yymm>\d{4})\d{3}(?:v(?P<v>[1-9]\d*))?$"
)
_WORD = re.compile(r"\w+")
_LEADING_TAGS = re.compile(r"^\s*(?:\[[^\[\]]*\]\s*)+")
_TRAILING_PAREN = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True, slots=True)
class Invalid:
    """A malformed id: never sent (it would fail the whole batch); the link is dead."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """The API did not answer for this id (timeout, 5xx, 400): unverifiable, not dead."""

    reason: str
    error: ErrorCode = ErrorCode.HTTP


Lookup = PaperMeta | Invalid | Unknown | None


class MetadataStore(Protocol):
    """What the enricher needs from ``store.Store``: JSON values with a fetched_at time."""

    def get_metadata(
        self, source: str, keys: Iterable[str]
    ) -> Mapping[str, tuple[Any, str]]: ...  # key -> (data, fetched_at ISO)

    def put_metadata(self, source: str, items: Mapping[str, Any], fetched_at: str) -> None: ...


# --- pure helpers ---------------------------------------------------------------------


def parse_arxiv_id(raw: str) -> tuple[str, int | None] | None:
    """``"2010.03045v2"`` → ``("2010.03045", 2)``; ``None`` when it cannot be an arXiv id.

    Stricter than the API (which only rejects gross errors): new-style ids started in
    April 2007 with 4 digits and have 5 digits from January 2015; old-style ids ran
    from 1991 to March 2007.
    """
    raw = raw.strip()
    m = _NEW_ID.match(raw)
    if m:
        yymm, num = m.group("yymm"), m.group("num")
        if not 1 <= int(yymm[2:]) <= 12 or yymm < "0704":
            return None
        if len(num) != (4 if yymm < "1501" else 5):
            return None
        return f"{yymm}.{num}", int(m.group("v")) if m.group("v") else None
    m = _OLD_ID.match(raw)
    if m:
        yymm = m.group("yymm")
        year, month = int(yymm[:2]), int(yymm[2:])
        if not 1 <= month <= 12 or not (year >= 91 or yymm <= "0703"):
            return None
        base = raw[: m.end("yymm") + 3]
        return base, int(m.group("v")) if m.group("v") else None
    return None


def absent_reason(arxiv_id: str) -> str:
    return f"arXiv has no paper {arxiv_id}"


def normalize_title(title: str) -> str:
    """Casefolded letters and digits only: punctuation, spacing and markup do not count."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def title_variants(title: str) -> list[str]:
    """The entry title as written, and without leading ``[TAG]`` / a trailing ``(VENUE)``.

    Awesome lists write ``**[CBAM]** Convolutional Block Attention Module (ECCV)``; the
    paper's own title may or may not contain the tag. The last variant is the core.
    """
    variants = [title]
    untagged = _LEADING_TAGS.sub("", title)
    for text in (untagged, _TRAILING_PAREN.sub("", title), _TRAILING_PAREN.sub("", untagged)):
        if text.strip() and text not in variants:
            variants.append(text)
    return variants


def title_query(title: str) -> str | None:
    """A quote-safe ``ti:"…"`` phrase query from the core of the title, punctuation removed."""
    words = _WORD.findall(title_variants(title)[-1].replace("_", " "))
    return f'ti:"{" ".join(words)}"' if words else None


def title_matches(entry_title: str, paper_title: str) -> bool:
    """Exact match after normalisation, for any variant of the entry title; near misses fail."""
    wanted = normalize_title(paper_title)
    return bool(wanted) and any(normalize_title(v) == wanted for v in title_variants(entry_title))


def paper_from_result(result: arxiv.Result) -> PaperMeta:
    short = result.get_short_id()
    parsed = parse_arxiv_id(short)
    arxiv_id, version = parsed if parsed else (short, None)
    return PaperMeta(
        arxiv_id=arxiv_id,
        version=version,
        title=" ".join(result.title.split()),
        authors=tuple(a.name for a in result.authors),
        abstract=" ".join(result.summary.split()),
        published=_iso(result.published),
        updated=_iso(result.updated),
        journal_ref=result.journal_ref or None,
        doi=result.doi or None,
        comment=result.comment or None,
        primary_category=result.primary_category or None,
    )


def paper_from_json(data: Mapping[str, Any]) -> PaperMeta:
    """Inverse of ``PaperMeta.to_json`` (for cached metadata)."""
    return PaperMeta(
        arxiv_id=data["id"],
        version=data.get("version"),
        title=data["title"],
        authors=tuple(data.get("authors") or ()),
        abstract=data.get("abstract") or "",
        published=data.get("published") or "",
        updated=data.get("updated") or "",
        journal_ref=data.get("journal_ref"),
        doi=data.get("doi"),
        comment=data.get("comment"),
        primary_category=data.get("primary_category"),
    )


def arxiv_results(
    urls_to_ids: Mapping[str, str], metas: Mapping[str, Lookup], checked_at: str | None = None
) -> list[LinkResult]:
    """Verdicts for arXiv links the API answered for, so they need no page fetch.

    URLs whose id is not in ``metas`` are left out (check them as pages).
    """
    now = checked_at or _iso(datetime.now(UTC))
    out = []
    for url, arxiv_id in urls_to_ids.items():
        if arxiv_id not in metas:
            continue
        meta = metas[arxiv_id]
        if isinstance(meta, PaperMeta):
            result = LinkResult(url, Verdict.ALIVE, reason=f"arXiv API: {meta.title}")
        elif meta is None:
            result = LinkResult(
                url, Verdict.DEAD, error=ErrorCode.HTTP, reason=absent_reason(arxiv_id)
            )
        elif isinstance(meta, Invalid):
            result = LinkResult(url, Verdict.DEAD, error=ErrorCode.INVALID_URL, reason=meta.reason)
        else:
            result = LinkResult(url, Verdict.UNVERIFIABLE, error=meta.error, reason=meta.reason)
        result.attempts = 1
        result.checked_at = now
        out.append(result)
    return out


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age_seconds(fetched_at: str, now: datetime) -> float:
    try:
        then = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (now - then).total_seconds()


# --- HTTP: one polite, time-limited request at a time ---------------------------------


class _Spacer:
    """One request in flight, the next starting ``interval`` s after the last one ended."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last_end: float | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            if self._last_end is not None:
                wait = self._last_end + self.interval - time.monotonic()
                if wait > 0:
                    interrupt.sleep(wait)  # a signal ends the wait: no request after it
            try:
                yield
            finally:
                self._last_end = time.monotonic()


class _ApiAdapter(HTTPAdapter):
    """Gives the ``arxiv`` package's session a timeout, our User-Agent and the spacing."""

    def __init__(
        self,
        timeout: tuple[float, float],
        user_agent: str,
        spacer: _Spacer,
        *,
        loopback_only: bool = False,
    ) -> None:
        super().__init__(max_retries=0)
        self._timeout = timeout
        self._user_agent = user_agent
        self._spacer = spacer
        self._loopback_only = loopback_only

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        host = urlsplit(request.url or "").hostname
        if self._loopback_only and host not in _LOOPBACK:
            # a restricted (simulated) network: this client must not leave the machine
            raise requests.exceptions.ConnectionError(f"refusing to connect to {host}")
        request.headers["User-Agent"] = self._user_agent
        kwargs["timeout"] = self._timeout
        with self._spacer.turn():
            interrupt.raise_if_requested()
            response = super().send(request, stream=stream, **kwargs)
            if not stream:
                _ = response.content  # read the body inside our turn, under the timeout
            return response


@dataclass
class _Plan:
    """What one ``fetch`` needs: which ids are malformed, cached, or must be asked."""

    parsed: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    invalid: dict[str, Invalid] = field(default_factory=dict)
    cached: dict[str, tuple[PaperMeta, float]] = field(default_factory=dict)  # base -> (meta, age)
    todo: list[str] = field(default_factory=list)


class ArxivEnricher:
    """Paper metadata for arXiv ids and title searches, within arXiv's API terms.

    ``fetch``/``search_titles`` block; the ``*_async`` variants run the HTTP part in a
    worker thread so the aiohttp checker keeps going, and touch the store only from
    the calling (event-loop) thread. With a simweb ``network`` the API host is reached
    through its direct base, and nothing but loopback may be contacted.
    """

    def __init__(
        self,
        settings: Settings,
        network: Network | None = None,
        *,
        store: MetadataStore | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.searches_left = settings.title_search_budget
        self._down: Unknown | None = None  # set once the API timed out / kept failing
        self._client = arxiv.Client(page_size=MAX_IDS, delay_seconds=0.0, num_retries=0)
        self._client_lock = threading.Lock()  # fetch and search threads share the client
        api_url = _api_url(settings.arxiv_api_url, network)
        self._client.query_url_format = api_url.replace("{", "{{").replace("}", "}}") + "?{}"
        adapter = _ApiAdapter(
            (settings.connect_timeout, settings.timeout),
            settings.user_agent,
            _Spacer(settings.arxiv_interval),
            loopback_only=network is not None and network.socket_factory is not None,
        )
        # The package offers no other way to configure its HTTP session.
        session = self._client._session
        session.mount("http://", adapter)
        session.mount("https://", adapter)

    def close(self) -> None:
        self._client._session.close()

    def __enter__(self) -> ArxivEnricher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- ids ---

    def fetch(self, ids: Iterable[str]) -> dict[str, Lookup]:
        """Metadata per id as given (with or without version); see the module docstring."""
        plan = self._plan(ids)
        return self._finish(plan, self._fetch_remote(plan.todo))

    async def fetch_async(self, ids: Iterable[str]) -> dict[str, Lookup]:
        plan = self._plan(ids)
        remote = await interrupt.in_thread(self._fetch_remote, plan.todo) if plan.todo else {}
        return self._finish(plan, remote)

    def _plan(self, ids: Iterable[str]) -> _Plan:
        plan = _Plan()
        for raw in dict.fromkeys(i.strip() for i in ids):
            parsed = parse_arxiv_id(raw)
            if parsed is None:
                plan.invalid[raw] = Invalid(
                    f"malformed arXiv id {raw!r} (expected YYMM.NNNNN[vN] or archive/YYMMNNN)"
                )
            else:
                plan.parsed[raw] = parsed
        bases = list(dict.fromkeys(base for base, _ in plan.parsed.values()))
        now = datetime.now(UTC)
        for base, (data, fetched_at) in self._cached(ARXIV_SOURCE, bases).items():
            if data:
                plan.cached[base] = (paper_from_json(data), _age_seconds(fetched_at, now))
        plan.todo = [
            b
            for b in bases
            if b not in plan.cached
            or self.settings.refresh
            or plan.cached[b][1] >= self.settings.ttl_paper
        ]
        return plan

    def _batches(
        self, items: list[str], cost: Callable[[str], int], base: int, most: int
    ) -> Iterator[list[str]]:
        """``items`` in runs whose URL (``base`` chars + ``cost(item)`` each) fits MAX_URL."""
        batch: list[str] = []
        length = base
        for item in items:
            if batch and (length + cost(item) > MAX_URL or len(batch) >= most):
                yield batch
                batch, length = [], base
            batch.append(item)
            length += cost(item)
        if batch:
            yield batch

    def _url_length(self, search: arxiv.Search) -> int:
        return len(self._client._format_url(search, 0, MAX_IDS))

    def _fetch_remote(self, bases: list[str]) -> dict[str, PaperMeta | Unknown | None]:
        out: dict[str, PaperMeta | Unknown | None] = {}
        empty = self._url_length(arxiv.Search(id_list=[]))
        for batch in self._batches(bases, lambda i: len(quote_plus(i)) + 3, empty, MAX_IDS):
            answer = self._query(arxiv.Search(id_list=batch, max_results=len(batch)))
            if isinstance(answer, Unknown):
                out.update(dict.fromkeys(batch, answer))
                continue
            found = {meta.arxiv_id: meta for meta in answer}
            for base in batch:
                out[base] = found.get(base)
            log.info("arXiv API: %d of %d ids known", len(found), len(batch))
        return out

    def _finish(
        self, plan: _Plan, remote: Mapping[str, PaperMeta | Unknown | None]
    ) -> dict[str, Lookup]:
        fresh = {b: m for b, m in remote.items() if isinstance(m, PaperMeta)}
        if fresh and self.store is not None:
            self.store.put_metadata(
                ARXIV_SOURCE, {b: m.to_json() for b, m in fresh.items()}, _iso(datetime.now(UTC))
            )
        out: dict[str, Lookup] = dict(plan.invalid)
        for raw, (base, version) in plan.parsed.items():
            value: PaperMeta | Unknown | None
            if base in remote:
                value = remote[base]
                if isinstance(value, Unknown) and base in plan.cached:
                    value = plan.cached[base][0]  # stale, but proof that the paper exists
            else:
                value = plan.cached[base][0]
            if (
                isinstance(value, PaperMeta)
                and version
                and value.version
                and version > value.version
            ):
                value = None  # e.g. 2010.03045v9 when the latest is v2: that page is a 404
            out[raw] = value
        return out

    # --- title search ---

    def search_title(self, title: str) -> PaperMeta | None:
        """The arXiv paper whose title equals ``title`` (after normalisation), if any.

        Uncached and outside the per-run budget; ``search_titles`` is what runs use.
        """
        found = self._search_remote(title)
        return found if isinstance(found, PaperMeta) else None

    def search_titles(self, titles: Iterable[str]) -> dict[str, PaperMeta | None]:
        """Title search for entries without an arXiv link: cached, stalest first, budgeted.

        Keyed by the titles as given. ``None``: searched (now or before) without an exact
        match. Titles beyond the budget or whose search failed, with nothing cached, are
        left out; a later run gets to them first.
        """
        groups, due, known = self._search_plan(titles)
        remote = self._search_many({k: groups[k][0] for k in due})
        return self._search_finish(groups, known, remote)

    async def search_titles_async(self, titles: Iterable[str]) -> dict[str, PaperMeta | None]:
        groups, due, known = self._search_plan(titles)
        wanted = {k: groups[k][0] for k in due}
        remote = await interrupt.in_thread(self._search_many, wanted) if due else {}
        return self._search_finish(groups, known, remote)

    def _search_many(self, titles: Mapping[str, str]) -> dict[str, PaperMeta | Unknown | None]:
        """Key → title searched in OR-queries of up to ``MAX_TITLES`` phrases. A title
        that got no match from an answer that was full (the phrase may have been crowded
        out by other titles' matches) is searched again on its own."""
        out: dict[str, PaperMeta | Unknown | None] = {}
        phrases = {k: q for k, t in titles.items() if (q := title_query(t)) is not None}
        out.update(dict.fromkeys(k for k in titles if k not in phrases))  # nothing to search
        empty = self._url_length(arxiv.Search(query=""))
        keys = list(phrases)
        cost = {k: len(quote_plus(phrases[k] + " OR ")) for k in keys}
        for batch in self._batches(keys, cost.__getitem__, empty, MAX_TITLES):
            if len(batch) == 1:
                out[batch[0]] = self._search_remote(titles[batch[0]])
                continue
            limit = SEARCH_RESULTS * len(batch)
            query = " OR ".join(phrases[k] for k in batch)
            answer = self._query(arxiv.Search(query=query, max_results=limit))
            if isinstance(answer, Unknown):
                out.update(dict.fromkeys(batch, answer))
                continue
            for key in batch:
                out[key] = next((m for m in answer if title_matches(titles[key], m.title)), None)
                if out[key] is None and len(answer) >= limit:
                    out[key] = self._search_remote(titles[key])
                elif out[key] is None:
                    log.info("arXiv title search: no exact match for %r", titles[key])
        return out

    def _search_plan(
        self, titles: Iterable[str]
    ) -> tuple[dict[str, list[str]], list[str], dict[str, PaperMeta | None]]:
        """Titles grouped by normalised key; the keys to search now (within budget,
        never-searched then oldest first); the answers the cache already has."""
        groups: dict[str, list[str]] = {}
        for title in titles:
            if key := normalize_title(title):
                groups.setdefault(key, []).append(title)
        now = datetime.now(UTC)
        ages: dict[str, float] = {}
        known: dict[str, PaperMeta | None] = {}
        for key, (data, fetched_at) in self._cached(SEARCH_SOURCE, list(groups)).items():
            paper = (data or {}).get("paper")
            known[key] = paper_from_json(paper) if paper else None
            ages[key] = _age_seconds(fetched_at, now)
        due = [
            k
            for k in groups
            if k not in ages or self.settings.refresh or ages[k] >= self.settings.ttl_paper
        ]
        due.sort(key=lambda k: -ages.get(k, float("inf")))
        spend = max(0, min(self.searches_left, len(due)))
        self.searches_left -= spend
        if len(due) > spend:
            log.info("arXiv title search budget spent: %d titles wait", len(due) - spend)
        return groups, due[:spend], known

    def _search_finish(
        self,
        groups: dict[str, list[str]],
        known: dict[str, PaperMeta | None],
        remote: Mapping[str, PaperMeta | Unknown | None],
    ) -> dict[str, PaperMeta | None]:
        answered = {k: m for k, m in remote.items() if not isinstance(m, Unknown)}
        if answered and self.store is not None:
            self.store.put_metadata(
                SEARCH_SOURCE,
                {
                    k: {"title": groups[k][0], "paper": m.to_json() if m else None}
                    for k, m in answered.items()
                },
                _iso(datetime.now(UTC)),
            )
        by_key = {**known, **answered}
        return {t: by_key[k] for k, ts in groups.items() if k in by_key for t in ts}

    def _search_remote(self, title: str) -> PaperMeta | Unknown | None:
        query = title_query(title)
        if query is None:
            return None
        answer = self._query(arxiv.Search(query=query, max_results=SEARCH_RESULTS))
        if isinstance(answer, Unknown):
            return answer
        for meta in answer:
            if title_matches(title, meta.title):
                return meta
        log.info("arXiv title search: no exact match for %r", title)
        return None

    # --- plumbing ---

    def _cached(self, source: str, keys: list[str]) -> Mapping[str, tuple[Any, str]]:
        if self.store is None or not keys:
            return {}
        return self.store.get_metadata(source, keys)

    def _query(self, search: arxiv.Search) -> list[PaperMeta] | Unknown:
        """One API page; failures become ``Unknown``. After a timeout or repeated failure
        the API counts as down for the rest of the run, so a hung API costs one timeout."""
        if self._down is not None:
            return self._down
        attempt = 0
        while True:
            try:
                with self._client_lock:  # page_size is the client's: one query at a time
                    self._client.page_size = search.max_results or MAX_IDS
                    return [paper_from_result(r) for r in self._client.results(search)]
            except requests.exceptions.Timeout:
                self._down = Unknown(
                    f"arXiv API did not answer within {self.settings.timeout:g}s",
                    ErrorCode.TIMEOUT,
                )
                return self._down
            except arxiv.HTTPError as exc:
                failure = Unknown(f"arXiv API answered HTTP {exc.status}", ErrorCode.HTTP)
                if exc.status < 500 and exc.status != 429:
                    return failure  # 400: this request is wrong, retrying will not help
            except requests.exceptions.ConnectionError:
                failure = Unknown("arXiv API unreachable", ErrorCode.CONNECT)
            except (requests.RequestException, arxiv.ArxivError) as exc:
                failure = Unknown(f"arXiv API failed: {exc.__class__.__name__}", ErrorCode.HTTP)
            if attempt >= self.settings.max_retries:
                self._down = failure
                return failure
            attempt += 1
            interrupt.sleep(self.settings.retry_backoff * 2 ** (attempt - 1))


def _api_url(url: str, network: Network | None) -> str:
    """``settings.arxiv_api_url``, sent to simweb when the network routes its host there."""
    if network is None:
        return url
    parts = urlsplit(url)
    base = network.direct_bases.get(parts.hostname or "")
    if base is None:
        return url
    target = urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
