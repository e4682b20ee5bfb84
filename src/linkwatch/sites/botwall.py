"""Bot walls: hosts that refuse checkers say nothing about whether a link is alive.

IEEE Xplore, ResearchGate, the ACM library and others (declared ``wall="bot"``)
answer 403 (or 429, or a challenge page) to anything that is not a browser, and
sites behind Cloudflare, Akamai, DataDome, PerimeterX or AWS WAF get a challenge
page at any status; the reason names the service. Reporting those links dead
teaches maintainers to ignore the report, so they become ``unverifiable``. One
second attempt, a GET with the engine's browser-like ``Accept`` header, is
allowed (some walls only dislike HEAD); nothing beyond that: no user-agent
spoofing, no cookies, no solving challenges.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ..models import ErrorCode, LinkResult, UrlInfo, Verdict
from .soft404 import page_text, title_of

if TYPE_CHECKING:
    from ..fetch import Fetcher, Page

# Statuses a known wall answers with.
WALL_STATUSES = frozenset({401, 403, 429})

# Challenge pages are small; a 200 page larger than this is content, whatever it embeds.
SHORT_PAGE = 64 * 1024
# Interstitials of captcha services and WAFs not told apart, and the Chinese equivalents.
_CHALLENGE = re.compile(
    r"checking your browser before accessing|ddos protection by"
    r"|<title>\s*access denied\s*</title>|you don['’]t have permission to access"
    r"|g-recaptcha|h-captcha|hcaptcha\.com|verify you are (?:a )?human|are you a robot"
    r"|unusual traffic from your computer|the requested url was rejected"
    r"|安全验证|人机验证|请完成验证|访问验证|异常访问",
    re.IGNORECASE,
)
# What each bot-protection service's challenge or block page carries, whatever its status.
# Cloudflare's challenge scripts live under /cdn-cgi/challenge-platform/h/ (its
# bot-detection script on ordinary pages is /cdn-cgi/challenge-platform/scripts/).
SERVICES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "Cloudflare",
            r"just a moment(?:\.\.\.|…)|attention required! \| cloudflare"
            r"|cf-browser-verification|cf_chl_opt|/cdn-cgi/challenge-platform/h/",
        ),
        (
            "Akamai",
            r"/_sec/cp_challenge/|sec-if-cpt|reference&#32;&#35;|reference #\d+\.[0-9a-f]+\.",
        ),
        ("DataDome", r"captcha-delivery\.com"),
        ("PerimeterX", r"px-captcha|_pxappid|px-cdn\.net|perimeterx"),
        (
            "AWS WAF",
            r"awswafcookiedomainlist|gokuprops|awswaf\.com/[^\"']*challenge\.js|awswafintegration",
        ),
        ("Imperva", r"_incapsula_resource|request unsuccessful\. incapsula"),
    )
)


def _header_service(page: Page) -> tuple[str, str] | None:
    """A service that says in a header that it answered instead of the site."""
    headers = page.headers
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "Cloudflare", "cf-mitigated: challenge"
    action = headers.get("x-amzn-waf-action", "").lower()
    if action in ("challenge", "captcha"):
        return "AWS WAF", f"x-amzn-waf-action: {action}"
    # DataDome marks every response it passes; only a refusal with its mark is its block
    if page.status in (401, 403) and ("x-datadome" in headers or "x-dd-b" in headers):
        return "DataDome", f"{page.status} with x-datadome"
    if page.status == 403 and headers.get("Server", "").lower().startswith("akamaighost"):
        return "Akamai", "403 from AkamaiGHost"
    return None


def challenge_service(page: Page) -> tuple[str, str] | None:
    """``(service, evidence)`` when a bot-protection service answered, else None.

    Evidence is the page's title when it has one, else the header or phrase seen.
    """
    found = _header_service(page)
    text = page_text(page) if page.body else ""
    if found is None and text:
        for name, pattern in SERVICES:
            if (m := pattern.search(text)) is not None:
                found = name, m.group(0).strip()
                break
    if found is None:
        return None
    title = title_of(text) if text else ""
    return found[0], title or found[1]


def challenge_marker(page: Page) -> str | None:
    """What gives a challenge page away (its title, a body phrase or the header), or None."""
    service = challenge_service(page)
    if service is not None:
        return service[1]
    if page.body:
        text = page_text(page)
        m = _CHALLENGE.search(text)
        if m is not None:
            return title_of(text) or m.group(0).strip()
    return None


def is_wall(info: UrlInfo, page: Page) -> bool:
    """A refusal from a known wall, or a challenge page where the status would mislead.

    A bot-protection service's challenge is a wall at any status (AWS WAF answers
    202, DataDome 403, Cloudflare 403 or 503). Other captcha pages count when served
    with 200 (they would look alive) or 503/429 (dead or throttled); a 401/403 from
    any other host is already ``unverifiable`` by the generic mapping.
    """
    if page.failure is not None and page.failure[0] is not ErrorCode.RATE_LIMITED:
        return False
    if page.status in WALL_STATUSES and info.wall is not None:
        return True
    long_page = page.status == 200 and len(page.body) > SHORT_PAGE
    if _header_service(page) is not None or (not long_page and challenge_service(page)):
        return True
    if long_page:
        return False  # a real page that merely embeds a captcha widget (comment forms)
    return page.status in (200, 429, 503) and challenge_marker(page) is not None


def blocked_result(result: LinkResult, info: UrlInfo, page: Page) -> LinkResult:
    """``unverifiable``/``blocked`` with the status and host, and the challenge if any."""
    reason = f"bot wall: {page.status} from {info.host}"
    service = challenge_service(page)
    marker = challenge_marker(page)
    if service is not None and service[1] == title_of(page_text(page)):
        reason += f", {service[0]} challenge page “{service[1][:80]}”"
    elif service is not None:
        reason += f", {service[0]} challenge ({service[1][:80]})"
    elif marker:
        reason += f", challenge page “{marker[:80]}”"
    return replace(result, verdict=Verdict.UNVERIFIABLE, error=ErrorCode.BLOCKED, reason=reason)


async def check_wall(
    info: UrlInfo, page: Page, engine: Fetcher, *, retried: bool = False
) -> tuple[Page, bool]:
    """The page to judge, and whether it is a wall after the one allowed second try.

    ``retried`` says ``page`` already came from a GET (the engine always sends a
    browser-like ``Accept``), so that is not repeated. When the second try gets
    through, its page is returned for the caller to map as usual; when it fails on
    the network, the first answer (the wall) stands.
    """
    if not is_wall(info, page):
        return page, False
    if retried:
        return page, True
    again = await engine.fetch(info.normalized)
    if again.failure is not None and again.failure[0] is not ErrorCode.RATE_LIMITED:
        return page, True
    return again, is_wall(info, again)
