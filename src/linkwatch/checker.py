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
import contextlib
import dataclasses
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
from http.cookies import BaseCookie, SimpleCookie
from types import SimpleNamespace, TracebackType
from typing import Any

import aiohttp
from aiohttp.resolver import DefaultResolver
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from . import interrupt
from .config import Settings
from .fetch import Page
from .guard import GuardedResolver, PrivateAddressError, check_host
from .hosts import HostConfig, accepted, host_config
from .models import ErrorCode, LinkResult, Verdict
from .net import Network, proxy_for
from .politeness import Deferred, HostLimiter, Slot, parse_retry_after
from .redirects import CLIENT_REDIRECT_MAX, client_redirect, resolve_location
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
class _Hop:
    """One request (after its retries)."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=CIMultiDict)
    body: bytes = b""
    truncated: bool = False
    attempts: int = 0
    failure: tuple[ErrorCode, str] | None = None
    deferred_until: float | None = None
    cookies: BaseCookie[str] = field(default_factory=SimpleCookie)


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
    if isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy answered CONNECT with an error
        return ErrorCode.CONNECT, f"proxy refused to connect to {host}: {exc.status} {exc.message}"
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        detail = exc.os_error.strerror or str(exc.os_error)
        return ErrorCode.CONNECT, f"cannot connect to the proxy for {host}: {detail}"
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
    return status == 429 or (500 <= status < 600 and status != 501)  # not 999 and the like


class Engine:
    """The HTTP engine; use as ``async with Engine(settings, network) as engine``."""

    def __init__(self, settings: Settings, network: Network) -> None:
        self.settings = settings
        self.network = network
        self.limiter = HostLimiter(
            settings.per_host, settings.host_spacing, settings.concurrency, limits=self._limits
        )
        # (ETag, Last-Modified) per URL from the previous run: sent as conditional headers
        self.validators: dict[str, Validators] = {}
        # URLs that failed or moved last run: one GET settles them where HEAD would need
        # a confirming GET (dead) or a second walk of the chain (redirect)
        self.get_first: set[str] = set()
        # permanent redirects of the last run whose target was verified within the alive
        # TTL: one request confirms the first hop still points at the same place
        self.known_redirects: dict[str, LinkResult] = {}
        # timeout retries spent per host this run: a host that keeps timing out stops
        # getting second chances, so it cannot hold the run for retries × timeout per link
        self._timeout_retries: defaultdict[str, int] = defaultdict(int)
        self._session: aiohttp.ClientSession | None = None
        # through a proxy, aiohttp resolves only the proxy: target hosts are judged here
        self._target_guard: GuardedResolver | None = None
        self._judged: dict[str, PrivateAddressError | None] = {}

    def host(self, host: str) -> HostConfig | None:
        """The ``[hosts."…"]`` table that applies to ``host``, if any."""
        return host_config(self.settings.hosts, host) if self.settings.hosts else None

    def accept_codes(self, url: str) -> frozenset[int]:
        """Statuses the user accepts as alive for ``url`` (``accept``, globally and per host)."""
        own = self.host(_host_key(url))
        return self.settings.accept | own.accept if own else self.settings.accept

    def _limits(self, host: str) -> tuple[int | None, float | None]:
        own = self.host(host)
        return (own.per_host, own.spacing) if own else (None, None)

    async def __aenter__(self) -> Engine:
        s = self.settings
        connector = self.network.connector(
            limit=s.concurrency,
            private_guard=not s.allow_private,
            # long enough to reuse a connection between spaced requests, short enough
            # that finished hosts do not keep theirs (each TLS connection costs ~256 KB)
            keepalive_timeout=KEEPALIVE + 2 * s.host_spacing,
        )
        if not s.allow_private:
            inner = self.network.resolver_factory or DefaultResolver
            self._target_guard = GuardedResolver(inner(), self.network.public_stand_ins)
        tracing = aiohttp.TraceConfig()
        tracing.on_request_headers_sent.append(_mark_sent)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": s.user_agent, "Accept": ACCEPT},
            timeout=aiohttp.ClientTimeout(total=s.timeout, sock_connect=s.connect_timeout),
            auto_decompress=True,
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies live in one fetch's own jar
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
        if self._target_guard is not None:
            await self._target_guard.close()

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
        if codes := self.accept_codes(url):
            result = accepted(result, codes)
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
        redirect responses' bodies are never read; with ``read_body=HTML_ONLY`` the body
        is read only when the answer is HTML (a GET that may meet a PDF costs no more than
        a HEAD). Following redirects includes the client-side ones of small HTML pages
        (``redirects.client_redirect``); both count toward ``max_redirects``. Cookies set
        along the chain are sent back along it (one jar per fetch, never shared between
        links), so a server that answers 302 + Set-Cookie to itself until the cookie comes
        back is no loop: a loop is the same URL asked again with the same cookies.
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
        jar = aiohttp.CookieJar(unsafe=True)
        current, current_method = url, method
        visited: set[tuple[str, str]] = set()
        own = self.host(_host_key(url))
        max_redirects = (
            own.max_redirects if own and own.max_redirects is not None else s.max_redirects
        )
        for hop_number in range(max_redirects + 1):
            cookies = _cookie_key(jar, current)
            visited.add((_without_fragment(current), cookies))
            hop = await self._request(current_method, current, hop_headers, read_body, jar)
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
            if not follow_redirects:
                break
            location = hop.headers.get("Location") if hop.status in REDIRECT_STATUSES else None
            client = None if location else _client_redirect(current_method, page, current)
            if not location and client is None:
                break
            if client is not None:
                page.client_redirect, location = client
            assert location is not None
            target, problem = _redirect_target(current, location, jar, visited)
            if problem is not None or hop_number == max_redirects:
                page.failure = (
                    ErrorCode.HTTP,
                    problem or f"too many redirects (more than {max_redirects})",
                )
                break
            assert target is not None
            if hop.status == 303 and current_method != "HEAD":
                current_method = "GET"
            current, hop_headers = target, dict(extra)
        page.final_url = current
        page.elapsed_ms = int((time.monotonic() - started) * 1000)
        return page

    async def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        read_body: bool | str,
        jar: aiohttp.CookieJar | None = None,
    ) -> _Hop:
        """One request with retries, backoff and the host's politeness.

        A HEAD's error status is not retried (only 429/503, the throttling answers): a
        HEAD is a probe, and the generic rule confirms a non-2xx HEAD with a GET, which
        is. A timeout is retried only while the host's share of timeout retries for this
        run (``max_retries`` in all) lasts, and never once the response head had arrived:
        a body trickling in will trickle again.
        """
        s = self.settings
        host = (URL(url).host or "").lower()
        if not s.allow_private and (private := await self._judge(host, url)) is not None:
            return _Hop(failure=describe_error(private, host, s))
        cookies = jar.filter_cookies(URL(url)) if jar is not None else None
        own = self.host(host)
        told = dataclasses.replace(s, timeout=own.timeout) if own and own.timeout else s
        last: _Hop | None = None
        attempt = 0
        while True:
            attempt += 1
            answered: list[int] = []  # the status, once the response head is in
            try:
                async with self.limiter.slot(host, max_wait=s.retry_after_cap) as slot:
                    async with asyncio.timeout(told.timeout):  # connect + head + body
                        hop = await self._once(
                            method, url, headers, read_body, slot, answered, cookies
                        )
                if jar is not None:
                    jar.update_cookies(hop.cookies, URL(url))
            except Deferred as deferred:
                wait = deferred.until - time.monotonic()
                if last is None:
                    reason = f"rate limited: {host} asks to wait {wait:.0f} s"
                    last = _Hop(failure=(ErrorCode.RATE_LIMITED, reason))
                last.deferred_until = deferred.until
                return last
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                code, reason = describe_error(exc, host, told)  # the timeout this host had
                if code is ErrorCode.TIMEOUT and answered:
                    reason = f"{reason}: the body of the {answered[0]} answer came too slowly"
                retry = _retryable_error(exc, code) and not answered
                if retry and code is ErrorCode.TIMEOUT and attempt <= s.max_retries:
                    if self._timeout_retries[host] < s.max_retries:
                        self._timeout_retries[host] += 1
                    else:
                        retry = False
                        reason += f" (not retried: {host} keeps timing out this run)"
                hop = _Hop(failure=(code, reason), attempts=attempt)
                pause = None
            else:
                hop.attempts = attempt
                status = hop.status or 0
                retry = _retryable_status(status) and (method != "HEAD" or status in (429, 503))
                retry = retry and status not in self.accept_codes(url)  # accepted: settled
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

    async def _judge(self, host: str, url: str) -> PrivateAddressError | None:
        """The private-address verdict on ``host``: IP literals always; names only when a
        proxy will connect for us (directly, the guarded resolver of the connection does
        it). A name that does not resolve here is left to the proxy to resolve."""
        if (private := check_host(host)) is not None or proxy_for(url) is None:
            return private
        if host not in self._judged and self._target_guard is not None:
            try:
                await self._target_guard.resolve(host)
                self._judged[host] = None
            except PrivateAddressError as exc:
                self._judged[host] = exc
            except OSError:
                self._judged[host] = None
        return self._judged.get(host)

    async def _once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        read_body: bool | str,
        slot: Slot,
        answered: list[int],
        cookies: BaseCookie[str] | None = None,
    ) -> _Hop:
        assert self._session is not None, "use Engine as an async context manager"
        if interrupt.requested():  # a stop signal: no request starts after it
            raise asyncio.CancelledError
        extra: dict[str, Any] = {}
        if (own := self.host(_host_key(url))) is not None:
            headers = {**own.headers, **headers}
            if own.user_agent:
                headers["User-Agent"] = own.user_agent
            if own.timeout is not None:
                extra["timeout"] = aiohttp.ClientTimeout(
                    total=own.timeout, sock_connect=min(own.timeout, self.settings.connect_timeout)
                )
        async with self._session.request(
            method,
            url,
            headers=headers,
            cookies=cookies,
            allow_redirects=False,
            proxy=proxy_for(url),
            trace_request_ctx={"slot": slot},
            **extra,
        ) as resp:
            answered.append(resp.status)
            hop = _Hop(status=resp.status, headers=CIMultiDictProxy(CIMultiDict(resp.headers)))
            hop.cookies = resp.cookies
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


def _cookie_key(jar: aiohttp.CookieJar, url: str) -> str:
    """The cookies a request to ``url`` carries, as a comparable string."""
    sent = jar.filter_cookies(URL(url))
    return "; ".join(sorted(f"{name}={morsel.value}" for name, morsel in sent.items()))


def _client_redirect(method: str, page: Page, current: str) -> tuple[str, str] | None:
    """``(kind, target)`` of a client-side redirect on a small 2xx HTML page, read fully;
    a refresh to the page itself is a reload, not a redirect."""
    if method == "HEAD" or page.status is None or not 200 <= page.status < 300:
        return None
    if page.truncated or len(page.body) > CLIENT_REDIRECT_MAX:
        return None
    if "html" not in page.headers.get("Content-Type", "").lower():
        return None
    found = client_redirect(page.text)
    if found is not None:
        with contextlib.suppress(ValueError, TypeError):
            if str(resolve_location(current, found[1]).with_fragment(None)) == (
                _without_fragment(current)
            ):
                return None
    return found


def _redirect_target(
    current: str, location: str, jar: aiohttp.CookieJar, visited: set[tuple[str, str]]
) -> tuple[str | None, str | None]:
    """The absolute next URL, or the reason the chain stops (loop, bad Location)."""
    try:
        target = resolve_location(current, location)
    except (ValueError, TypeError):
        return None, f"redirect to an invalid URL: {location}"
    if target.scheme not in ("http", "https") or not target.host:
        return None, f"redirect to a non-HTTP URL: {location}"
    text = str(target.with_fragment(None))
    if (text, _cookie_key(jar, text)) in visited:
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
    key: str = ""
    urls: deque[str] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


class CheckQueue:
    """The run's page checks: per-host queues over one engine, open for new links until
    ``join`` returns, so links the APIs could not settle join while pages are checked.

    Each host gets ``per_host`` workers (its ``[hosts]`` setting, else the run's) over its
    own queue, so a throttled host only slows its own links. Hosts are started busiest
    first (the busiest host's requests × spacing bounds the run) and at most
    ``concurrency`` at a time, which bounds the open connections. A link whose host asked
    for a pause beyond the cap is checked again once the pause is over (if that is within
    ``MAX_DEFER`` and the deadline).

    ``deadline`` (``time.monotonic()``) stops *starting* checks; checks in flight then
    finish (each is bounded by its timeouts × attempts), so a link that needs a full
    check is judged on the night it is reached, never cancelled for ever. Under a
    deadline hosts go stalest first (the order links are added in) and the stalest link
    starts whatever the time, so every night makes progress. Links not started are absent.
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
        self._first: str | None = None  # the stalest link: it starts even past the deadline
        self._tasks: set[asyncio.Task[None]] = set()
        self._open_hosts = asyncio.Semaphore(max(1, engine.settings.concurrency))
        self._failure: BaseException | None = None
        self.added = 0
        self.finished = 0

    def add(self, urls: Iterable[str]) -> None:
        """Queue URLs not queued before; new hosts start at once (busiest first, or
        stalest first under a deadline)."""
        fresh: dict[str, list[str]] = defaultdict(list)
        for url in urls:
            if url not in self._seen:
                self._seen.add(url)
                self._first = self._first or url
                fresh[_host_key(url)].append(url)
        batches = list(fresh.items())  # insertion order: the stalest host first
        if self.deadline is None:
            batches.sort(key=lambda item: len(item[1]), reverse=True)
        for key, batch in batches:
            state = self._hosts.get(key)
            if state is None:
                state = self._hosts[key] = _HostQueue(key)
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

    def _in_time(self) -> bool:
        return self.deadline is None or time.monotonic() < self.deadline

    async def _host(self, state: _HostQueue) -> None:
        own = self.engine.host(state.key)
        per_host = own.per_host if own and own.per_host else self.engine.settings.per_host
        async with self._open_hosts:
            while state.urls and (self._in_time() or state.urls[0] == self._first):
                # links added while the workers ran are picked up too
                first = state.urls[0] == self._first
                workers = min(len(state.urls), per_host)
                await asyncio.gather(
                    *(self._worker(state, first and i == 0) for i in range(workers))
                )

    async def _worker(self, state: _HostQueue, first: bool) -> None:
        while state.urls and (first or self._in_time()):
            first = False
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
        """Wait until every queued link is checked, or, past the deadline, until the checks
        in flight finish. A safety net only cancels what still runs a full check's time
        (timeout × attempts, twice, plus the Retry-After cap) after the deadline."""
        s = self.engine.settings
        cutoff = None
        if self.deadline is not None:
            cutoff = self.deadline + 2 * s.timeout * (s.max_retries + 1) + s.retry_after_cap
        try:
            while self._tasks and self._failure is None:
                wait = None if cutoff is None else cutoff - time.monotonic()
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
