"""Cloud shares (Google Drive and Docs, Dropbox, OneDrive, Baidu Pan): read what the page says.

A share whose file was deleted, whose link expired or was disabled, often still
answers 200 with a page that says so in the service's words; one the owner made
private sends visitors to a sign-in page or says "you need access". Each service
declares its "gone" wordings (``Site.not_found``: dead) and "no access" wordings
(unverifiable: the file may well be there); the reason quotes the service. A
share page without either is judged by its status as usual. One GET, redirects
followed, and a chain through the service's sign-in host is a login wall.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..models import ErrorCode, LinkResult, UrlInfo, Verdict
from .base import Site, site_of
from .generic import result_from_page
from .soft404 import page_text, visible_text

if TYPE_CHECKING:
    from ..fetch import Fetcher

# service name → wordings of its "no access" pages (unverifiable)
NO_ACCESS: dict[str, tuple[str, ...]] = {
    "Google Drive": ("You need access", "You need permission", "Request access"),
    "Dropbox": ("This link is temporarily disabled", "You don't have access", "Request access"),
    "OneDrive": ("You need permission to access this item",),
    "Baidu Pan": ("访问验证", "安全验证"),
}
# service name → hosts (and paths) of its sign-in pages
SIGN_IN: dict[str, tuple[str, ...]] = {
    "Google Drive": ("accounts.google.com",),
    "Dropbox": ("www.dropbox.com/login",),
    "OneDrive": ("login.live.com", "login.microsoftonline.com"),
    "Baidu Pan": ("passport.baidu.com",),
}


class CloudShareRule:
    """GET the share page; the service's own wording decides, else the status."""

    name = "cloudshare"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        site = site_of(info.host, SITES)
        page = await engine.fetch(info.normalized)
        result = result_from_page(info.normalized, page)
        if page.failure is not None:
            return result
        for _, hop in page.chain[1:]:
            where = urlsplit(hop)
            here = f"{where.hostname}{where.path}"
            if any(here.startswith(sign_in) for sign_in in SIGN_IN[site.name]):
                reason = f"{site.name}: sign-in required (the share is private)"
                return _unverifiable(result, reason)
        text = visible_text(page_text(page)) if page.body else ""
        gone = next((w for w in site.not_found if w in text), None)
        if gone is not None:
            error = ErrorCode.SOFT404 if page.status == 200 else ErrorCode.HTTP
            return replace(
                result,
                verdict=Verdict.DEAD,
                error=error,
                reason=f"{site.name}: “{gone}”",
                final_url=None,
                redirect_kind=None,
            )
        walled = next((w for w in NO_ACCESS[site.name] if w in text), None)
        if walled is not None:
            return _unverifiable(result, f"{site.name}: “{walled}”")
        return result


def _unverifiable(result: LinkResult, reason: str) -> LinkResult:
    return replace(
        result,
        verdict=Verdict.UNVERIFIABLE,
        error=ErrorCode.BLOCKED,
        reason=reason,
        final_url=None,
        redirect_kind=None,
    )


RULE = CloudShareRule()
SITES = (
    Site(
        "Google Drive",
        hosts=("drive.google.com", "docs.google.com"),
        rule=RULE,
        not_found=(
            "Sorry, the file you have requested does not exist",
            "The file you have requested does not exist",
            "this file is in the owner's trash",
            "This file is in the owner's trash",
            "in violation of our Terms of Service",
        ),
    ),
    Site(
        "Dropbox",
        hosts=("dropbox.com", "dropboxusercontent.com"),
        rule=RULE,
        not_found=(
            "This item was deleted",
            "That file isn’t here anymore",
            "That file isn't here anymore",
            "This link has been disabled",
            "This link has expired",
            "The file you're looking for has been deleted or moved",
        ),
    ),
    Site(
        "OneDrive",
        hosts=("onedrive.live.com", "1drv.ms"),
        rule=RULE,
        not_found=(
            "This item might not exist or is no longer available",
            "This item might have been deleted, expired, or you might not have permission",
            "This link has expired",
        ),
    ),
    Site(
        "Baidu Pan",
        hosts=("pan.baidu.com", "yun.baidu.com"),
        rule=RULE,
        not_found=(
            "啊哦，你来晚了，分享的文件已经被删除了",
            "分享的文件已经被取消了",
            "此链接分享内容可能因为涉及侵权",
            "链接错误没找到文件",
            "分享的文件已过期",
            "你所访问的页面不存在了",
        ),
    ),
)

