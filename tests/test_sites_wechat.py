"""WeChat rule against simweb: live articles, every removal page, the captcha page."""

from __future__ import annotations

import dataclasses

import pytest

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s
from linkwatch.sites.wechat import judge_text
from linkwatch.urls import normalize

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
W = "https://mp.weixin.qq.com"
BIZ = (
    f"{W}/s?__biz=MzU2NDExMzE5Nw==&mid=2247485243&idx=2&sn=4cf73ac84bdf064b649f6bf0aa8b3930"
    "&chksm=fc4ebd79cb39&mpshare=1&scene=1&srcid=1010LkNbbYg5EzUcwB7gHcjE#rd"
)

CASES = [
    # URL, page, verdict, error, reason
    (
        f"{W}/s/FlA1YrR0sLQGJoJZnSXpRw",
        s.wechat_article("深度学习注意力与记忆机制"),
        Verdict.ALIVE,
        None,
        "",
    ),
    (
        f"{W}/s/deleted0000000000000a",
        s.wechat_error("deleted"),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "WeChat: deleted by the publisher (该内容已被发布者删除)",
    ),
    (
        BIZ,
        s.wechat_error("deleted"),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "WeChat: deleted by the publisher (该内容已被发布者删除)",
    ),
    (
        f"{W}/s/violation00000000000a",
        s.wechat_error("violation"),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "WeChat: removed for violating the platform rules (此内容因违规无法查看)",
    ),
    (
        f"{W}/s/banned00000000000000a",
        s.wechat_error("banned"),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "WeChat: the account has been banned (该公众号已被封禁)",
    ),
    (
        f"{W}/s/cancelled00000000000a",
        s.wechat_error("cancelled"),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "WeChat: the account has been cancelled (此帐号已自主注销)",
    ),
    (
        f"{W}/s/expired0000000000000a",
        s.wechat_error("expired"),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "WeChat: the link has expired (链接已过期)",
    ),
    (
        f"{W}/s/verify00000000000000a",
        s.wechat_verify(),
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "WeChat asks checkers to complete a verification (环境异常)",
    ),
]


async def test_wechat_pages_give_the_sites_own_reasons(simweb) -> None:
    scenario = Scenario()
    for url, page, *_ in CASES:
        scenario.route(normalize(url), page)
    web = await simweb(scenario)
    checked = await check_urls([normalize(c[0]) for c in CASES], SETTINGS, web.network())
    results = {r.url: r for r in checked}
    for url, _, verdict, error, reason in CASES:
        result = results[normalize(url)]
        assert (result.verdict, result.error, result.reason) == (verdict, error, reason), url
        assert result.status == 200
    # one GET per article: the body is needed, a HEAD would only cost a request
    assert [r.method for r in web.requests("mp.weixin.qq.com")] == ["GET"] * len(CASES)


async def test_wechat_http_errors_keep_the_generic_mapping(simweb) -> None:
    url = f"{W}/s/servererror000000000a"
    web = await simweb(Scenario().route(url, b.Html("<html></html>", status=404)))
    settings = dataclasses.replace(SETTINGS, max_retries=0)
    [result] = await check_urls([url], settings, web.network())
    assert (result.verdict, result.error, result.reason) == (
        Verdict.DEAD,
        ErrorCode.HTTP,
        "404 Not Found",
    )


@pytest.mark.parametrize(
    "text",
    [
        '<div id="js_content"><p>转载声明：该内容已被发布者删除的文章不会出现在这里。</p></div>',
        "<html><body><p>微信公众平台</p></body></html>",
    ],
)
def test_articles_and_unknown_pages_are_left_to_the_status(text: str) -> None:
    assert judge_text(text) is None
