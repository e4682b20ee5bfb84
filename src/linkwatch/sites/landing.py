"""Where a redirect chain ends, judged: a sign-in page or the site's home page.

A deep link that ends on ``/login?next=…`` says nothing about the page behind the
login: ``unverifiable`` ("login required"). A deep link that ends on the site's
front page (or a generic landing page such as ``/index.html`` or ``/en/``) is how
many CMSs answer for a removed page: ``dead`` ("redirected to the home page"), and
never a ``redirect`` that ``fix`` would rewrite into the list. Pure functions over
URLs; only the end of the chain is judged, so a cookie round trip through an
identity host that comes back to the page is fine.

Care against false alarms: a link that already was a root or landing page
(``http://x.org`` → ``https://x.org/``), a root reached on another site (short
links such as ``aka.ms/x`` → ``code.example.com/``), and a root that selects content
by its query (``/?p=123``) are not "home page"; ``/docs`` → ``/docs/en/latest/`` is
an ordinary move.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from ..models import ErrorCode, LinkResult, Verdict

# Path segments of sign-in and single-sign-on endpoints (compared lowercased, with
# "-", "_" and "." removed: "sign-in", "sign_in", "login.php" all match).
_LOGIN_SEGMENTS = frozenset(
    {"login", "loginphp", "loginaspx", "loginjsp", "loginhtml", "signin", "logon", "signon"}
    | {"wploginphp", "servicelogin", "authorize", "saml", "saml2", "sso", "oauth", "oauth2"}
    | {"openidconnect", "shibbolethsso", "adfs", "authenticate"}
)
# Host labels of identity providers: accounts.google.com, login.microsoftonline.com,
# signin.aws.amazon.com, idp.university.edu, sso.company.com, passport.baidu.com. Not
# "cas.": as often a College of Arts and Sciences as a CAS server (whose /cas/login
# path matches anyway).
_LOGIN_HOST_LABELS = frozenset(
    {"accounts", "account", "login", "signin", "sso", "idp", "auth", "passport"}
)
# Query parameters that carry the page to return to after signing in.
_RETURN_PARAMS = frozenset(
    {"next", "return", "returnto", "returnurl", "return_to", "redirect", "redirect_uri"}
    | {"redirect_url", "redirecturl", "continue", "service", "target", "relaystate", "from"}
    | {"samlrequest", "goto", "dest", "destination", "origin", "back", "backurl", "referer"}
)
# Segments that only sound like login next to a return parameter (/account?next=…).
_WEAK_SEGMENTS = frozenset({"account", "accounts", "auth", "session", "sessions"})

# Final paths that are a site's landing page rather than content.
_LANDING_PATHS = frozenset(
    {"", "/index", "/home", "/main", "/welcome", "/start", "/portal", "/default"}
)
_LANDING_FILE = re.compile(r"/(?:index|default|home|main)\.(?:s?html?|php|aspx?|jsp)$")
_LANGUAGE = re.compile(
    r"/(?:en|zh|ja|ko|de|fr|es|it|pt|ru|nl|pl|tr|ar|sv|da|fi|no|nb|cs|hu|ro|uk|el|he|vi|th"
    r"|id|ms|hi|fa)(?:[-_][a-z]{2,4})?",
    re.IGNORECASE,
)
# Query parameters a home-page redirect may carry without selecting content.
_NOISE_PARAMS = frozenset(
    {"ref", "from", "source", "src", "lang", "locale", "hl", "redirect", "redirected", "r"}
    | {"error", "err", "msg", "message", "notfound", "404", "missing", "reason", "status"}
)
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "ac", "edu", "gov", "or", "ne", "go"})


def _segments(path: str) -> list[str]:
    return [re.sub(r"[-_.]", "", s.lower()) for s in path.split("/") if s]


def is_login_url(url: str) -> bool:
    """``url`` is a sign-in or SSO page (by its host, path and return parameter)."""
    parts = urlsplit(url)
    labels = (parts.hostname or "").lower().split(".")
    segments = _segments(parts.path)
    params = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    returns = bool(params & _RETURN_PARAMS)
    if any(s in _LOGIN_SEGMENTS for s in segments):
        return True
    if "protocol" in segments and "openidconnect" in segments:  # Keycloak
        return True
    if len(labels) > 2 and labels[0] in _LOGIN_HOST_LABELS:
        return True
    return returns and any(s in _WEAK_SEGMENTS for s in segments)


def registrable(host: str | None) -> str:
    """example.co.uk → example.co.uk, www.example.com → example.com (a close enough guess)."""
    labels = (host or "").lower().rstrip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_landing_path(path: str) -> bool:
    """``/``, ``/index.html``, ``/home``, ``/en/``, ``/en-us/index.html`` …"""
    path = path.lower().rstrip("/")
    if m := _LANGUAGE.match(path):
        path = path[m.end() :]
        if path and not path.startswith("/"):
            return False
    return path in _LANDING_PATHS or _LANDING_FILE.fullmatch(path) is not None


def _content_query(query: str) -> bool:
    """The query selects content (``?p=123``, ``?id=…``), not just tracking or flags."""
    names = {name.lower() for name, _ in parse_qsl(query, keep_blank_values=True)}
    return any(n not in _NOISE_PARAMS and not n.startswith("utm_") for n in names)


def is_home_redirect(url: str, final_url: str) -> bool:
    """A deep link on a site that ended on that site's front or landing page."""
    before, after = urlsplit(url), urlsplit(final_url)
    if registrable(before.hostname) != registrable(after.hostname):
        return False
    if not is_landing_path(after.path) or _content_query(after.query):
        return False
    return not is_landing_path(before.path) or _content_query(before.query)


def judge_landing(url: str, result: LinkResult) -> LinkResult:
    """``result`` for a redirected ``url``, turned unverifiable when the chain ended on a
    sign-in page and dead when a deep link ended on the home page; else unchanged."""
    final = result.final_url
    if not final or len(result.chain) < 2 or result.status is None:
        return result
    reachable = 200 <= result.status < 300 or result.status in (401, 403)
    if not reachable or result.verdict is Verdict.DEAD or result.error is ErrorCode.RATE_LIMITED:
        return result
    if is_login_url(final) and not is_login_url(url):
        host = urlsplit(final).hostname or final
        return replace(
            result,
            verdict=Verdict.UNVERIFIABLE,
            error=ErrorCode.BLOCKED,
            reason=f"login required: redirected to the sign-in page on {host}",
        )
    if 200 <= result.status < 300 and is_home_redirect(url, final):
        return replace(
            result,
            verdict=Verdict.DEAD,
            error=ErrorCode.SOFT404,
            reason=f"redirected to the home page {final}",
        )
    return result
