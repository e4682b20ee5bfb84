"""The HTTP engine: one aiohttp session, politeness, retries, manual redirects, body cap.

``Engine.fetch`` does the network work and never raises for network trouble: a
``Page`` carries either a response or the mapped ``(ErrorCode, reason)``. Turning a
page into a verdict is the job of the site rules (``linkwatch.sites``); the generic
rule does HEAD→GET. ``CheckQueue`` runs a run's links with per-host workers so a
slow or throttled host never stalls the others, and takes more links while it runs;
``check_urls`` is the one-shot form with an engine of its own.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
import socket
import ssl
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace, TracebackType
from typing import Any

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .config import Settings
from .guard import PrivateAddressError, check_host
from .models import ErrorCode, LinkResult, Verdict
from .net import Network
from .politeness import Deferred, HostLimiter, Slot, parse_retry_after
from .sites import rule_for
from .urls import classify

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MAX_DEFER = 600.0  # a host asking for a longer pause is rate limiting us for this run
MAX_DEFERRALS = 2  # times one link is put back in the queue after a long Retry-After
_CHUNK = 64 * 1024
KEEPALIVE = 1.0  # seconds an idle connection is kept, plus twice the host spacing
_DRAIN_LIMIT = 64 * 1024  # unwanted bodies up to this size are read to reuse the connection

HTML_ONLY = "html"  # ``fetch(read_body=HTML_ONLY)``: read the body only of an HTML answer

Validators = tuple[str | None, str | None]  # (ETag, Last-Modified) of the last check
_deferrals: ContextVar[list[float] | None] = ContextVar("linkwatch_deferrals", default=None)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Page:
    """One fetch: the last response of the redirect chain, or why there is none.

    ``chain`` has one ``(status, url)`` per request made, so ``chain[0][0]`` is the
    first hop's status and ``chain[-1]`` the final response. ``deferred_until``
    (monotonic) is set when the host asked for a pause longer than
    ``Settings.retry_after_cap``: the run checks the link again later.
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

    @property
    def text(self) -> str:
        """The body decoded with the charset the server declared (UTF-8 otherwise)."""
        charset = "utf-8"
        for part in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass(slots=True)
class _Hop:
    """One request (after its retries)."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=CIMultiDict)
    body: bytes = b""
    truncated: bool = False
    attempts: int = 0
    failure: tuple[ErrorCode, str] | None = None
    deferred_until: float | None = None


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """``exc`` or an exception it wraps (``os_error``, ``__cause__``, ``__context__``)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        todo += [getattr(current, "os_error", None), current.__cause__, current.__context__]
    return None


def _dns_reason(exc: OSError) -> str:
    if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
        return "no such host (NXDOMAIN)"
    return exc.strerror or str(exc) or "lookup failed"


def describe_error(exc: BaseException, host: str, settings: Settings) -> tuple[ErrorCode, str]:
    """Every exception of a request → ``(ErrorCode, one human line)``. The only such mapping."""
    private = _find(exc, PrivateAddressError)
    if isinstance(private, PrivateAddressError):
        return ErrorCode.PRIVATE_ADDRESS, private.reason
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert = exc.certificate_error
        detail = getattr(cert, "verify_message", None) or str(cert)
        return ErrorCode.TLS, f"TLS certificate verify failed for {host}: {detail}"
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        ssl_exc = _find(exc, ssl.SSLError)
        detail = getattr(ssl_exc, "reason", None) or str(ssl_exc or exc)
        return ErrorCode.TLS, f"TLS handshake with {host} failed: {detail}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return ErrorCode.DNS, f"cannot resolve {host}: {_dns_reason(exc.os_error)}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return (
            ErrorCode.TIMEOUT,
            f"connecting to {host} timed out after {settings.connect_timeout:g} s",
        )
    if isinstance(exc, asyncio.TimeoutError):
        return ErrorCode.TIMEOUT, f"timed out after {settings.timeout:g} s"
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | ValueError):
        return ErrorCode.INVALID_URL, f"invalid URL: {exc}"
    if isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | ConnectionResetError
    ) or getattr(exc, "errno", None) in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
        return ErrorCode.RESET, f"connection reset by {host}"
    if isinstance(exc, aiohttp.ClientResponseError):  # unparsable response head
        if "too long" in exc.message or "Got more than" in exc.message:
            return ErrorCode.TOO_LARGE, f"response headers from {host} too large"
        return ErrorCode.HTTP, f"invalid HTTP response from {host}: {exc.message}"
    if isinstance(exc, OSError):
        os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
        if os_error.errno == errno.ECONNREFUSED:
            return ErrorCode.CONNECT, f"connection refused by {host}"
        if os_error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return ErrorCode.CONNECT, f"network unreachable: cannot reach {host}"
        detail = os_error.strerror or str(os_error) or type(os_error).__name__
        return ErrorCode.CONNECT, f"cannot connect to {host}: {detail}"
    return ErrorCode.CONNECT, f"cannot connect to {host}: {type(exc).__name__} {exc}".strip()


def _retryable_error(exc: BaseException, code: ErrorCode) -> bool:
    """Timeouts, connect errors and resets are worth another try; a missing name is not."""
    if code is ErrorCode.DNS:
        return isinstance(exc, aiohttp.ClientConnectorDNSError) and (
            exc.os_error.errno == socket.EAI_AGAIN
        )
    return code in (ErrorCode.TIMEOUT, ErrorCode.CONNECT, ErrorCode.RESET)


def _retryable_status(status: int) -> bool:
    return status == 429 or (status >= 500 and status != 501)


class Engine:
    """The HTTP engine; use as ``async with Engine(settings, network) as engine``."""

    def __init__(self, settings: Settings, network: Network) -> None:
        self.settings = settings
        self.network = network
        self.limiter = HostLimiter(settings.per_host, settings.host_spacing, settings.concurrency)
        # (ETag, Last-Modified) per URL from the previous run: sent as conditional headers
        self.validators: dict[str, Validators] = {}
        # URLs that failed or moved last run: one GET settles them where HEAD would need
        # a confirming GET (dead) or a second walk of the chain (redirect)
        self.get_first: set[str] = set()
        # permanent redirects of the last run whose target was verified within the alive
        # TTL: one request confirms the first hop still points at the same place
        self.known_redirects: dict[str, LinkResult] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Engine:
        s = self.settings
        connector = self.network.connector(
            limit=s.concurrency,
            private_guard=not s.allow_private,
            # long enough to reuse a connection between spaced requests, short enough
            # that finished hosts do not keep theirs (each TLS connection costs ~256 KB)
            keepalive_timeout=KEEPALIVE + 2 * s.host_spacing,
        )
        tracing = aiohttp.TraceConfig()
        tracing.on_request_headers_sent.append(_mark_sent)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": s.user_agent, "Accept": ACCEPT},
            timeout=aiohttp.ClientTimeout(total=s.timeout, sock_connect=s.connect_timeout),
            auto_decompress=True,
            trace_configs=[tracing],
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- one URL ---------------------------------------------------------------------

    async def check(self, url: str) -> LinkResult:
        """Classify ``url`` (already normalised), run its site rule, time the result."""
        result, _ = await self._check(url)
        return result

    async def _check(self, url: str) -> tuple[LinkResult, float | None]:
        """The result and, if the host asked for a long pause, when to try again."""
        started = time.monotonic()
        checked_at = utc_now()
        deferrals: list[float] = []
        token = _deferrals.set(deferrals)
        try:
            result = await self._run_rule(url)
        finally:
            _deferrals.reset(token)
        result.url = url
        result.checked_at = result.checked_at or checked_at
        result.duration_ms = int((time.monotonic() - started) * 1000)
        if result.status == 304:
            etag, last_modified = self.validators.get(url, (None, None))
            result.etag = result.etag or etag
            result.last_modified = result.last_modified or last_modified
        return result, max(deferrals) if deferrals else None

    async def _run_rule(self, url: str) -> LinkResult:
        try:
            parsed = URL(url)
            info = classify(url)
        except (ValueError, TypeError) as exc:
            return LinkResult(
                url, Verdict.DEAD, error=ErrorCode.INVALID_URL, reason=f"invalid URL: {exc}"
            )
        if parsed.scheme not in ("http", "https"):
            scheme = parsed.scheme or "no scheme"
            return LinkResult(url, Verdict.EXCLUDED, reason=f"not an http(s) link ({scheme})")
        if not parsed.host:
            return LinkResult(
                url, Verdict.DEAD, error=ErrorCode.INVALID_URL, reason="invalid URL: no host"
            )
        rule = rule_for(info)
        try:
            return await rule.check(info, self)
        except Exception as exc:  # a broken site rule must not sink the whole run
            log.exception("site rule %s failed on %s", rule.name, url)
            return LinkResult(
                url, Verdict.UNVERIFIABLE, reason=f"internal error in {rule.name} rule: {exc}"
            )

    # -- fetching --------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        read_body: bool | str = True,
        follow_redirects: bool = True,
    ) -> Page:
        """Request ``url`` politely, with retries and manual redirects; never raises for the net.

        The body of a GET is read up to ``Settings.body_cap`` (``truncated`` tells);
        with ``read_body=HTML_ONLY`` only when the answer is HTML (a GET that may meet a
        PDF costs no more than a HEAD). Redirect responses' bodies are never read.
        """
        started = time.monotonic()
        s = self.settings
        page = Page(url=url, method=method)
        extra = dict(headers or {})
        etag, last_modified = self.validators.get(url, (None, None))
        hop_headers = dict(extra)
        if etag:
            hop_headers["If-None-Match"] = etag
        if last_modified:
            hop_headers["If-Modified-Since"] = last_modified
        current, current_method = url, method
        visited = {_without_fragment(url)}
        for hop_number in range(s.max_redirects + 1):
            hop = await self._request(current_method, current, hop_headers, read_body)
            page.attempts = hop.attempts
            page.deferred_until = hop.deferred_until
            if hop.deferred_until is not None and (box := _deferrals.get()) is not None:
                box.append(hop.deferred_until)
            if hop.failure is not None and hop.status is None:
                page.failure = hop.failure
                break
            assert hop.status is not None
            page.status, page.headers = hop.status, hop.headers
            page.body, page.truncated = hop.body, hop.truncated
            page.chain.append((hop.status, current))
            location = hop.headers.get("Location")
            if not follow_redirects or hop.status not in REDIRECT_STATUSES or not location:
                break
            target, problem = _redirect_target(current, location, visited, s.max_redirects)
            if problem is not None or hop_number == s.max_redirects:
                page.failure = (
                    ErrorCode.HTTP,
                    problem or f"too many redirects (more than {s.max_redirects})",
                )
                break
            assert target is not None
            visited.add(_without_fragment(target))
            if hop.status == 303 and current_method != "HEAD":
                current_method = "GET"
            current, hop_headers = target, dict(extra)
        page.final_url = current
        page.elapsed_ms = int((time.monotonic() - started) * 1000)
        return page

    async def _request(
        self, method: str, url: str, headers: dict[str, str], read_body: bool | str
    ) -> _Hop:
        """One request with retries, backoff and the host's politeness."""
        s = self.settings
        host = (URL(url).host or "").lower()
        if not s.allow_private and (private := check_host(host)) is not None:
            return _Hop(failure=describe_error(private, host, s))
        last: _Hop | None = None
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.limiter.slot(host, max_wait=s.retry_after_cap) as slot:
                    hop = await self._once(method, url, headers, read_body, slot)
            except Deferred as deferred:
                wait = deferred.until - time.monotonic()
                if last is None:
                    reason = f"rate limited: {host} asks to wait {wait:.0f} s"
                    last = _Hop(failure=(ErrorCode.RATE_LIMITED, reason))
                last.deferred_until = deferred.until
                return last
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                code, reason = describe_error(exc, host, s)
                hop = _Hop(failure=(code, reason), attempts=attempt)
                retry = _retryable_error(exc, code)
                pause = None
            else:
                hop.attempts = attempt
                retry = _retryable_status(hop.status or 0)
                pause = None
                if hop.status in (429, 503):
                    pause = parse_retry_after(hop.headers.get("Retry-After"))
                    if pause is not None:
                        self.limiter.penalize(host, pause)
                    else:
                        self.limiter.slow_down(host)
                elif hop.status is not None and hop.status < 400:
                    self.limiter.recover(host)
            last = hop
            if not retry or attempt > s.max_retries:
                return hop
            if pause is None:  # a Retry-After pause is enforced by the limiter instead
                await asyncio.sleep(s.retry_backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))

    async def _once(
        self, method: str, url: str, headers: dict[str, str], read_body: bool | str, slot: Slot
    ) -> _Hop:
        assert self._session is not None, "use Engine as an async context manager"
        async with self._session.request(
            method, url, headers=headers, allow_redirects=False, trace_request_ctx={"slot": slot}
        ) as resp:
            hop = _Hop(status=resp.status, headers=CIMultiDictProxy(CIMultiDict(resp.headers)))
            wants_body = read_body and method != "HEAD" and resp.status not in REDIRECT_STATUSES
            if read_body == HTML_ONLY:
                wants_body = wants_body and "html" in resp.headers.get("Content-Type", "html")
            if wants_body:
                hop.body, hop.truncated = await _read_capped(resp, self.settings.body_cap)
            elif method != "HEAD" and 0 <= (resp.content_length or -1) <= _DRAIN_LIMIT:
                await resp.read()  # a short unwanted body: drain it to keep the connection
            if not resp.content.at_eof():
                resp.close()  # never drain a long or capped body: drop the connection instead
            return hop


async def _mark_sent(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceRequestHeadersSentParams,
) -> None:
    """The request head is on the wire: the host's spacing counts from now."""
    context.trace_request_ctx["slot"].sent()


async def _read_capped(resp: aiohttp.ClientResponse, cap: int) -> tuple[bytes, bool]:
    """At most ``cap`` bytes of the body, and whether more was left unread."""
    buf = bytearray()
    while len(buf) < cap:
        chunk = await resp.content.read(min(_CHUNK, cap - len(buf)))
        if not chunk:
            return bytes(buf), False
        buf += chunk
    return bytes(buf), not resp.content.at_eof()


def _without_fragment(url: str) -> str:
    return str(URL(url).with_fragment(None))


def _redirect_target(
    current: str, location: str, visited: set[str], limit: int
) -> tuple[str | None, str | None]:
    """The absolute next URL, or the reason the chain stops (loop, bad Location)."""
    try:
        target = URL(current).join(URL(location))
    except (ValueError, TypeError):
        return None, f"redirect to an invalid URL: {location}"
    if target.scheme not in ("http", "https") or not target.host:
        return None, f"redirect to a non-HTTP URL: {location}"
    text = str(target.with_fragment(None))
    if text in visited:
        return None, f"redirect loop: {current} → {text}"
    return str(target), None


async def check_urls(
    urls: Iterable[str],
    settings: Settings,
    network: Network,
    on_result: Callable[[LinkResult], None] | None = None,
    deadline: float | None = None,
    validators: Mapping[str, Validators] | None = None,
    get_first: Iterable[str] = (),
    known_redirects: Mapping[str, LinkResult] | None = None,
) -> list[LinkResult]:
    """Check every distinct URL with an engine of its own; results in input order.

    A whole run shares one engine and one ``CheckQueue`` instead (see ``pipeline``).
    ``deadline`` (``time.monotonic()``) stops the run: unfinished links are absent.
    """
    distinct = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}

    def finish(result: LinkResult) -> None:
        results[result.url] = result
        if on_result is not None:
            on_result(result)

    async with Engine(settings, network) as engine:
        engine.validators.update(validators or {})
        engine.get_first.update(get_first)
        engine.known_redirects.update(known_redirects or {})
        queue = CheckQueue(engine, finish, deadline)
        queue.add(distinct)
        await queue.join()
    return [results[url] for url in distinct if url in results]


@dataclass(slots=True)
class _HostQueue:
    urls: deque[str] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


class CheckQueue:
    """The run's page checks: per-host queues over one engine, open for new links until
    ``join`` returns, so links the APIs could not settle join while pages are checked.

    Each host gets ``per_host`` workers over its own queue, so a throttled host only
    slows its own links. Hosts are started busiest first (the busiest host's requests ×
    spacing bounds the run) and at most ``concurrency`` at a time, which bounds the open
    connections. A link whose host asked for a pause beyond the cap is checked
    again once the pause is over (if that is within ``MAX_DEFER`` and the deadline).
    At ``deadline`` (``time.monotonic()``) unfinished checks are cancelled.
    """

    def __init__(
        self,
        engine: Engine,
        on_result: Callable[[LinkResult], None],
        deadline: float | None = None,
    ) -> None:
        self.engine = engine
        self.on_result = on_result
        self.deadline = deadline
        self._hosts: dict[str, _HostQueue] = {}
        self._seen: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._open_hosts = asyncio.Semaphore(max(1, engine.settings.concurrency))
        self._failure: BaseException | None = None
        self.added = 0
        self.finished = 0

    def add(self, urls: Iterable[str]) -> None:
        """Queue URLs not queued before; new hosts start at once, busiest first."""
        fresh: dict[str, list[str]] = defaultdict(list)
        for url in urls:
            if url not in self._seen:
                self._seen.add(url)
                fresh[_host_key(url)].append(url)
        for key, batch in sorted(fresh.items(), key=lambda item: len(item[1]), reverse=True):
            state = self._hosts.get(key)
            if state is None:
                state = self._hosts[key] = _HostQueue()
            state.urls.extend(batch)
            self.added += len(batch)
            if state.task is None or state.task.done():
                state.task = self._spawn(self._host(state))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and self._failure is None:
            self._failure = task.exception()

    async def _host(self, state: _HostQueue) -> None:
        async with self._open_hosts:
            while state.urls:  # links added while the workers ran are picked up too
                workers = min(len(state.urls), self.engine.settings.per_host)
                await asyncio.gather(*(self._worker(state) for _ in range(workers)))

    async def _worker(self, state: _HostQueue) -> None:
        while state.urls:
            await self._run(state.urls.popleft())

    async def _run(self, url: str, deferrals: int = 0) -> None:
        result, until = await self.engine._check(url)
        now = time.monotonic()
        if (
            until is not None
            and deferrals < MAX_DEFERRALS
            and until - now <= MAX_DEFER
            and (self.deadline is None or until < self.deadline)
        ):
            log.info("%s deferred for %.0f s (Retry-After)", url, until - now)
            self._spawn(self._later(url, until, deferrals + 1))
        else:
            self.finished += 1
            self.on_result(result)

    async def _later(self, url: str, until: float, deferrals: int) -> None:
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        await self._run(url, deferrals)

    async def join(self) -> None:
        """Wait until every queued link is checked (or the deadline passed)."""
        try:
            while self._tasks and self._failure is None:
                wait = None if self.deadline is None else self.deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    break
                await asyncio.wait(
                    set(self._tasks), timeout=wait, return_when=asyncio.FIRST_EXCEPTION
                )
        finally:
            await self.cancel()
        if self._failure is not None:
            raise self._failure
        if self.finished < self.added:
            log.warning("deadline reached: %d of %d links checked", self.finished, self.added)

    async def cancel(self) -> None:
        """Stop every check in progress (an API failed, Ctrl-C); what finished stays."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


def _host_key(url: str) -> str:
    try:
        return (URL(url).host or "").lower()
    except (ValueError, TypeError):
        return ""
