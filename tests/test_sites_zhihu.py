"""Zhihu rule against simweb: live posts, the 404 page, 403 and sign-in walls."""

from __future__ import annotations

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import sites as s

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
ASKED = "https://www.zhihu.com/question/355555555"

CASES = [
    # URL, page, verdict, error, status, reason
    (
        "https://zhuanlan.zhihu.com/p/146123456",
        s.zhihu_article("CV中的注意力机制"),
        Verdict.ALIVE,
        None,
        200,
        "",
    ),
    (
        "https://zhuanlan.zhihu.com/p/404404404",
        s.zhihu_not_found(),
        Verdict.DEAD,
        ErrorCode.HTTP,
        404,
        "Zhihu: not found (你似乎来到了没有知识存在的荒原)",
    ),
    (
        "https://www.zhihu.com/question/1/answer/2",
        s.zhihu_not_found(status=200),
        Verdict.DEAD,
        ErrorCode.SOFT404,
        200,
        "Zhihu: not found (你似乎来到了没有知识存在的荒原)",
    ),
    (
        "https://zhuanlan.zhihu.com/p/403403403",
        s.zhihu_forbidden(),
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        403,
        "Zhihu asks checkers to sign in (403)",
    ),
    (
        ASKED,
        s.zhihu_signin(ASKED),
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        200,
        "Zhihu asks checkers to sign in (/signin)",
    ),
]


async def test_zhihu_pages_and_walls(simweb) -> None:
    scenario = Scenario().route("https://www.zhihu.com/signin", s.zhihu_signin_page())
    for url, page, *_ in CASES:
        scenario.route(url, page)
    web = await simweb(scenario)
    checked = await check_urls([c[0] for c in CASES], SETTINGS, web.network())
    results = {r.url: r for r in checked}
    for url, _, verdict, error, status, reason in CASES:
        result = results[url]
        assert (result.verdict, result.error, result.status, result.reason) == (
            verdict,
            error,
            status,
            reason,
        ), url
    signin = web.requests("www.zhihu.com", "/signin")
    assert [r.query for r in signin] == [f"next={ASKED}"]  # the log shows it decoded
