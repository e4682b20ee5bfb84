"""URL normal forms, tracking-parameter stripping and site classification.

Pure functions over strings: no I/O, no DNS. ``normalize`` is the dedupe key of a
run (the form that gets checked and stored); ``classify`` says which site object a
URL names so site rules and enrichment can use APIs instead of scraping pages.

Policies (chosen on purpose, documented in README):

* scheme and host are lower-cased, default ports dropped, ``http`` and ``https`` are
  NOT merged (a site may serve only one of them);
* percent-escapes get upper-case hex, escapes of unreserved characters are decoded,
  characters that are not allowed in a URL (space, non-ASCII, ``"<>\\^`{|}``) are
  percent-encoded as UTF-8;
* trailing slash: an empty path becomes ``/`` (RFC 3986 says they are equal); any
  other path is kept as written, because ``/a`` and ``/a/`` may be different
  resources on real servers;
* the query is kept as written (order matters to some servers), the fragment is
  removed (``UrlInfo.fragment`` keeps it);
* Markdown leaves its own escapes in the source text (``\\_`` and ``&amp;``);
  ``normalize`` resolves backslash escapes of ASCII punctuation and character
  references that end in ``;`` so the key is the URL the Markdown means.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

from .models import UrlInfo
from .sites.registry import query_site, url_site, wall_for

_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CHAR_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that may stay literal in a path or query (RFC 3986 pchar + "/?" + "%").
_ALLOWED = _UNRESERVED | frozenset("!$&'()*+,;=:@/?%")


def _unescape(url: str) -> str:
    url = _MD_ESCAPE.sub(r"\1", url.strip())
    return _CHAR_REF.sub(lambda m: html.unescape(m.group(0)), url)


def _fix_percent(part: str) -> str:
    """Upper-case escapes, decode escaped unreserved chars, encode what must be encoded."""

    def one(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else "%" + m.group(1).upper()

    part = _PERCENT.sub(one, part)
    if all(c in _ALLOWED for c in part):
        return part
    out = []
    for c in part:
        if c in _ALLOWED:
            out.append(c)
        else:
            out.extend(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _split(url: str) -> tuple[str, str, str, str, str]:
    text = _unescape(url)
    if text.startswith("//"):
        text = "https:" + text
    elif text.startswith("www."):  # a bare www. link: GitHub links it as http://
        text = "http://" + text
    try:
        return urlsplit(text)
    except ValueError:  # e.g. an invalid IPv6 literal: keep the text, drop the fragment
        base, _, frag = text.partition("#")
        return ("", "", base, "", frag)


def _netloc(scheme: str, netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.rpartition(":") if not hostport.endswith("]") else ("", "", "")
    if not colon or not port.isdigit():
        host, port = hostport, ""
    host = host.lower().rstrip(".")
    if port and port.lstrip("0") == _DEFAULT_PORTS.get(scheme, "").lstrip("0"):
        port = ""
    return f"{userinfo}{at}{host}{':' + port if port else ''}"


# Already in normal form (lower-case host, no port, no escapes, no fragment): most
# links of a list, returned as they are without the full parse.
_NORMAL = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*/[A-Za-z0-9\-._~!$'()*+,;=:@/]*"
    r"(?:\?[A-Za-z0-9\-._~!$'()*+,;=:@/?]+)?"
)


def normalize(url: str) -> str:
    """The dedupe key: same resource written differently → same string."""
    return url if _NORMAL.fullmatch(url) else _normalize_parsed(url)


def _normalize_parsed(url: str) -> str:
    scheme, netloc, path, query, _ = _split(url)
    scheme = scheme.lower()
    if netloc:
        netloc = _netloc(scheme, netloc)
        if not path and scheme in ("http", "https"):
            path = "/"
    return urlunsplit((scheme, netloc, _fix_percent(path), _fix_percent(query), ""))


def _host(netloc: str) -> str:
    return _netloc("", netloc).rpartition("@")[2].split(":")[0] if netloc else ""


def _bare_host(host: str) -> str:
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


# ---------------------------------------------------------------- tracking parameters

_TRACKING_ANYWHERE = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "spm", "igshid"})


def _is_tracking(key: str, site_tracking: tuple[str, ...]) -> bool:
    """``utm_*`` and click ids anywhere; others (``from``, ``scene``) only where the host's
    site declares them tracking (``Site.tracking``): elsewhere they can be real
    parameters (``?from=2020&to=2021``), so they are kept."""
    key = key.lower()
    return key.startswith("utm_") or key in _TRACKING_ANYWHERE or key in site_tracking


def strip_tracking(url: str) -> str:
    """Drop tracking and session parameters; keep everything else exactly as written.

    A site whose URLs name their object by a few parameters (``Site.identity``: WeChat's
    ``__biz``, ``mid``, ``idx``, ``sn``) keeps only those when the first is present — the
    rest (``key``, ``pass_ticket``, ``uin``…) are per-reader session values that expire
    — and loses its session fragments (``#rd``, ``#wechat_redirect``).
    """
    head, hash_, fragment = url.partition("#")
    base, q, query = head.partition("?")
    if not q:
        return url
    try:
        host = _host(urlsplit(base).netloc)
    except ValueError:
        return url
    sep = "&amp;" if "&amp;" in query else "&"  # hrefs in HTML escape their ampersands
    pairs = [p for p in query.split(sep) if p]
    keys = [unquote(p.partition("=")[0]) for p in pairs]
    dropped_fragment = False
    site = query_site(host)
    if site is not None and site.identity and site.identity[0] in keys:
        kept = [p for p, k in zip(pairs, keys, strict=True) if k in site.identity]
        if fragment in site.session_fragments:
            hash_, fragment, dropped_fragment = "", "", True
    else:
        tracking = site.tracking if site is not None else ()
        kept = [p for p, k in zip(pairs, keys, strict=True) if not _is_tracking(k, tracking)]
    if len(kept) == len(pairs) and not dropped_fragment:
        return url
    return base + ("?" + sep.join(kept) if kept else "") + hash_ + fragment


# ---------------------------------------------------------------- classification


def classify(url: str) -> UrlInfo:
    """Normal form plus the site object the URL names (arXiv paper, GitHub repo, …).

    What a URL names is the site's knowledge: the parser comes from the site's
    declaration (``sites.registry``) for the URL's host.
    """
    scheme, netloc, path, query, fragment = _split(url)
    host = _host(netloc)
    extra: Mapping[str, object] = {}
    wall = None
    if scheme.lower() in ("http", "https") and host:
        bare = _bare_host(host)
        site = url_site(bare)
        if site is not None and site.parse is not None:
            extra = site.parse(bare, path, query)
        walled = wall_for(host)
        wall = walled.wall if walled is not None else None
    return UrlInfo(
        url=url,
        normalized=normalize(url),
        fragment=fragment or None,
        host=host,
        wall=wall,
        **extra,  # type: ignore[arg-type]
    )
