"""Soft-404s: pages that answer 200 but say the thing is gone.

Reading every page's body would double the requests of a polite checker, so the
generic rule first asks each host once per run for a random path that cannot
exist. A host that answers it 404 is honest and its HEAD 200s are trusted; a
host that answers 200 there (or a link whose HEAD was redirected elsewhere, often
to the home page) gets its pages read with GET.

Then the host's own not-found page decides, in whatever language: a page that is
near-identical to the probe's page is dead when something says the probe's page
is an error page — it names the random path it was asked for and this page names
its own path (CMS "nothing found at /x" pages), or the page was redirected
elsewhere, or its text has "not found" words. Real pages, which differ from the
probe's, stay alive. Word lists for the major languages are the second signal: a
``<title>`` or first ``<h1>`` that says "not found" is dead outright. A host that
serves one identical shell for every path without any such sign (single-page
apps) cannot be judged from the outside and stays alive: a false "dead" costs
maintainers more than a miss.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from weakref import WeakKeyDictionary

from ..decoding import decode_body
from ..models import ErrorCode, LinkResult, UrlInfo, Verdict

if TYPE_CHECKING:
    from ..fetch import Fetcher, Page

# Phrases sites put in the title or headline of their "not found" page: English, then
# de, fr, es, pt, it, nl, pl, cs, sv/da/no, ru, uk, tr, vi, id/ms, ar, fa, he, hi, th,
# ja, zh (simplified, traditional) and ko. A second signal only: the probe decides
# for hosts whose wording is not here (see ``detect``).
NOT_FOUND = re.compile(
    r"^\W*(?:error\s*)?404\b|\b404\s*(?:error|page|not)|(?:error|http)\s+404\b"
    r"|not\s+found|page\s+(?:does\s+not|doesn['’]t)\s+exist|no\s+longer\s+(?:exists|available)"
    r"|can(?:['’]?t|not)\s+be\s+found|could\s+not\s+be\s+found|couldn['’]t\s+find"
    r"|nicht\s+gefunden|seite\s+existiert\s+nicht|introuvable|page\s+non\s+trouv[ée]e"
    r"|la\s+page\s+(?:demandée\s+)?n['’]existe"
    r"|no\s+encontrad[ao]|página\s+no\s+existe|não\s+encontrad[ao]|página\s+não\s+existe"
    r"|non\s+trovat[ao]|pagina\s+non\s+esiste|niet\s+gevonden|pagina\s+bestaat\s+niet"
    r"|nie\s+znaleziono|strona\s+nie\s+istnieje|nebyla\s+nalezena|nenalezena"
    r"|hittades\s+inte|ikke\s+fundet|ble\s+ikke\s+funnet|ikke\s+funnet"
    r"|не\s+найден[аоы]?|страница\s+не\s+существует|не\s+знайдено|не\s+знайдена"
    r"|bulunamadı|không\s+tìm\s+thấy|tidak\s+ditemukan|tidak\s+dijumpai"
    r"|الصفحة\s+غير\s+موجودة|لم\s+يتم\s+العثور|پیدا\s+نشد|یافت\s+نشد|לא\s+נמצא|नहीं\s+मिला|ไม่พบหน้า"
    r"|見つかりません|ページ(?:は|が)?存在しません"
    r"|页面不存在|找不到页面|页面未找到|页面找不到|网页不存在|文章不存在|内容不存在|您访问的页面不存在"
    r"|頁面不存在|找不到網頁|找不到頁面|網頁不存在|頁面未找到"
    r"|페이지를\s*찾을\s*수\s*없|존재하지\s*않는\s*페이지|페이지가\s*존재하지\s*않",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_NOISE = re.compile(
    r"<(script|style|noscript|template)[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# Only this much of a page is scanned for text: error pages are short.
SCAN_BYTES = 256 * 1024
# A page and the probe are "near-identical" when their titles match and their
# lengths differ by less than this fraction (error pages often echo the path).
LENGTH_TOLERANCE = 0.1


def page_text(page: Page) -> str:
    """The start of the body as text, decoded as a browser would (header, meta, sniffing)."""
    return decode_body(page.body[:SCAN_BYTES], page.headers.get("Content-Type", ""))


def is_html(page: Page) -> bool:
    ctype = page.headers.get("Content-Type", "").lower()
    if ctype:
        return "html" in ctype
    return page.body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _html_head(page: Page) -> bool:
    """A 2xx HTML answer to a HEAD, whose body has not been seen."""
    return (
        page.failure is None
        and page.status is not None
        and 200 <= page.status < 300
        and page.method == "HEAD"
        and "html" in page.headers.get("Content-Type", "html").lower()
    )


def _clean(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def title_of(text: str) -> str:
    m = _TITLE.search(text)
    return _clean(m.group(1)) if m else ""


def headline_of(text: str) -> str:
    m = _H1.search(_NOISE.sub(" ", text))
    return _clean(m.group(1)) if m else ""


def visible_text(text: str) -> str:
    return _clean(_NOISE.sub(" ", text))


def not_found_heading(text: str) -> str | None:
    """The title or headline when it says "not found", else None."""
    for heading in (title_of(text), headline_of(text)):
        if heading and NOT_FOUND.search(heading):
            return heading
    return None


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def redirected_elsewhere(url: str, page: Page) -> bool:
    """A deep link that ended on another path (often the home page) after redirects."""
    return bool(page.chain) and _path(page.final_url or url) != _path(url)


def near_identical(page: Page, probe: Page) -> bool:
    """True when ``page`` is the same page the host serves for a path that cannot exist."""
    if probe.failure is not None or probe.status != page.status:
        return False
    if (
        page.final_url
        and page.final_url == probe.final_url
        and redirected_elsewhere(probe.url, probe)
    ):
        return True
    if title_of(page_text(page)) != title_of(page_text(probe)):
        return False
    longest = max(len(page.body), len(probe.body), 1)
    return abs(len(page.body) - len(probe.body)) / longest < LENGTH_TOLERANCE


def echoes_its_path(probe: Page) -> bool:
    """The probe's page says the random path it was asked for in its text: the host
    renders a "nothing at this address" page, in whatever language, not one shell for
    all paths (a canonical link or script carrying the URL does not count)."""
    token = urlsplit(probe.url).path.rpartition("linkwatch-probe-")[2]
    return bool(token) and token in visible_text(page_text(probe))


def _names(text: str, url: str) -> bool:
    """``text`` (a page's visible text) mentions the path of ``url`` (as sent or decoded)."""
    path = urlsplit(url).path
    return len(path) > 1 and (path in text or unquote(path) in text)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ProbeCache:
    """One probe per scheme and host per run; concurrent checks wait for the same one."""

    def __init__(self) -> None:
        self._pages: dict[str, Page] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def known(self, url: str) -> Page | None:
        """The probe of ``url``'s host if this run already made it (no request)."""
        return self._pages.get(_origin(url))

    async def probe(self, engine: Fetcher, url: str) -> Page:
        origin = _origin(url)
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._pages:
                path = f"/linkwatch-probe-{secrets.token_hex(8)}"
                self._pages[origin] = await engine.fetch(origin + path)
        return self._pages[origin]

    def honest(self, url: str) -> bool | None:
        """Whether the host answered its probe with an error (its 200s can be trusted):
        True, False (a 2xx: its pages must be read), or None when not probed yet."""
        parts = urlsplit(url)
        probe = self._pages.get(f"{parts.scheme}://{parts.netloc}")
        if probe is None or probe.failure is not None or probe.status is None:
            return None
        return not 200 <= probe.status < 300


# Per-run state hangs off the fetcher, which lives for one run.
_CACHES: WeakKeyDictionary[Fetcher, ProbeCache] = WeakKeyDictionary()


def probe_cache(engine: Fetcher) -> ProbeCache:
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES[engine] = ProbeCache()
    return cache


async def body_needed(info: UrlInfo, page: Page, engine: Fetcher) -> bool:
    """Whether a HEAD 200 HTML answer must be confirmed by reading the page (see above)."""
    if not _html_head(page):
        return False
    if redirected_elsewhere(info.normalized, page):
        return True
    probe = await probe_cache(engine).probe(engine, page.url)
    return probe.failure is None and probe.status is not None and 200 <= probe.status < 300


def soft404_result(result: LinkResult, reason: str) -> LinkResult:
    return replace(result, verdict=Verdict.DEAD, error=ErrorCode.SOFT404, reason=reason)


async def detect(info: UrlInfo, page: Page, result: LinkResult, engine: Fetcher) -> LinkResult:
    """``result`` turned dead when the 200 HTML ``page`` is a soft-404; unchanged otherwise."""
    if result.verdict not in (Verdict.ALIVE, Verdict.REDIRECT) or page.status != 200:
        return result
    if not page.body or not is_html(page):
        return result
    text = page_text(page)
    heading = not_found_heading(text)
    if heading is not None:
        return soft404_result(result, f"soft 404: page says “{heading[:80]}”")
    hinted = NOT_FOUND.search(visible_text(text)) is not None
    where = page.url or info.normalized
    cache = probe_cache(engine)
    probe = cache.known(where)
    if hinted or redirected_elsewhere(info.normalized, page):
        probe = probe or await cache.probe(engine, where)
    elif probe is None or not (echoes_its_path(probe) and _names(visible_text(text), where)):
        return result  # no hint, and nothing says this is the host's not-found page
    if near_identical(page, probe):
        return soft404_result(
            result, f"soft 404: same page as a random path on {urlsplit(page.url).hostname}"
        )
    return result
