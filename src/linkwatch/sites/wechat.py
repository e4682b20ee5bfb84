"""WeChat articles (mp.weixin.qq.com): status 200 even when the article is gone.

A removed article answers 200 with a short error page whose one line names why
(deleted by its publisher, removed for a violation, account banned or
cancelled). Those are dead, with the site's own words in the reason. The
"环境异常 … 完成验证后即可继续访问" page is WeChat asking for a captcha: the
checker cannot tell, so the link is unverifiable. Both ``/s/<token>`` and
``/s?__biz=…&mid=…&idx=…&sn=…`` forms are served by the same pages.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..models import ErrorCode, LinkKind, LinkResult, UrlInfo, Verdict
from .base import CN_SHARE_PARAMS, Site, query_params
from .generic import result_from_page
from .soft404 import page_text

if TYPE_CHECKING:
    from ..fetch import Fetcher

# Marker in the error page → what it means, in the order they are looked for.
GONE_MARKERS: tuple[tuple[str, str], ...] = (
    ("该内容已被发布者删除", "deleted by the publisher"),
    ("此内容因违规无法查看", "removed for violating the platform rules"),
    ("此内容被投诉且经审核涉嫌侵权", "removed after an infringement complaint"),
    ("该公众号已被封禁", "the account has been banned"),
    ("此帐号已被封禁", "the account has been banned"),
    ("此帐号已被屏蔽", "the account has been blocked"),
    ("此账号已被屏蔽", "the account has been blocked"),
    ("此帐号已自主注销", "the account has been cancelled"),
    ("账号已注销", "the account has been cancelled"),
    ("帐号已注销", "the account has been cancelled"),
    ("链接已过期", "the link has expired"),
    ("参数错误", "invalid article parameters"),
)
VERIFY_MARKERS = ("环境异常", "完成验证后即可继续访问")
# Present in every real article page; error pages never have it.
ARTICLE_MARKER = 'id="js_content"'


def judge_text(text: str) -> tuple[Verdict, ErrorCode, str] | None:
    """The verdict an error page's text gives, or None for an article or unknown page."""
    if ARTICLE_MARKER in text:
        return None
    for marker in VERIFY_MARKERS:
        if marker in text:
            return (
                Verdict.UNVERIFIABLE,
                ErrorCode.BLOCKED,
                f"WeChat asks checkers to complete a verification ({marker})",
            )
    for marker, meaning in GONE_MARKERS:
        if marker in text:
            return Verdict.DEAD, ErrorCode.SOFT404, f"WeChat: {meaning} ({marker})"
    return None


def parse(host: str, path: str, query: str) -> dict[str, object]:
    info: dict[str, object] = {"site": "wechat"}
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[0] == "s":
        info["post_id"] = parts[1]
    elif parts == ["s"] or parts == ["mp", "appmsg", "show"]:
        info["post_id"] = query_params(query).get("sn") or None
    return info


class WeChatRule:
    """Fetch the article page and read WeChat's error line when there is one."""

    name = "wechat"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        page = await engine.fetch(info.normalized)
        result = result_from_page(info.normalized, page)
        if page.failure is not None or page.status != 200:
            return result
        judged = judge_text(page_text(page))
        if judged is None:
            return result
        verdict, error, reason = judged
        return replace(result, verdict=verdict, error=error, reason=reason)


SITE = Site(
    "wechat",
    hosts=("mp.weixin.qq.com",),
    kind=LinkKind.BLOG,
    rule=WeChatRule(),
    parse=parse,
    url_hosts=("mp.weixin.qq.com",),
    tracking=CN_SHARE_PARAMS,
    identity=("__biz", "mid", "idx", "sn"),
    session_fragments=("rd", "wechat_redirect"),
)
