"""Zhihu (zhihu.com, zhuanlan.zhihu.com): 404 for deleted posts, walls for checkers.

A deleted post or answer answers 404 with the page "你似乎来到了没有知识存在的
荒原" (sometimes with status 200): dead. Zhihu also answers 403, or redirects to
``/signin?next=…`` or ``/account/unhuman``, to clients it distrusts; that says
nothing about the post, so those links are unverifiable.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..models import ErrorCode, LinkKind, LinkResult, UrlInfo, Verdict
from .base import CN_SHARE_PARAMS, Site
from .generic import result_from_page
from .soft404 import page_text

if TYPE_CHECKING:
    from ..fetch import Fetcher, Page

NOT_FOUND_MARKER = "你似乎来到了没有知识存在的荒原"
SIGNIN_PATHS = ("/signin", "/signup", "/account/unhuman")


def wall_path(page: Page) -> str | None:
    """The sign-in or captcha path a redirect chain ended on (or passed through)."""
    for url in [location for _, location in page.chain] + [page.final_url or ""]:
        path = urlsplit(url).path
        if path.startswith(SIGNIN_PATHS):
            return path
    return None


def judge(page: Page) -> tuple[Verdict, ErrorCode, str] | None:
    """Zhihu's own signals in ``page``, or None to keep the generic mapping."""
    path = wall_path(page)
    if path is not None:
        return Verdict.UNVERIFIABLE, ErrorCode.BLOCKED, f"Zhihu asks checkers to sign in ({path})"
    if page.status in (401, 403):
        return (
            Verdict.UNVERIFIABLE,
            ErrorCode.BLOCKED,
            f"Zhihu asks checkers to sign in ({page.status})",
        )
    if page.status in (200, 404) and NOT_FOUND_MARKER in page_text(page):
        error = ErrorCode.HTTP if page.status == 404 else ErrorCode.SOFT404
        return Verdict.DEAD, error, f"Zhihu: not found ({NOT_FOUND_MARKER})"
    return None


def parse(host: str, path: str, query: str) -> dict[str, object]:
    info: dict[str, object] = {"site": "zhihu"}
    parts = [p for p in path.split("/") if p]
    if host == "zhuanlan.zhihu.com" and len(parts) >= 2 and parts[0] == "p":
        info["post_id"] = parts[1]
    elif len(parts) >= 4 and parts[0] == "question" and parts[2] == "answer":
        info["post_id"] = parts[3]
    elif len(parts) >= 2 and parts[0] in ("question", "answer", "p"):
        info["post_id"] = parts[1]
    return info


class ZhihuRule:
    """Fetch the post page; read 404 pages and sign-in walls the Zhihu way."""

    name = "zhihu"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        page = await engine.fetch(info.normalized)
        result = result_from_page(info.normalized, page)
        if page.failure is not None:
            return result
        judged = judge(page)
        if judged is None:
            return result
        verdict, error, reason = judged
        return replace(result, verdict=verdict, error=error, reason=reason)


SITE = Site(
    "zhihu",
    hosts=("zhihu.com",),  # and its subdomains: www, zhuanlan
    kind=LinkKind.BLOG,
    wall="bot",
    rule=ZhihuRule(),
    parse=parse,
    url_hosts=("zhihu.com", "zhuanlan.zhihu.com"),
    tracking=CN_SHARE_PARAMS,
)
