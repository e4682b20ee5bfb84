"""Social networks: login walls are unverifiable with one request; public pages alive; the
network's own "not available" page dead."""

from __future__ import annotations

import pytest

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)


@pytest.mark.parametrize(
    ("url", "host", "behaviour", "reason"),
    [
        ("https://x.com/ak92501/status/1234", "x.com", s.x_shell(), "login required (x.com)"),
        ("https://x.com/ak92501/status/1234", "x.com", b.Status(403), "login required (x.com)"),
        ("https://x.com/ak92501/status/1234", "x.com", b.Status(400), "login required (x.com)"),
        (
            "https://twitter.com/ak92501/status/1234",
            "twitter.com",
            s.MovedHost("x.com"),
            "login required (x.com)",
        ),
        (
            "https://www.facebook.com/groups/cvpapers/posts/1",
            "www.facebook.com",
            s.LoginRedirect("/login/"),
            "login required (facebook.com)",
        ),
        (
            "https://www.instagram.com/p/Cabc123/",
            "www.instagram.com",
            s.LoginRedirect("/accounts/login/"),
            "login required (instagram.com)",
        ),
        (
            "https://www.linkedin.com/in/some-researcher",
            "www.linkedin.com",
            s.linkedin_999(),
            "login required (linkedin.com)",
        ),
        (
            "https://www.linkedin.com/posts/some-researcher_attention-123",
            "www.linkedin.com",
            s.LoginRedirect("/authwall", "sessionRedirect"),
            "login required (linkedin.com)",
        ),
    ],
)
async def test_login_walls_are_unverifiable_after_one_request(
    simweb, url: str, host: str, behaviour: b.Behaviour, reason: str
) -> None:
    web = await simweb(Scenario().host(host, behaviour))
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.reason) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        reason,
    )
    assert [r.method for r in web.log] == ["GET"]  # one request, the login page never asked


async def test_public_pages_are_alive_and_removed_ones_dead(simweb) -> None:
    public = "https://www.facebook.com/visionlab"
    removed = "https://www.facebook.com/groups/cvpapers/posts/2"
    gone_ig = "https://www.instagram.com/p/Cgone/"
    scenario = (
        Scenario()
        .route(public, s.social_public_page("Vision Lab", "Facebook"))
        .route(removed, s.social_gone("This content isn't available right now"))
        .route(gone_ig, s.social_gone("Sorry, this page isn't available."))
    )
    web = await simweb(scenario)
    alive, dead, dead_ig = await check_urls([public, removed, gone_ig], SETTINGS, web.network())
    assert (alive.verdict, alive.error, alive.reason) == (Verdict.ALIVE, None, "")
    assert (dead.verdict, dead.error, dead.reason) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "Facebook: “This content isn't available right now”",
    )
    assert (dead_ig.verdict, dead_ig.reason) == (
        Verdict.DEAD,
        "Instagram: “Sorry, this page isn't available.”",
    )
