"""Bot walls: refusals and challenge pages are unverifiable, never dead, after one GET."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.pipeline import run_check
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s
from linkwatch.sites.registry import is_blocking_host

SETTINGS = Settings(
    allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4, max_retries=1
)
IEEE = "https://ieeexplore.ieee.org/document/9156697"


async def test_403_from_a_known_wall_is_unverifiable_after_one_get(simweb) -> None:
    web = await simweb(Scenario().route(IEEE, b.Status(403)))
    [result] = await check_urls([IEEE], SETTINGS, web.network())
    assert (result.verdict, result.error, result.status, result.reason) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        403,
        "bot wall: 403 from ieeexplore.ieee.org",
    )
    assert [r.method for r in web.requests("ieeexplore.ieee.org")] == ["HEAD", "GET"]
    get = web.requests("ieeexplore.ieee.org")[1]
    assert get.headers["Accept"].startswith("text/html")
    assert get.headers["User-Agent"] == SETTINGS.user_agent  # never spoofed


async def test_challenge_pages_are_walls_whatever_their_status(simweb) -> None:
    rg = "https://www.researchgate.net/publication/340000000_Attention"
    acm = "https://dl.acm.org/doi/10.1145/3394171.3413000"
    cf503 = "https://papers.example.org/paper/42"
    scenario = (
        Scenario()
        .route(rg, b.BotWall("cloudflare", 403))
        .host("dl.acm.org", s.request_rejected())  # the wall rejects every path alike
        .route(cf503, b.BotWall("cloudflare", 503))
    )
    web = await simweb(scenario)
    walled, rejected, challenge = await check_urls([rg, acm, cf503], SETTINGS, web.network())
    assert walled.reason == (
        "bot wall: 403 from www.researchgate.net, Cloudflare challenge page “Just a moment...”"
    )
    assert rejected.reason == "bot wall: 200 from dl.acm.org, challenge page “Request Rejected”"
    assert challenge.reason == (
        "bot wall: 503 from papers.example.org, Cloudflare challenge page “Just a moment...”"
    )
    for result in (walled, rejected, challenge):
        assert (result.verdict, result.error) == (Verdict.UNVERIFIABLE, ErrorCode.BLOCKED)


async def test_429_forever_from_a_known_wall(simweb) -> None:
    url = "https://medium.com/@someone/attention-explained-1234"
    web = await simweb(Scenario().route(url, b.Status(429, "Too Many Requests")))
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.reason) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "bot wall: 429 from medium.com",
    )


async def test_a_wall_that_only_refuses_head_lets_the_get_decide(simweb) -> None:
    web = await simweb(Scenario().route(IEEE, b.HeadWrong(403, b.Ok("IEEE Xplore"))))
    [result] = await check_urls([IEEE], SETTINGS, web.network())
    assert result.verdict is Verdict.ALIVE


async def test_a_long_page_with_a_captcha_form_is_content_not_a_wall(simweb) -> None:
    url = "https://lab.example.edu/contact"
    form = '<form><div class="g-recaptcha" data-sitekey="x"></div></form>'
    page = b.Ok("Contact the lab", "<p>Vision and attention research.</p>" * 2000 + form)
    web = await simweb(Scenario().host("lab.example.edu", page))  # 200 everywhere: GET
    [result] = await check_urls([url], SETTINGS, web.network())
    assert result.verdict is Verdict.ALIVE


def test_blocking_hosts_match_by_domain_suffix() -> None:
    assert is_blocking_host("www.researchgate.net")
    assert is_blocking_host("zhuanlan.zhihu.com")
    assert not is_blocking_host("notresearchgate.net")
    assert not is_blocking_host("arxiv.org")


async def test_list_half_walled_exits_0_and_lists_them_unverifiable(simweb, tmp_path: Path) -> None:
    walled = [f"https://ieeexplore.ieee.org/document/{9000000 + i}" for i in range(4)]
    fine = [f"https://blog.example.org/post-{i}" for i in range(4)]
    scenario = Scenario().host("ieeexplore.ieee.org", b.BotWall("akamai", 403))
    for url in fine:
        scenario.route(url, s.blog_post("Example", url.rsplit("/", 1)[1]))
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Awesome\n\n## Papers\n"
        + "".join(f"- Paper {i} (CVPR-2020)[[paper]({u})]\n" for i, u in enumerate(walled))
        + "".join(f"- Post {i} [[blog]({u})]\n" for i, u in enumerate(fine)),
        encoding="utf-8",
    )
    settings = dataclasses.replace(
        SETTINGS,
        db=tmp_path / "lw.db",
        out=tmp_path / "reports",
        enrich=False,
        fail_after=1,
    )
    web = await simweb(scenario)
    outcome = await run_check([readme], settings, web.network())
    assert outcome.exit_code == 0
    summary = outcome.report["summary"]
    assert (summary["unverifiable"], summary["alive"], summary["dead"]) == (4, 4, 0)
    by_url = {link["url"]: link for link in outcome.report["links"]}
    assert [by_url[url]["verdict"] for url in fine] == ["alive"] * 4
    for url in walled:
        assert by_url[url]["verdict"] == "unverifiable"
        assert by_url[url]["reason"].startswith("bot wall: 403 from ieeexplore.ieee.org")
    markdown = (tmp_path / "reports" / "report.md").read_text(encoding="utf-8")
    section = markdown.split("## Unverifiable, not counted as broken (4)", 1)[1]
    assert all(url in section for url in walled)


@pytest.mark.parametrize(
    ("service", "status", "reason"),
    [
        (
            "cloudflare",
            403,
            "bot wall: 403 from shop.example.com, Cloudflare challenge page “Just a moment...”",
        ),
        (
            "akamai",
            403,
            "bot wall: 403 from shop.example.com, Akamai challenge page “Access Denied”",
        ),
        (
            "datadome",
            403,
            "bot wall: 403 from shop.example.com, DataDome challenge page “shop.example.com”",
        ),
        (
            "perimeterx",
            403,
            "bot wall: 403 from shop.example.com, "
            "PerimeterX challenge page “Access to this page has been denied”",
        ),
        (
            "aws_waf",
            202,
            "bot wall: 202 from shop.example.com, AWS WAF challenge (x-amzn-waf-action: challenge)",
        ),
    ],
)
async def test_challenge_pages_name_their_service_at_any_status(
    simweb, service: str, status: int, reason: str
) -> None:
    url = "https://shop.example.com/item/42"
    web = await simweb(
        Scenario().host("shop.example.com", s.challenge(service, "shop.example.com"))
    )
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.status, result.reason) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        status,
        reason,
    )


async def test_ordinary_pages_behind_those_services_stay_alive(simweb) -> None:
    """Cloudflare's bot-detection script and DataDome's pass mark are on every page."""
    cf = "https://papers.example.net/attention"
    dd = "https://shop.example.com/item/7"
    scenario = (
        Scenario()
        .route(cf, s.cloudflare_site_page("Attention"))
        .route(dd, b.Html(s.blog_post("Shop", "Item 7").body, headers={"X-DataDome": "protected"}))
        .host("papers.example.net", b.not_found())
        .host("shop.example.com", b.not_found())
    )
    web = await simweb(scenario)
    results = await check_urls([cf, dd], SETTINGS, web.network())
    assert [(r.verdict, r.error, r.reason) for r in results] == [(Verdict.ALIVE, None, "")] * 2
