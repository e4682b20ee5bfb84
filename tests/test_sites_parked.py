"""Parked and for-sale domains are dead ("domain parked"), recognised by what parking pages
share; a live article that only talks about selling a domain stays alive."""

from __future__ import annotations

import pytest

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s
from linkwatch.sites.parked import _FOR_SALE

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)


@pytest.mark.parametrize(
    ("shape", "reason"),
    [
        ("sedo", "domain parked: parking service page (sedoparking.com)"),
        ("lander_script", "domain parked: script sends visitors to a parking lander (/lander)"),
        ("godaddy", "domain parked: parking service page (img1.wsimg.com)"),
        ("ads_for_domains", "domain parked: parking ads (Google ads for domains)"),
        ("frame", "domain parked: a bare frame around ww1.attention-lab.net"),
        ("for_sale", "domain parked: page says “attention-lab.net is for sale”"),
    ],
)
async def test_parking_pages_of_every_shape_are_dead(simweb, shape: str, reason: str) -> None:
    url = "https://attention-lab.net/projects/gct.html"
    web = await simweb(
        Scenario().host("attention-lab.net", s.parked_page("attention-lab.net", shape))
    )
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.status, result.reason) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        200,
        reason,
    )


async def test_a_redirect_to_a_domain_marketplace_is_parked(simweb) -> None:
    url = "https://old-lab.org/code/release.html"
    scenario = (
        Scenario()
        .host("old-lab.org", s.marketplace_redirect("old-lab.org"))
        .host("www.hugedomains.com", s.marketplace_page())
    )
    web = await simweb(scenario)
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.reason) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "domain parked: redirected to a domain marketplace (hugedomains.com)",
    )


async def test_an_article_about_selling_a_domain_stays_alive(simweb) -> None:
    """The words and a link to a marketplace are in the text, not in the title or scripts."""
    url = "https://blog.example.org/2024/selling-my-domain"
    other = "https://blog.example.org/2024/another-post"
    scenario = (
        Scenario()
        .route(url, s.article_about_domain_sales())
        .route(other, s.blog_post("Example", "Another post"))
        .host("blog.example.org", s.SoftNotFound())
    )
    web = await simweb(scenario)
    alive, _ = await check_urls([url, other], SETTINGS, web.network())
    assert (alive.verdict, alive.error, alive.reason) == (Verdict.ALIVE, None, "")


def test_headings_about_parking_are_not_offers() -> None:
    assert _FOR_SALE.search("What is a parked domain?") is None
    assert _FOR_SALE.search("Domain adaptation code is available") is None
    assert _FOR_SALE.search("example.net is for sale") is not None


async def test_the_marketplace_itself_is_not_parked(simweb) -> None:
    url = "https://www.hugedomains.com/domain_profile.cfm?d=example.org"
    web = await simweb(Scenario().host("www.hugedomains.com", s.marketplace_page()))
    [result] = await check_urls([url], SETTINGS, web.network())
    assert result.verdict is Verdict.ALIVE


async def test_masked_forwarding_and_embedded_apps_are_content(simweb) -> None:
    """A bare frame around another site (registrars' masked forwarding) or an iframe of a
    demo app is that site's content, not a parking page."""
    forward = "https://my-old-name.net/"
    demo = "https://demo.example.org/space"
    scenario = (
        Scenario()
        .host(
            "my-old-name.net",
            b.Html(
                "<html><head><title>Jane Doe</title></head><frameset rows='100%'>"
                "<frame src='https://people.example.edu/~jdoe/'></frameset></html>"
            ),
        )
        .route(
            demo,
            b.Html(
                "<html><head><title>Demo</title></head><body>"
                "<iframe src='https://attention-demo.hf.space' width='100%'></iframe></body></html>"
            ),
        )
    )
    web = await simweb(scenario)
    results = await check_urls([forward, demo], SETTINGS, web.network())
    assert [r.verdict for r in results] == [Verdict.ALIVE, Verdict.ALIVE]
