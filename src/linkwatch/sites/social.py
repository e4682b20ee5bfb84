"""Social networks: X/Twitter, Facebook, Instagram and LinkedIn show checkers a login wall.

What they answer a client without a session says nothing about the post: X
answers 200 with a script shell, 400, 403 or even 404 for posts that exist;
Facebook and Instagram redirect to their login page; LinkedIn answers its
non-standard 999 or redirects to ``/authwall``. Those links are ``unverifiable``
("login required (x.com)"), reached with one GET that does not follow the
redirect to the login page, and never retried by a second request. A page
Facebook, Instagram or LinkedIn do serve publicly is alive; their own "this
page isn't available" page, or a 404/410, is dead.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ..models import ErrorCode, LinkResult, UrlInfo, Verdict
from .base import Site, site_of
from .generic import result_from_page
from .soft404 import page_text, title_of, visible_text

if TYPE_CHECKING:
    from ..fetch import Fetcher, Page

# Where the walls send visitors without a session.
LOGIN_PATH = re.compile(
    r"^/(?:login|log-in|signin|sign-in|i/flow/login|accounts/login|authwall|checkpoint"
    r"|uas/login|login\.php)\b",
    re.IGNORECASE,
)
# A login page served in place of the content (its title), or X's script-only shell.
LOGIN_PAGE = re.compile(r"\b(?:log\s*in|sign\s*in|sign\s*up|login)\b", re.IGNORECASE)
SHELL = "JavaScript is not available"
# Sites whose every answer to a checker is the wall, whatever the status.
ALWAYS_WALLED = frozenset({"x"})


class SocialRule:
    """One GET, redirects not followed; the site's wall, its gone page or the status decides."""

    name = "social"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        site = site_of(info.host, SITES)
        page = await engine.fetch(info.normalized, follow_redirects=False)
        result = result_from_page(info.normalized, page)
        if page.failure is not None or page.status is None:
            return result
        if site.name in ALWAYS_WALLED or is_login_wall(info.normalized, page):
            return login_required(result, site)
        if page.status in (301, 302, 303, 307, 308) and page.headers.get("Location"):
            page = await engine.fetch(info.normalized)  # a move within the site: follow it
            result = result_from_page(info.normalized, page)
            if page.failure is None and is_login_wall(info.normalized, page):
                return login_required(result, site)
        text = visible_text(page_text(page)) if page.body else ""
        gone = next((w for w in site.not_found if w in text), None)
        if gone is not None and page.status == 200:
            return replace(
                result,
                verdict=Verdict.DEAD,
                error=ErrorCode.SOFT404,
                reason=f"{site.name}: “{gone}”",
            )
        return result


def is_login_wall(url: str, page: Page) -> bool:
    """A redirect to a login path, a refusal (401/403/999), or a login page at 200."""
    if page.status in (401, 403, 999):
        return True
    location = page.headers.get("Location")
    target = urljoin(page.chain[-1][1] if page.chain else url, location) if location else None
    for where in [target, *(hop for _, hop in page.chain[1:])]:
        if where and LOGIN_PATH.match(urlsplit(where).path):
            return True
    if page.status == 200 and page.body:
        text = page_text(page)
        return LOGIN_PAGE.search(title_of(text)) is not None or SHELL in text
    return False


def login_required(result: LinkResult, site: Site) -> LinkResult:
    return replace(
        result,
        verdict=Verdict.UNVERIFIABLE,
        error=ErrorCode.BLOCKED,
        reason=f"login required ({site.hosts[0]})",
        final_url=None,
        redirect_kind=None,
    )


RULE = SocialRule()
SITES = (
    Site("x", hosts=("x.com", "twitter.com"), wall="login", rule=RULE),
    Site(
        "Facebook",
        hosts=("facebook.com", "fb.com"),
        wall="login",
        rule=RULE,
        not_found=("This content isn't available right now", "This page isn't available"),
    ),
    Site(
        "Instagram",
        hosts=("instagram.com",),
        wall="login",
        rule=RULE,
        not_found=("Sorry, this page isn't available.",),
    ),
    Site(
        "LinkedIn",
        hosts=("linkedin.com",),
        wall="login",
        rule=RULE,
        not_found=("This page doesn’t exist", "Page not found"),
    ),
)

