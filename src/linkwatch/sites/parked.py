"""Parked and for-sale domains: an expired domain answers 200 for every path.

After a domain lapses, a parking service or a domain marketplace serves it: every
path gets the same small page of ads or a "this domain is for sale" offer,
or a redirect to the marketplace's lander. The random-path probe sees that page
too, and without words in a known language the soft-404 rule would keep the link
alive. What parking pages share, whoever runs them:

- they load the parking service's scripts or frames (Sedo, Bodis, ParkingCrew,
  Above, GoDaddy's parking lander, Google's ads-for-domains ``caf.js``) or send the
  browser there with a one-line ``window.location`` script (``/lander``);
- they redirect to a marketplace's page for the domain (Dan, Afternic, HugeDomains,
  Sedo, GoDaddy's ``/forsale/``);
- their title or headline offers the domain ("example.com is for sale",
  "Buy this domain");
- they are a bare frame around the parking host (``ww1.<domain>``), with next to no
  text (a frame around another site is masked forwarding, that site's content).

A real page that merely mentions a domain sale in its text, or links to a
marketplace, has none of these in its title, scripts or frames and stays alive.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..models import ErrorCode, LinkResult, UrlInfo, Verdict
from .soft404 import headline_of, is_html, page_text, title_of, visible_text

if TYPE_CHECKING:
    from ..fetch import Page

# Parking services and domain marketplaces (and their CDNs), by domain suffix.
SERVICE_HOSTS = (
    "sedoparking.com",
    "sedo.com",
    "bodis.com",
    "bodiscdn.com",
    "parkingcrew.net",
    "above.com",
    "parklogic.com",
    "dan.com",
    "afternic.com",
    "hugedomains.com",
    "undeveloped.com",
    "buydomains.com",
    "domainmarket.com",
    "parked-content.godaddy.com",
    "img1.wsimg.com/parking-lander",
    "porkbun.com/parked",
    "namecheap.com/parking",
    "cashparking.com",
)
_SERVICE = "|".join(re.escape(h) for h in SERVICE_HOSTS)
# A script, frame or iframe loaded from a parking service.
_EMBED = re.compile(
    rf"<(?:script|i?frame)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//(?:[\w-]+\.)*({_SERVICE})",
    re.IGNORECASE,
)
# Google's "AdSense for domains" loader, used by parked pages only.
_ADS_FOR_DOMAINS = re.compile(r"google\.com/adsense/domains/caf\.js", re.IGNORECASE)
# window.location(.href) = "…" / location.replace("…") to a lander or a parking service.
_LANDER = re.compile(
    rf"(?:window\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*[\"']"
    rf"((?:https?:)?//(?:[\w-]+\.)*(?:{_SERVICE})[^\"']*|[^\"']*/lander\b[^\"']*)",
    re.IGNORECASE,
)
# A title or headline offering the domain itself.
_FOR_SALE = re.compile(
    r"\b(?:this\s+)?domain(?:\s+name)?\s+(?:[\w.-]+\s+)?(?:is|may\s+be)\s+for\s+sale"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\s+(?:is\s+|may\s+be\s+)?for\s+sale\b"
    r"|\bbuy\s+this\s+domain\b|\bthis\s+domain\s+(?:is|has\s+been)\s+parked\b"
    r"|域名(?:正在)?出售|此域名(?:可)?出售",
    re.IGNORECASE,
)
_FRAME = re.compile(
    r"<frame\b[^>]*\bsrc\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE
)
# Parking pages are small; an offer in the title of a long page is an article about one.
SMALL_PAGE = 32 * 1024
BARE_TEXT = 200  # characters of visible text a frame-only page has at most


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _is_service(url: str) -> str | None:
    """The parking service or marketplace ``url`` belongs to (its domain), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host, path = (parts.hostname or "").lower(), parts.path
    for service in SERVICE_HOSTS:
        domain, _, prefix = service.partition("/")
        under = path.startswith("/" + prefix) if prefix else True
        if (host == domain or host.endswith("." + domain)) and under:
            return domain
    return None


def _parking_frame(own: str, framed: str) -> bool:
    """A frame to a parking service, or to the ``ww1.``-style host parkers give the domain
    (a frame around any other site is masked forwarding: that site's content)."""
    host = _host(framed)
    bare = own.removeprefix("www.")
    return _is_service(framed) is not None or (
        re.match(r"ww\d+\.", host) is not None and host.split(".", 1)[1] == bare
    )


def evidence(url: str, page: Page) -> str | None:
    """Why ``page`` (the answer for ``url``) is a parked domain's page, or None."""
    own = _host(url)
    if _is_service(url):
        return None  # a link to the marketplace itself
    for _, hop in page.chain[1:]:
        service = _is_service(hop)
        if service is not None:
            return f"redirected to a domain marketplace ({service})"
    if not page.body or len(page.body) > SMALL_PAGE:
        return None
    text = page_text(page)
    if (m := _EMBED.search(text)) is not None:
        return f"parking service page ({m.group(1).lower().partition('/')[0]})"
    if _ADS_FOR_DOMAINS.search(text):
        return "parking ads (Google ads for domains)"
    if (m := _LANDER.search(text)) is not None:
        target = m.group(1)
        return f"script sends visitors to a parking lander ({target[:60]})"
    for heading in (title_of(text), headline_of(text)):
        if heading and _FOR_SALE.search(heading):
            return f"page says “{heading[:80]}”"
    frame = _FRAME.search(text)
    framed = frame.group(1) if frame is not None else ""
    if framed and _parking_frame(own, framed) and len(visible_text(text)) <= BARE_TEXT:
        return f"a bare frame around {_host(framed)}"
    return None


def judge(info: UrlInfo, page: Page, result: LinkResult) -> LinkResult:
    """``result`` turned dead ("domain parked: …") when a 2xx HTML ``page`` is parked."""
    if result.verdict not in (Verdict.ALIVE, Verdict.REDIRECT) or not is_html(page):
        return result
    found = evidence(info.normalized, page)
    if found is None:
        return result
    return replace(
        result, verdict=Verdict.DEAD, error=ErrorCode.SOFT404, reason=f"domain parked: {found}"
    )
