"""Bilibili rule against simweb's view API: every code, both id forms, no page fetches."""

from __future__ import annotations

import dataclasses

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.sites import BilibiliApi

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
V = "https://www.bilibili.com/video"


def api() -> BilibiliApi:
    sim = BilibiliApi()
    sim.add("BV1WJ41197dh", "HRNet：高分辨率表征学习")
    sim.add("BV1aa411c7m2", "稿件", code=62002)
    sim.add("BV1bb411c7m2", "审核中", code=62004)
    sim.add("BV1cc411c7m2", "自己可见", code=62012)
    sim.add("BV1dd411c7m2", "风控", code=-352)
    sim.add("BV1ee411c7m2", "拦截", code=-412)
    return sim


CASES = [
    (
        f"{V}/BV1WJ41197dh?t=508",
        Verdict.ALIVE,
        None,
        "Bilibili: video available “HRNet：高分辨率表征学习”",
    ),
    (f"{V}/av100000", Verdict.ALIVE, None, "Bilibili: video available “HRNet：高分辨率表征学习”"),
    (
        f"{V}/BV1xx411c7mD",
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "Bilibili: video not found (-404 啥都木有)",
    ),
    (
        f"{V}/BV1aa411c7m2",
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "Bilibili: video not visible (62002 稿件不可见)",
    ),
    (
        f"{V}/BV1bb411c7m2",
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "Bilibili: video under review, not visible (62004 稿件审核中)",
    ),
    (
        f"{V}/BV1cc411c7m2",
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "Bilibili: video visible only to its uploader (62012 仅UP主自己可见)",
    ),
    (
        f"{V}/BV1dd411c7m2",
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "Bilibili: the API refused the checker (-352 风控校验失败)",
    ),
    (
        f"{V}/BV1ee411c7m2",
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "Bilibili: the API refused the checker (-412 请求被拦截)",
    ),
]


async def test_view_api_codes_decide_the_verdict(simweb) -> None:
    web = await simweb(Scenario().mount("api.bilibili.com", api()).host("www.bilibili.com"))
    results = await check_urls([c[0] for c in CASES], SETTINGS, web.network())
    assert [(r.url, r.verdict, r.error, r.reason) for r in results] == CASES
    assert web.requests("www.bilibili.com") == []
    queries = sorted(r.query for r in web.requests("api.bilibili.com"))
    assert "aid=100000" in queries and "bvid=BV1WJ41197dh" in queries


async def test_api_base_comes_from_settings_and_other_links_are_pages(simweb) -> None:
    scenario = (
        Scenario()
        .mount("bili-mirror.test", api())
        .route("https://space.bilibili.com/9000001", b.Ok("UP主的个人空间"))
    )
    web = await simweb(scenario)
    settings = dataclasses.replace(
        SETTINGS, bilibili_api_url="https://bili-mirror.test/x/web-interface/view"
    )
    urls = [f"{V}/BV1WJ41197dh", "https://space.bilibili.com/9000001"]
    video, space = await check_urls(urls, settings, web.network())
    assert video.verdict is Verdict.ALIVE and video.final_url is None
    assert space.verdict is Verdict.ALIVE and web.requests("space.bilibili.com")


async def test_risk_control_for_everything_is_unverifiable_not_dead(simweb) -> None:
    web = await simweb(Scenario().mount("api.bilibili.com", BilibiliApi(refuse_all=-412)))
    results = await check_urls([c[0] for c in CASES[:4]], SETTINGS, web.network())
    assert {r.verdict for r in results} == {Verdict.UNVERIFIABLE}


async def test_short_share_links_resolve_to_the_api(simweb) -> None:
    scenario = (
        Scenario()
        .mount("api.bilibili.com", api())
        .route("https://b23.tv/aB3xYz9", b.Redirect(302, f"{V}/BV1WJ41197dh?share_source=copy"))
        .route("https://b23.tv/qQ7hidden", b.Redirect(302, f"{V}/BV1cc411c7m2"))
        .route("https://b23.tv/liveRoom", b.Redirect(302, "https://live.bilibili.com/21452505"))
        .route("https://live.bilibili.com/21452505", b.Ok("直播间"))
        .host("b23.tv", b.not_found())
    )
    web = await simweb(scenario)
    urls = [
        "https://b23.tv/aB3xYz9",
        "https://b23.tv/qQ7hidden",
        "https://b23.tv/liveRoom",
        "https://b23.tv/nope404",
    ]
    alive, hidden, live, missing = await check_urls(urls, SETTINGS, web.network())
    assert alive.verdict is Verdict.ALIVE and alive.url == urls[0]
    assert hidden.reason == "Bilibili: video visible only to its uploader (62012 仅UP主自己可见)"
    assert live.verdict is Verdict.ALIVE
    assert (missing.verdict, missing.status) == (Verdict.DEAD, 404)
    assert web.requests("www.bilibili.com") == []
