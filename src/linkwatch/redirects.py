"""Where a response sends the client next: ``Location`` as browsers read it, and the
client-side redirects of small HTML pages (``<meta http-equiv="refresh">``, one-line
``location`` scripts). Pure functions; the engine follows what they return.
"""

from __future__ import annotations

import html
import re

from yarl import URL

# Characters browsers percent-encode in a URL they were given: controls, space,
# quotes, angle brackets, backtick, braces, pipe, caret and every non-ASCII byte.
_ENCODE = frozenset(b" \"<>`{}|^") | frozenset(range(0x00, 0x20)) | frozenset(range(0x7F, 0x100))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")

# A page this small that only redirects is a redirect stub; bigger pages are content.
CLIENT_REDIRECT_MAX = 16 * 1024
# A refresh later than this is a page reloading itself or a session timeout, not a move.
MAX_REFRESH_DELAY = 30.0

_META_REFRESH = re.compile(
    r"<meta\b(?=[^>]*\bhttp-equiv\s*=\s*[\"']?refresh\b)[^>]*\bcontent\s*=\s*"
    r"(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))",
    re.IGNORECASE,
)
_REFRESH_CONTENT = re.compile(
    r"^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?([\"']?)(.*?)\2\s*$", re.IGNORECASE | re.DOTALL
)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
# The whole script is one assignment or call: window.location(.href) = '…',
# location.replace('…'), location.assign('…'), document/top/self prefixes allowed.
_LOCATION_SCRIPT = re.compile(
    r"^\s*(?:<!--)?\s*(?:(?:window|document|top|self)\.)?location"
    r"(?:\.href\s*=\s*|\s*=\s*|\.(?:replace|assign)\s*\(\s*)"
    r"([\"'])([^\"'\\]+)\1\s*\)?\s*;?\s*(?://-->|-->)?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def browser_encode(text: str) -> str:
    """``text`` with what browsers escape percent-encoded (existing ``%XX`` kept).

    Header values arrive decoded as UTF-8 with surrogate escapes, so raw Latin-1
    bytes come back as the bytes they were.
    """
    raw = text.encode("utf-8", "surrogateescape")
    return "".join(f"%{byte:02X}" if byte in _ENCODE else chr(byte) for byte in raw)


def _ascii_host(authority: str) -> str:
    """``user@bücher.example:8080`` → ``user@xn--bcher-kva.example:8080`` (IDNA)."""
    if authority.isascii():
        return authority
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    return userinfo + at + host.encode("idna").decode("ascii") + colon + port


def resolve_location(base: str, location: str) -> URL:
    """The absolute URL a browser goes to for ``location`` on ``base``: relative and
    protocol-relative references resolved, spaces and non-ASCII percent-encoded, a
    non-ASCII host in IDNA form, backslashes read as slashes. Raises ``ValueError``
    for what cannot be a URL."""
    text = _TAB_NEWLINE.sub("", location).strip("\x00 \x0c")
    scheme, sep, rest = text.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        scheme, rest = "", text
    if scheme.lower() in ("", "http", "https"):  # special schemes: "\" is "/" before the query
        path, q, query = rest.partition("?")
        rest = path.replace("\\", "/") + q + query
    if rest.startswith("//"):
        authority, slash, tail = rest[2:].partition("/")
        for mark in "?#":  # "//host?q" has no path
            if mark in authority:
                authority, cut, more = authority.partition(mark)
                tail, slash = f"{cut}{more}{slash}{tail}", ""
                break
        rest = f"//{_ascii_host(authority)}{slash}{tail}"
    encoded = browser_encode(f"{scheme}:{rest}" if scheme else rest)
    return URL(base).join(URL(encoded, encoded=True))


def client_redirect(text: str) -> tuple[str, str] | None:
    """``(kind, target as written)`` when a small page only redirects client-side.

    ``kind`` is ``"meta refresh"`` or ``"script"``. A refresh without a URL (a reload),
    or later than ``MAX_REFRESH_DELAY``, is not a redirect; a script counts only when
    the whole ``<script>`` is the one ``location`` statement, so application code that
    happens to navigate is never followed.
    """
    if len(text) > CLIENT_REDIRECT_MAX:
        return None
    for m in _META_REFRESH.finditer(text):
        content = html.unescape(next(g for g in m.groups() if g is not None))
        parts = _REFRESH_CONTENT.match(content)
        if parts is None or not parts.group(3).strip():
            continue
        delay = float(parts.group(1) or 0)
        if delay <= MAX_REFRESH_DELAY:
            return "meta refresh", parts.group(3).strip()
    for m in _SCRIPT.finditer(text):
        script = _LOCATION_SCRIPT.match(m.group(1))
        if script is not None:
            return "script", script.group(2).strip()
    return None
