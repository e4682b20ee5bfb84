"""What one simulated URL does when asked: the faults real sites show a link checker.

A behaviour is an async callable ``(request, state) -> StreamResponse``. ``state`` is
the per-route ``RouteState`` (how many requests this route has seen, when the first
came), so stateful faults (flaky, 429 until a deadline, sequences) need no globals.
Wrappers hand the wrapped behaviour a child state through ``run``.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import math
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import CIMultiDict


@dataclass
class RouteState:
    """Memory of one route (or one path under a host default) across requests."""

    count: int = 0  # requests seen so far, the current one included
    first_at: float | None = None  # time.monotonic() of the first request
    data: dict[str, Any] = field(default_factory=dict)
    children: dict[int, RouteState] = field(default_factory=dict)

    def child(self, key: int) -> RouteState:
        return self.children.setdefault(key, RouteState())


Behaviour = Callable[[web.Request, RouteState], Awaitable[web.StreamResponse]]


@dataclass
class Record:
    """One request as the server saw it (status/bytes_sent filled in when answered)."""

    t: float  # time.monotonic() at arrival
    method: str
    scheme: str
    host: str
    path: str
    query: str
    headers: CIMultiDict[str]
    status: int | None = None  # None: no answer (hang, reset, client gone)
    bytes_sent: int = 0


RECORD_KEY = web.RequestKey("simweb.record", Record)


async def run(behaviour: Behaviour, request: web.Request, state: RouteState) -> web.StreamResponse:
    """Count the request in ``state`` and let ``behaviour`` answer it."""
    state.count += 1
    if state.first_at is None:
        state.first_at = time.monotonic()
    return await behaviour(request, state)


def add_sent(request: web.Request, n: int) -> None:
    """Account ``n`` body bytes written by a streaming behaviour in the request log."""
    record = request.get(RECORD_KEY)
    if record is not None:
        record.bytes_sent += n


def html_page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body><h1>{escape(title)}</h1>\n{body}\n"
        "</body></html>\n"
    )


def pdf_bytes(title: str) -> bytes:
    """A small but well-formed one-page PDF (valid xref), so sniffers accept it."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + text.encode("latin-1", "replace") + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@dataclass(frozen=True)
class Ok:
    """200 with an HTML page titled ``title``; a path ending ``.pdf`` gets a real PDF."""

    title: str = "Simulated page"
    body: str | bytes | None = None
    content_type: str | None = None

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        if self.content_type is not None:
            data = self.body if self.body is not None else b""
            raw = data.encode() if isinstance(data, str) else data
            return web.Response(body=raw, content_type=self.content_type)
        if request.path.lower().endswith(".pdf"):
            return web.Response(body=pdf_bytes(self.title), content_type="application/pdf")
        body = self.body if self.body is not None else "<p>This page exists.</p>"
        text = body.decode() if isinstance(body, bytes) else body
        return web.Response(text=html_page(self.title, text), content_type="text/html")


@dataclass(frozen=True)
class Html:
    """A raw HTML document with any status (site error pages, soft 404s)."""

    body: str
    status: int = 200
    headers: Mapping[str, str] | None = None

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        return web.Response(
            text=self.body, status=self.status, headers=self.headers, content_type="text/html"
        )


@dataclass(frozen=True)
class Json:
    """A JSON document (API answers)."""

    obj: Any
    status: int = 200
    headers: Mapping[str, str] | None = None

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        return web.Response(
            text=jsonlib.dumps(self.obj, ensure_ascii=False),
            status=self.status,
            headers=self.headers,
            content_type="application/json",
        )


@dataclass(frozen=True)
class Status:
    """Any status code with an optional plain-text body and headers."""

    code: int
    body: str = ""
    headers: Mapping[str, str] | None = None

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        return web.Response(status=self.code, text=self.body, headers=self.headers)


def not_found() -> Html:
    return Html(html_page("404 Not Found", "<p>The requested URL was not found.</p>"), 404)


def gone() -> Html:
    return Html(html_page("410 Gone", "<p>This resource has been removed.</p>"), 410)


def server_error(code: int = 500) -> Html:
    return Html(html_page(f"{code} Server Error", "<p>Something went wrong.</p>"), code)


REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Redirect:
    """A redirect to ``to`` (absolute or relative, sent verbatim as Location)."""

    code: int
    to: str

    def __post_init__(self) -> None:
        if self.code not in REDIRECT_CODES:
            raise ValueError(f"not a redirect status: {self.code}")

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        return web.Response(
            status=self.code, headers={"Location": self.to}, text=f"Redirecting to {self.to}\n"
        )


@dataclass(frozen=True)
class HeadNotAllowed:
    """405 to HEAD (many servers), ``then`` to every other method."""

    then: Behaviour = field(default_factory=Ok)

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        if request.method == "HEAD":
            return web.Response(status=405, headers={"Allow": "GET"})
        return await run(self.then, request, state.child(0))


@dataclass(frozen=True)
class HeadWrong:
    """HEAD lies with ``code`` (404/403) while GET works: why checkers must fall back."""

    code: int = 404
    then: Behaviour = field(default_factory=Ok)

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        if request.method == "HEAD":
            return web.Response(status=self.code)
        return await run(self.then, request, state.child(0))


def _own_url(request: web.Request) -> str:
    """The URL the client asked for, as it wrote it (scheme, Host header, raw path)."""
    return f"{'https' if request.secure else 'http'}://{request.host}{request.raw_path}"


def _cookie_header(request: web.Request, name: str, value: str) -> str:
    """A session cookie the way Java/PHP servers set one (``Secure`` only over TLS)."""
    secure = "; Secure; SameSite=None" if request.secure else ""
    return f"{name}={value}; Path=/; HttpOnly{secure}"


_NO_STORE = "no-cache, no-store, must-revalidate"


@dataclass(frozen=True)
class CookieGate:
    """No session cookie → 302 + ``Set-Cookie`` until the cookie comes back, then ``then``.

    Alone, the 302 points back at the same URL (publishers and university CMSs, load
    balancers' persistence cookies). With ``via`` (an identity host's URL, served by
    ``IdentityHop``), the visitor is first sent there with ``?return=<this URL>``; it
    comes back with ``?ticket=…``, which the gate swaps for its cookie with one more
    302 to the clean URL. ``sticky=False`` sets a new cookie every time and never
    accepts one: the loop that never ends.
    """

    then: Behaviour = field(default_factory=Ok)
    cookie: str = "JSESSIONID"
    via: str | None = None
    sticky: bool = True

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        if self.sticky and request.cookies.get(self.cookie) == "s3ss10n":
            return await run(self.then, request, state.child(0))
        own = _own_url(request)
        value = "s3ss10n" if self.sticky else f"s{state.count}"
        location = own
        if "ticket" in request.query:  # back from the identity host: the ticket → a cookie
            location = own.split("?", 1)[0]
        elif self.via is not None:
            location = f"{self.via}?return={quote(own, safe='')}"
            return web.Response(
                status=302,
                headers={"Location": location, "Cache-Control": _NO_STORE},
                text="",
            )
        headers = CIMultiDict(
            {"Location": location, "Cache-Control": _NO_STORE, "Content-Type": "text/html"}
        )
        headers.add("Set-Cookie", _cookie_header(request, self.cookie, value))
        return web.Response(status=302, headers=headers, text="")


@dataclass(frozen=True)
class IdentityHop:
    """An identity host's cookie check and hand-back (CAS, Shibboleth, a publisher's
    shared login domain): first visit → its own cookie and a 302 to itself; with the
    cookie → 302 to ``return`` with a ``ticket``, no login asked (anonymous access)."""

    cookie: str = "idp_session"

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        back = request.query.get("return")
        if back is None:
            return web.Response(status=400, text="missing return parameter")
        headers = CIMultiDict({"Cache-Control": _NO_STORE})
        if request.cookies.get(self.cookie) != "anon":
            headers["Location"] = _own_url(request)
            headers.add("Set-Cookie", _cookie_header(request, self.cookie, "anon"))
        else:
            joiner = "&" if "?" in back else "?"
            headers["Location"] = f"{back}{joiner}ticket=ST-1-sim"
        return web.Response(status=302, headers=headers, text="")


@dataclass(frozen=True)
class RequireLogin:
    """302 to the sign-in page with the page to come back to, as Django (``/login?next=``),
    Devise (``/users/sign_in``), an SSO gateway or ``accounts.`` hosts answer anonymous
    visitors. ``login`` is a path or an absolute URL; ``param`` names the return field."""

    login: str = "/accounts/login/"
    param: str = "next"
    code: int = 302

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        back = request.raw_path if self.login.startswith("/") else _own_url(request)
        location = f"{self.login}?{self.param}={quote(back, safe='')}"
        headers = CIMultiDict({"Location": location, "Cache-Control": _NO_STORE})
        headers.add("Set-Cookie", _cookie_header(request, "csrftoken", "c5rf"))
        return web.Response(status=self.code, headers=headers, text="")


def sign_in_page(site: str = "Example") -> Html:
    """The sign-in form a login redirect lands on (200, like every real one)."""
    form = (
        '<form method="post" action=""><input type="hidden" name="csrfmiddlewaretoken" '
        'value="c5rf"><label>Username <input name="username"></label><label>Password '
        '<input type="password" name="password"></label><button type="submit">Sign in'
        "</button></form><p><a href=\"/password_reset/\">Forgot your password?</a></p>"
    )
    return Html(html_page(f"Sign in · {site}", form))


_CLIENT_REDIRECTS = {
    "meta": '<meta http-equiv="refresh" content="{delay}; url={to}">',
    "script": '<script>window.location.href = "{to}";</script>',
    "replace": "<script>location.replace('{to}')</script>",
}


@dataclass(frozen=True)
class ClientRedirect:
    """A 200 stub that redirects in the browser: GitHub Pages' and Jekyll's
    ``redirect_from`` page (meta refresh + a script + a link), or a one-line script."""

    to: str
    style: str = "meta"
    delay: int = 0

    def __post_init__(self) -> None:
        if self.style not in _CLIENT_REDIRECTS:
            raise ValueError(f"unknown client redirect style: {self.style}")

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        to = escape(self.to)
        tag = _CLIENT_REDIRECTS[self.style].format(to=to, delay=self.delay)
        head = f'<meta charset="utf-8"><title>Redirecting&hellip;</title>{tag}'
        if self.style == "meta":
            head += f'<link rel="canonical" href="{to}"><meta name="robots" content="noindex">'
        body = f'<h1>Redirecting&hellip;</h1><a href="{to}">Click here if not redirected.</a>'
        text = f'<!DOCTYPE html>\n<html lang="en"><head>{head}</head><body>{body}</body></html>\n'
        return web.Response(text=text, content_type="text/html")


@dataclass(frozen=True)
class Encoded:
    """An HTML page in a legacy encoding, declared in the header, in ``<meta charset>``,
    in ``<meta http-equiv="Content-Type">`` or nowhere (``declare``)."""

    title: str
    text: str = ""
    charset: str = "gbk"
    declare: str = "meta"
    status: int = 200

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        meta = {
            "meta": f'<meta charset="{self.charset}">',
            "http-equiv": (
                f'<meta http-equiv="Content-Type" content="text/html; charset={self.charset}">'
            ),
        }.get(self.declare, "")
        page = (
            f"<!DOCTYPE html>\n<html><head>{meta}<title>{escape(self.title)}</title></head>\n"
            f"<body><h1>{escape(self.title)}</h1><p>{escape(self.text)}</p></body></html>\n"
        )
        ctype = "text/html" + (f"; charset={self.charset}" if self.declare == "header" else "")
        return web.Response(
            body=page.encode(self.charset), status=self.status, headers={"Content-Type": ctype}
        )


_BOT_WALLS = {
    "cloudflare": (
        "Just a moment...",
        "<p>Checking if the site connection is secure</p>"
        '<div id="challenge-running">Enable JavaScript and cookies to continue</div>'
        '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script>',
        {"Server": "cloudflare", "cf-mitigated": "challenge", "CF-RAY": "8a1b2c3d4e5f6a7b-FRA"},
    ),
    "attention": (
        "Attention Required! | Cloudflare",
        '<div class="cf-wrapper"><h2>Sorry, you have been blocked</h2>'
        "<p>This website is using a security service to protect itself from online "
        "attacks.</p><p>Cloudflare Ray ID: 8a1b2c3d4e5f6a7b</p></div>",
        {"Server": "cloudflare", "CF-RAY": "8a1b2c3d4e5f6a7b-FRA"},
    ),
    "akamai": (
        "Access Denied",
        "<p>You don't have permission to access this resource on this server.</p>"
        "<p>Reference #18.4f2d3517.1732503600.1a2b3c4d</p>",
        {"Server": "AkamaiGHost"},
    ),
    "captcha": (
        "Verify you are human",
        '<form id="captcha-form" action="/captcha"><p>Please complete the security check '
        'to access this page.</p><div class="g-recaptcha" data-sitekey="sim"></div></form>',
        {},
    ),
}


@dataclass(frozen=True)
class BotWall:
    """A challenge/deny page as WAFs send to non-browsers.

    style: cloudflare ("Just a moment..."), attention (Cloudflare block), akamai
    ("Access Denied"), captcha.
    """

    style: str = "cloudflare"
    code: int = 403

    def __post_init__(self) -> None:
        if self.style not in _BOT_WALLS:
            raise ValueError(f"unknown bot wall style: {self.style}")

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        title, body, headers = _BOT_WALLS[self.style]
        return web.Response(
            text=html_page(title, body),
            status=self.code,
            headers=headers,
            content_type="text/html",
        )


@dataclass(frozen=True)
class TooMany:
    """429 with Retry-After until the deadline (counted from the route's first request).

    ``retry_after`` is seconds (number or digit string), an HTTP-date string or a
    datetime; ``as_date`` sends the seconds form as an HTTP-date (rounded up to a whole
    second). Once the deadline has passed, ``then`` answers.
    """

    retry_after: float | str | datetime = 2
    then: Behaviour = field(default_factory=Ok)
    as_date: bool = False

    def _deadline(self, state: RouteState) -> tuple[float, float | None]:
        """(monotonic deadline, wall-clock deadline when sent as a date), fixed on first use."""
        if "deadline" not in state.data:
            now_mono, now_wall = time.monotonic(), time.time()
            wall: float | None
            value = self.retry_after
            if isinstance(value, str) and not value.strip().isdigit():
                value = parsedate_to_datetime(value)
            if isinstance(value, datetime):
                wall = value.timestamp()
            elif self.as_date:
                wall = float(math.ceil(now_wall + float(value)))
            else:
                wall = None
                state.data["deadline"] = (now_mono + float(value), None)
            if wall is not None:
                state.data["deadline"] = (now_mono + (wall - now_wall), wall)
        return state.data["deadline"]

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        deadline, wall = self._deadline(state)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return await run(self.then, request, state.child(0))
        if wall is not None:
            header = format_datetime(datetime.fromtimestamp(wall, UTC), usegmt=True)
        else:
            header = str(max(1, math.ceil(remaining)))
        return web.Response(status=429, headers={"Retry-After": header}, text="Too Many Requests")


async def _abort(request: web.Request) -> web.StreamResponse:
    """Close the connection with a TCP RST and never answer (the handler is cancelled)."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    await asyncio.Future()  # cancelled by the server when it sees the connection gone
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Reset:
    """Accept the request, then reset the connection: the client sees a disconnect."""

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        return await _abort(request)


@dataclass(frozen=True)
class Hang:
    """Never answer (until the client gives up or the server shuts down)."""

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        await asyncio.Future()
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class Flaky:
    """The first ``failures`` requests fail (mode "503" or any status, "reset", "hang")."""

    failures: int = 2
    mode: str = "503"
    then: Behaviour = field(default_factory=Ok)

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        if state.count > self.failures:
            return await run(self.then, request, state.child(0))
        if self.mode == "reset":
            return await _abort(request)
        if self.mode == "hang":
            return await Hang()(request, state)
        code = int(self.mode)
        return web.Response(status=code, text=f"{code} temporary failure")


@dataclass(frozen=True)
class Slow:
    """Delay the whole answer (headers included) by ``delay`` seconds."""

    delay: float
    then: Behaviour = field(default_factory=Ok)

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        await asyncio.sleep(self.delay)
        return await run(self.then, request, state.child(0))


async def _stream(
    request: web.Request,
    content_type: str,
    chunks: Sequence[bytes] | Callable[[], Any],
    *,
    length: int | None,
    delay: float = 0.0,
) -> web.StreamResponse:
    """Stream chunks, counting what was written; stop quietly if the client goes away."""
    transport = request.transport
    if transport is not None:  # keep little in server buffers so bytes_sent stays honest
        transport.set_write_buffer_limits(high=16 * 1024)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
    response = web.StreamResponse(headers={"Content-Type": content_type})
    if length is not None:
        response.content_length = length
    await response.prepare(request)
    record = request.get(RECORD_KEY)
    if record is not None:
        record.status = response.status
    if request.method == "HEAD":
        return response
    try:
        for chunk in chunks() if callable(chunks) else chunks:
            if delay:
                await asyncio.sleep(delay)
            await response.write(chunk)
            add_sent(request, len(chunk))
        await response.write_eof()
    except ConnectionError:
        await asyncio.Future()  # the connection is gone; wait for cancellation
    return response


@dataclass(frozen=True)
class SlowBody:
    """Headers at once, then the HTML body in ``chunks`` pieces, ``chunk_delay`` apart."""

    chunk_delay: float
    chunks: int = 5
    chunk_size: int = 1024
    title: str = "Slow page"

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        head = f"<!DOCTYPE html>\n<html><head><title>{escape(self.title)}</title></head><body>\n"
        pieces = [head.encode()] + [b"x" * self.chunk_size for _ in range(self.chunks)]
        pieces.append(b"\n</body></html>\n")
        total = sum(len(p) for p in pieces)
        return await _stream(
            request, "text/html; charset=utf-8", pieces, length=total, delay=self.chunk_delay
        )


@dataclass(frozen=True)
class Huge:
    """A body of ``size_bytes`` streamed in chunks; the log's bytes_sent says how much left.

    bytes_sent counts what was handed to the socket: what the client read plus what
    sat in buffers when it hung up (server buffers are kept small; the client's own
    make that about +0.5 MB over HTTP and +4 MB over HTTPS on loopback).
    """

    size_bytes: int
    chunk_size: int = 64 * 1024
    content_type: str = "application/octet-stream"
    declare_length: bool = True

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        block = b"\0" * self.chunk_size

        def pieces() -> Any:
            left = self.size_bytes
            while left > 0:
                n = min(left, self.chunk_size)
                yield block if n == self.chunk_size else block[:n]
                left -= n

        length = self.size_bytes if self.declare_length else None
        return await _stream(request, self.content_type, pieces, length=length)


@dataclass(frozen=True)
class Seq:
    """Answer the n-th request with the n-th behaviour; the last one repeats."""

    items: Sequence[Behaviour]

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("sequence needs at least one behaviour")

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        index = min(state.count, len(self.items)) - 1
        return await run(self.items[index], request, state.child(index))


# The names scenarios use: b.ok(...), b.redirect(301, "/new"), b.flaky(2, "reset"), ...
ok = Ok
html = Html
json = Json
status = Status
redirect = Redirect
head_not_allowed = HeadNotAllowed
head_wrong = HeadWrong
bot_wall = BotWall
too_many = TooMany
flaky = Flaky
slow = Slow
slow_body = SlowBody
hang = Hang
reset = Reset
huge = Huge
sequence = Seq
cookie_gate = CookieGate
identity_hop = IdentityHop
require_login = RequireLogin
client_redirect = ClientRedirect
encoded = Encoded
