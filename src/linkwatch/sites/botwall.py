"""Bot walls: hosts that refuse checkers say nothing about whether a link is alive.

IEEE Xplore, ResearchGate, the ACM library and others answer 403 (or 429, or a
challenge page) to anything that is not a browser. Reporting those links dead
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
# Interstitials of the usual CDNs and captcha services, and the Chinese equivalents.
_CHALLENGE = re.compile(
    r"just a moment\.\.\.|attention required! \| cloudflare|cf-browser-verification|cf_chl_opt"
    r"|challenge-platform|checking your browser before accessing|ddos protection by"
    r"|<title>\s*access denied\s*</title>|you don['’]t have permission to access"
    r"|request unsuccessful\. incapsula|_incapsula_resource|px-captcha|perimeterx"
    r"|g-recaptcha|h-captcha|hcaptcha\.com|verify you are (?:a )?human|are you a robot"
    r"|unusual traffic from your computer|the requested url was rejected"
    r"|安全验证|人机验证|请完成验证|访问验证|异常访问",
    re.IGNORECASE,
)


def challenge_marker(page: Page) -> str | None:
    """What gives a challenge page away (its title, a body phrase or the header), or None."""
    if page.body:
        text = page_text(page)
        m = _CHALLENGE.search(text)
        if m is not None:
            return title_of(text) or m.group(0).strip()
    if page.headers.get("cf-mitigated", "").lower() == "challenge":
        return "Cloudflare challenge"
    return None


def is_wall(info: UrlInfo, page: Page) -> bool:
    """A refusal from a known wall, or a challenge page where the status would mislead.

    A 401/403 from any other host is already ``unverifiable`` by the generic
    mapping; what needs catching here is a challenge served with 200 (it would
    look alive) or 503/429 (it would look dead or throttled).
    """
    if page.failure is not None and page.failure[0] is not ErrorCode.RATE_LIMITED:
        return False
    if page.status in WALL_STATUSES and info.wall is not None:
        return True
    if page.status == 200 and len(page.body) > SHORT_PAGE:
        return False  # a real page that merely embeds a captcha widget (comment forms)
    return page.status in (200, 429, 503) and challenge_marker(page) is not None


def blocked_result(result: LinkResult, info: UrlInfo, page: Page) -> LinkResult:
    """``unverifiable``/``blocked`` with the status and host, and the challenge if any."""
    marker = challenge_marker(page)
    reason = f"bot wall: {page.status} from {info.host}"
    if marker:
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
