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
from urllib.parse import unquote, urlsplit, urlunsplit

from .models import UrlInfo

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
# ``from`` and ``scene`` only mean "how you got here" on these sites; elsewhere they
# can be real parameters (``?from=2020&to=2021``), so they are kept.
_TRACKING_CN = frozenset({"from", "scene", "share_source", "share_medium", "share_from"})
_CN_HOSTS = ("qq.com", "zhihu.com", "bilibili.com", "csdn.net", "jianshu.com", "weibo.com")
_WECHAT_KEEP = ("__biz", "mid", "idx", "sn")


def _is_tracking(key: str, host: str) -> bool:
    key = key.lower()
    if key.startswith("utm_") or key in _TRACKING_ANYWHERE:
        return True
    return key in _TRACKING_CN and any(host == h or host.endswith("." + h) for h in _CN_HOSTS)


def strip_tracking(url: str) -> str:
    """Drop tracking and session parameters; keep everything else exactly as written.

    WeChat article links keep only ``__biz``, ``mid``, ``idx`` and ``sn`` (the rest —
    ``key``, ``pass_ticket``, ``uin``, ``chksm``, ``sharer_*``… — are per-reader
    session values that expire) and lose the ``#rd``/``#wechat_redirect`` fragment.
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
    if host == "mp.weixin.qq.com" and "__biz" in keys:
        kept = [p for p, k in zip(pairs, keys, strict=True) if k in _WECHAT_KEEP]
        if fragment in ("rd", "wechat_redirect"):
            hash_, fragment, dropped_fragment = "", "", True
    else:
        kept = [p for p, k in zip(pairs, keys, strict=True) if not _is_tracking(k, host)]
    if len(kept) == len(pairs) and not dropped_fragment:
        return url
    return base + ("?" + sep.join(kept) if kept else "") + hash_ + fragment


# ---------------------------------------------------------------- classification

_ARXIV_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_ARXIV_OLD = r"(?P<old>[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})"
_ARXIV_PATH = re.compile(
    rf"^/(?:abs|pdf|html|format|ps)/(?:{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<v>\d+))?(?:\.pdf)?/?$"
)
_GITHUB_RESERVED = frozenset(
    [
        "about",
        "account",
        "apps",
        "blog",
        "collections",
        "contact",
        "customer-stories",
        "codespaces",
        "dashboard",
        "enterprise",
        "events",
        "explore",
        "features",
        "gist",
        "github-copilot",
        "issues",
        "join",
        "login",
        "logout",
        "marketplace",
        "new",
        "notifications",
        "nonprofit",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "readme",
        "search",
        "security",
        "settings",
        "site",
        "sponsors",
        "stars",
        "team",
        "topics",
        "trending",
        "users",
        "watching",
    ]
)
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_BILI_ID = re.compile(r"^(BV[0-9A-Za-z]{10}|av\d+)$", re.IGNORECASE)
_YT_ID = re.compile(r"^[A-Za-z0-9_-]{6,}$")


def _arxiv(path: str) -> dict[str, object]:
    m = _ARXIV_PATH.match(path)
    if not m:
        return {"site": "arxiv"}
    return {
        "site": "arxiv",
        "arxiv_id": m.group("new") or m.group("old"),
        "arxiv_version": int(m.group("v")) if m.group("v") else None,
    }


def _github(host: str, path: str) -> dict[str, object]:
    parts = [unquote(p) for p in path.split("/") if p]
    info: dict[str, object] = {"site": "github", "github_kind": "other"}
    if host == "gist.github.com":
        info["github_kind"] = "gist"
        if parts:
            info["github_owner"] = parts[0]
        if len(parts) > 1:
            info["github_subpath"] = parts[1]
        return info
    if host == "raw.githubusercontent.com":
        if len(parts) >= 2:
            info.update(github_owner=parts[0], github_repo=parts[1])
            info["github_subpath"] = "/".join(parts[2:]) or None
        return info
    if not parts or parts[0].lower() in _GITHUB_RESERVED or not _OWNER.match(parts[0]):
        return info
    info["github_owner"] = parts[0]
    if len(parts) == 1:
        info["github_kind"] = "org_or_user"
        return info
    repo = parts[1].removesuffix(".git")
    info["github_repo"] = repo
    rest = parts[2:]
    info["github_kind"] = rest[0] if rest and rest[0] in ("blob", "tree") else "repo"
    info["github_subpath"] = "/".join(rest) or None
    return info


def _query(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in query.split("&"):
        k, _, v = pair.partition("=")
        out.setdefault(unquote(k), unquote(v))
    return out


def _wechat(path: str, query: str) -> dict[str, object]:
    info: dict[str, object] = {"site": "wechat"}
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[0] == "s":
        info["post_id"] = parts[1]
    elif parts == ["s"] or parts == ["mp", "appmsg", "show"]:
        info["post_id"] = _query(query).get("sn") or None
    return info


def _zhihu(host: str, path: str) -> dict[str, object]:
    info: dict[str, object] = {"site": "zhihu"}
    parts = [p for p in path.split("/") if p]
    if host == "zhuanlan.zhihu.com" and len(parts) >= 2 and parts[0] == "p":
        info["post_id"] = parts[1]
    elif len(parts) >= 4 and parts[0] == "question" and parts[2] == "answer":
        info["post_id"] = parts[3]
    elif len(parts) >= 2 and parts[0] in ("question", "answer", "p"):
        info["post_id"] = parts[1]
    return info


def _bilibili(path: str) -> dict[str, object]:
    parts = [p for p in path.split("/") if p]
    info: dict[str, object] = {"site": "bilibili"}
    if len(parts) >= 2 and parts[0] == "video" and _BILI_ID.match(parts[1]):
        info["video_id"] = parts[1]
    return info


def _youtube(host: str, path: str, query: str) -> dict[str, object]:
    parts = [p for p in path.split("/") if p]
    info: dict[str, object] = {"site": "youtube"}
    vid: str | None = None
    if host == "youtu.be":
        vid = parts[0] if parts else None
    elif parts and parts[0] == "watch":
        vid = _query(query).get("v")
    elif len(parts) >= 2 and parts[0] in ("shorts", "embed", "v", "live"):
        vid = parts[1]
    if vid and _YT_ID.match(vid):
        info["video_id"] = vid
    return info


def classify(url: str) -> UrlInfo:
    """Normal form plus the site object the URL names (arXiv paper, GitHub repo, …)."""
    scheme, netloc, path, query, fragment = _split(url)
    host = _host(netloc)
    bare = _bare_host(host)
    extra: dict[str, object] = {}
    if scheme.lower() in ("http", "https") and host:
        if bare in ("arxiv.org", "export.arxiv.org"):
            extra = _arxiv(path)
        elif bare in ("github.com", "gist.github.com", "raw.githubusercontent.com"):
            extra = _github(bare, path)
        elif bare == "mp.weixin.qq.com":
            extra = _wechat(path, query)
        elif bare in ("zhihu.com", "zhuanlan.zhihu.com"):
            extra = _zhihu(bare, path)
        elif bare in ("bilibili.com", "b23.tv"):
            extra = _bilibili(path)
        elif bare in ("youtube.com", "youtu.be", "youtube-nocookie.com"):
            extra = _youtube(bare, path, query)
    return UrlInfo(
        url=url,
        normalized=normalize(url),
        fragment=fragment or None,
        host=host,
        **extra,  # type: ignore[arg-type]
    )
