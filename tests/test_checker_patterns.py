"""The engine-level patterns where status codes lie (issue 14): cookie-gated chains,
lying HEADs, redirects to sign-in and home pages, client-side redirects, legacy
charsets, slow bodies, odd Location and Retry-After headers. Each one has an alive and
a dead or unverifiable case, asserted as verdict, error and reason (docs/verdicts.md).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from engine_helpers import check, fast
from linkwatch.checker import Engine, check_urls
from linkwatch.models import ErrorCode, LinkResult, RedirectKind, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b

H = "https://example.org"
IDP = "https://idp.sso-example.net/idp/check"




def outcome(result):
    return result.verdict, result.error, result.reason


# -- 1. cookie-gated redirect chains ------------------------------------------------------


async def test_cookie_set_and_redirected_back_completes(simweb):
    web = await simweb(Scenario().route(H + "/article/1", b.cookie_gate(b.ok("Article"))))
    result = await check(web, H + "/article/1")
    assert outcome(result) == (Verdict.ALIVE, None, "")
    first, second = [r for r in web.log if r.method == "HEAD"]
    assert "Cookie" not in first.headers and second.headers["Cookie"] == "JSESSIONID=s3ss10n"


async def test_cookie_chain_through_an_identity_host_completes(simweb):
    scenario = (
        Scenario()
        .route(H + "/handle/123", b.cookie_gate(b.ok("Thesis"), via=IDP))
        .route(IDP, b.identity_hop())
    )
    web = await simweb(scenario)
    result = await check(web, H + "/handle/123")
    assert outcome(result) == (Verdict.ALIVE, None, "")
    assert result.chain[-1] == (200, H + "/handle/123") and len(result.chain) == 5
    # each cookie went only to the host that set it
    for record in web.log:
        cookie = record.headers.get("Cookie", "")
        assert ("idp_session" in cookie) <= (record.host == "idp.sso-example.net")
        assert ("JSESSIONID" in cookie) <= (record.host == "example.org")


async def test_cookie_gate_in_front_of_a_missing_page_is_dead(simweb):
    web = await simweb(Scenario().route(H + "/article/2", b.cookie_gate(b.not_found())))
    result = await check(web, H + "/article/2")
    assert outcome(result) == (Verdict.DEAD, ErrorCode.HTTP, "404 Not Found")


async def test_a_cookie_that_never_sticks_is_still_a_loop(simweb):
    web = await simweb(Scenario().route(H + "/loop", b.cookie_gate(sticky=False)))
    result = await check(web, H + "/loop", fast(max_redirects=5))
    assert outcome(result) == (Verdict.DEAD, ErrorCode.HTTP, "too many redirects (more than 5)")


async def test_a_redirect_to_itself_without_cookies_is_a_loop(simweb):
    web = await simweb(Scenario().route(H + "/self", b.redirect(302, "/self")))
    result = await check(web, H + "/self")
    assert outcome(result) == (
        Verdict.DEAD,
        ErrorCode.HTTP,
        f"redirect loop: {H}/self → {H}/self",
    )


async def test_cookies_are_never_shared_between_links(simweb):
    scenario = Scenario()
    for n in (1, 2, 3):
        scenario.route(f"{H}/paper/{n}", b.cookie_gate(b.ok(f"Paper {n}")))
    web = await simweb(scenario)
    results = await check_urls([f"{H}/paper/{n}" for n in (1, 2, 3)], fast(), web.network())
    assert [r.verdict for r in results] == [Verdict.ALIVE] * 3
    for n in (1, 2, 3):  # every link's chain starts without a cookie
        first = web.requests("example.org", f"/paper/{n}")[0]
        assert "Cookie" not in first.headers


# -- 2. a HEAD that is not 2xx is confirmed with GET ---------------------------------------


@pytest.mark.parametrize("code", [400, 403, 404, 405, 500, 501])
async def test_head_error_confirmed_by_get_is_alive(simweb, code):
    web = await simweb(Scenario().route(H + "/page", b.head_wrong(code)))
    result = await check(web, H + "/page")
    assert outcome(result) == (Verdict.ALIVE, None, "")
    assert [r.method for r in web.requests("example.org", "/page")] == ["HEAD", "GET"]


async def test_head_500_get_500_is_dead_after_the_gets_retries(simweb):
    web = await simweb(Scenario().route(H + "/broken", b.head_wrong(500, b.server_error())))
    result = await check(web, H + "/broken")
    assert outcome(result) == (
        Verdict.DEAD,
        ErrorCode.HTTP,
        "500 Internal Server Error after 3 attempts",
    )
    assert [r.method for r in web.requests("example.org", "/broken")] == ["HEAD"] + ["GET"] * 3


async def test_head_403_get_404_is_dead(simweb):
    web = await simweb(Scenario().route(H + "/removed", b.head_wrong(403, b.not_found())))
    assert outcome(await check(web, H + "/removed")) == (
        Verdict.DEAD,
        ErrorCode.HTTP,
        "404 Not Found",
    )


# -- 3. redirect targets judged: sign-in pages and home pages ------------------------------


async def test_redirect_to_a_login_page_is_unverifiable(simweb):
    scenario = (
        Scenario()
        .route(H + "/group/private-notes", b.require_login())
        .route(H + "/accounts/login/", b.sign_in_page())
    )
    web = await simweb(scenario)
    result = await check(web, H + "/group/private-notes")
    assert outcome(result) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "login required: redirected to the sign-in page on example.org",
    )
    assert result.final_url == H + "/accounts/login/?next=%2Fgroup%2Fprivate-notes"


async def test_permanent_redirect_to_an_accounts_host_is_unverifiable_not_redirect(simweb):
    login = "https://accounts.example-id.com/signin/v2/identifier"
    scenario = (
        Scenario()
        .route(H + "/forms/d/abc", b.require_login(login, param="continue", code=301))
        .route(login, b.sign_in_page("Example ID"))
    )
    web = await simweb(scenario)
    result = await check(web, H + "/forms/d/abc")
    assert outcome(result) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "login required: redirected to the sign-in page on accounts.example-id.com",
    )


async def test_deep_link_redirected_to_the_home_page_is_dead(simweb):
    scenario = (
        Scenario()
        .route(H + "/projects/attention-net", b.redirect(301, "/"))
        .route(H + "/", b.ok("Example Lab"))
    )
    web = await simweb(scenario)
    result = await check(web, H + "/projects/attention-net")
    assert outcome(result) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "redirected to the home page https://example.org/",
    )


async def test_deep_link_redirected_to_a_language_landing_page_is_dead(simweb):
    scenario = (
        Scenario()
        .route(H + "/news/2019/release.html", b.redirect(302, "https://www.example.org/en/"))
        .route("https://www.example.org/en/", b.ok("Example"))
    )
    web = await simweb(scenario)
    result = await check(web, H + "/news/2019/release.html")
    assert outcome(result) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "redirected to the home page https://www.example.org/en/",
    )


async def test_root_to_root_and_docs_to_latest_are_not_home_page_redirects(simweb):
    scenario = (
        Scenario()
        .route("http://example.org/", b.redirect(301, "https://example.org/"))
        .route(H + "/", b.ok("Example"))
        .route(H + "/docs", b.redirect(302, "/docs/en/latest/"))
        .route(H + "/docs/en/latest/", b.ok("Docs"))
    )
    web = await simweb(scenario)
    root = await check(web, "http://example.org/")
    assert (root.verdict, root.reason) == (Verdict.REDIRECT, f"moved permanently to {H}/")
    assert outcome(await check(web, H + "/docs")) == (Verdict.ALIVE, None, "")


async def test_a_stored_move_to_the_home_page_is_judged_again(simweb):
    """A 301 to "/" stored as `redirect` by an earlier version is not confirmed by its
    first hop: it gets a full check and comes out dead."""
    url = H + "/projects/old"
    scenario = Scenario().route(url, b.redirect(301, "/")).route(H + "/", b.ok("Lab"))
    web = await simweb(scenario)
    known = LinkResult(
        url,
        Verdict.REDIRECT,
        status=200,
        final_url=H + "/",
        redirect_kind=RedirectKind.PERMANENT,
        chain=[(301, url), (200, H + "/")],
        checked_at="2026-11-30T03:00:00Z",
    )
    [result] = await check_urls([url], fast(), web.network(), known_redirects={url: known})
    assert outcome(result) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "redirected to the home page https://example.org/",
    )


async def test_a_sign_in_page_with_a_captcha_is_login_required_not_a_bot_wall(simweb):
    form = '<form action="/login"><div class="g-recaptcha" data-sitekey="k"></div></form>'
    scenario = (
        Scenario()
        .route(H + "/team/drive", b.require_login("/login"))
        .route(H + "/login", b.html(b.html_page("Log in", form)))
    )
    web = await simweb(scenario)
    assert outcome(await check(web, H + "/team/drive")) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "login required: redirected to the sign-in page on example.org",
    )


# -- 4. client-side redirects -----------------------------------------------------------


async def test_meta_refresh_is_followed_to_a_live_page(simweb):
    scenario = (
        Scenario()
        .route(H + "/old-docs/", b.client_redirect("https://docs.example.net/guide/"))
        .route("https://docs.example.net/guide/", b.ok("Guide"))
    )
    web = await simweb(scenario)
    result = await check(web, H + "/old-docs/")
    assert outcome(result) == (Verdict.ALIVE, None, "")
    assert result.final_url == "https://docs.example.net/guide/"
    assert "client-side redirect (meta refresh)" in result.notes


async def test_meta_refresh_to_a_missing_page_is_dead(simweb):
    scenario = Scenario().route(H + "/moved", b.client_redirect("/gone-too"))
    scenario.route(H + "/gone-too", b.not_found())
    web = await simweb(scenario)
    result = await check(web, H + "/moved")
    assert outcome(result) == (Verdict.DEAD, ErrorCode.HTTP, "404 Not Found")
    assert result.final_url == H + "/gone-too"


async def test_location_script_to_a_login_page_is_unverifiable(simweb):
    scenario = (
        Scenario()
        .route(H + "/members/wiki", b.client_redirect("/login?next=/members/wiki", "replace"))
        .route(H + "/login", b.sign_in_page())
    )
    web = await simweb(scenario)
    assert outcome(await check(web, H + "/members/wiki")) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "login required: redirected to the sign-in page on example.org",
    )


async def test_location_script_stub_to_the_home_page_is_dead(simweb):
    scenario = Scenario().route(H + "/blog/post-42", b.client_redirect("/", "script"))
    scenario.route(H + "/", b.ok("Example"))
    web = await simweb(scenario)
    assert outcome(await check(web, H + "/blog/post-42")) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "redirected to the home page https://example.org/",
    )


async def test_client_redirects_count_toward_max_redirects(simweb):
    scenario = Scenario()
    for n in range(4):
        scenario.route(f"{H}/hop{n}", b.client_redirect(f"/hop{n + 1}"))
    scenario.route(f"{H}/hop4", b.ok())
    web = await simweb(scenario)
    result = await check(web, H + "/hop0", fast(max_redirects=3))
    assert outcome(result) == (Verdict.DEAD, ErrorCode.HTTP, "too many redirects (more than 3)")


async def test_a_page_refreshing_itself_is_alive(simweb):
    web = await simweb(Scenario().route(H + "/live", b.client_redirect("/live", delay=5)))
    assert outcome(await check(web, H + "/live")) == (Verdict.ALIVE, None, "")


# -- 5. decoding before any soft-404 or title rule -----------------------------------------

CN = "https://www.example.cn"


@pytest.mark.parametrize("declare", ["meta", "http-equiv", "none"])
async def test_gbk_not_found_page_declared_in_meta_is_dead_with_a_readable_title(
    simweb, declare
):
    missing = b.encoded("页面不存在", "抱歉，您访问的页面不存在或已被删除。", declare=declare)
    scenario = Scenario().host("www.example.cn", missing)
    scenario.route(CN + "/news/1.html", b.encoded("注意力机制综述", "本文介绍", declare=declare))
    web = await simweb(scenario)
    async with Engine(fast(), web.network()) as engine:
        dead = await engine.check(CN + "/news/404.html")
        alive = await engine.check(CN + "/news/1.html")
    assert outcome(dead) == (Verdict.DEAD, ErrorCode.SOFT404, "soft 404: page says “页面不存在”")
    assert outcome(alive) == (Verdict.ALIVE, None, "")


# -- 6. a total deadline per request; timeouts retried within a per-host budget ------------


async def test_slow_drip_body_costs_one_timeout(simweb):
    drip = b.head_not_allowed(b.slow_body(0.4, chunks=40, chunk_size=1))
    web = await simweb(Scenario().route(H + "/drip", drip))
    started = time.monotonic()
    result = await check(web, H + "/drip", fast(timeout=1.0))
    elapsed = time.monotonic() - started
    assert outcome(result) == (
        Verdict.DEAD,
        ErrorCode.TIMEOUT,
        "timed out after 1 s: the body of the 200 answer came too slowly",
    )
    assert result.attempts == 1 and elapsed < 1.0 + 1.0
    assert [r.method for r in web.requests("example.org", "/drip")] == ["HEAD", "GET"]


async def test_slow_body_within_the_deadline_is_alive(simweb):
    drip = b.head_not_allowed(b.slow_body(0.05, chunks=4, chunk_size=1))
    web = await simweb(Scenario().route(H + "/slowish", drip))
    assert outcome(await check(web, H + "/slowish", fast(timeout=1.0))) == (
        Verdict.ALIVE,
        None,
        "",
    )


async def test_timeout_retries_are_capped_per_host(simweb):
    web = await simweb(Scenario().host("example.org", b.hang()))
    urls = [f"{H}/stuck/{n}" for n in range(4)]
    settings = fast(timeout=0.3, max_retries=2, per_host=1)
    results = await check_urls(urls, settings, web.network())
    capped = "timed out after 0.3 s (not retried: example.org keeps timing out this run)"
    assert [outcome(r) for r in results] == [
        (Verdict.DEAD, ErrorCode.TIMEOUT, "timed out after 0.3 s")
    ] + [(Verdict.DEAD, ErrorCode.TIMEOUT, capped)] * 3
    assert [r.attempts for r in results] == [3, 1, 1, 1]
    # 4 links, 2 retries for the whole host (not 2 per link: that would be 12 requests)
    assert len(web.requests("example.org")) == 4 + 2


# -- 7. Location as browsers resolve it; Retry-After as seconds or a date -----------------

LOCATIONS = [
    # Location as sent, route it must reach
    ("/über uns/team", "/%C3%BCber%20uns/team"),
    ("//cdn.example.net/files/paper.pdf", None),
    ("../v2/index.html", "/docs/v2/index.html"),
    ("  /docs/space trimmed  ", "/docs/space%20trimmed"),
    ("/docs\\windows\\path", "/docs/windows/path"),
]


@pytest.mark.parametrize(("location", "path"), LOCATIONS, ids=[x[0] for x in LOCATIONS])
async def test_location_resolved_as_browsers_do(simweb, location, path):
    target = "https://cdn.example.net/files/paper.pdf" if path is None else H + path
    scenario = Scenario().route(H + "/docs/v1/start", b.redirect(302, location))
    scenario.route(target, b.ok("Target"))
    web = await simweb(scenario)
    result = await check(web, H + "/docs/v1/start")
    assert outcome(result) == (Verdict.ALIVE, None, "")
    assert result.final_url == target


async def test_location_to_a_missing_page_is_dead_with_the_resolved_url(simweb):
    web = await simweb(Scenario().route(H + "/a", b.redirect(302, "/café menu")))
    result = await check(web, H + "/a")
    assert outcome(result) == (Verdict.DEAD, ErrorCode.HTTP, "404 Not Found")
    assert result.final_url == H + "/caf%C3%A9%20menu"


async def test_429_retry_after_as_http_date_is_waited_for(simweb):
    web = await simweb(
        Scenario().route(H + "/maint", b.too_many(retry_after=1, as_date=True, then=b.ok()))
    )
    result = await check(web, H + "/maint")
    assert outcome(result) == (Verdict.ALIVE, None, "")


async def test_503_retry_after_as_http_date_is_waited_for(simweb):
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    busy = b.status(503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    web = await simweb(Scenario().route(H + "/maint", b.sequence([busy, b.ok()])))
    result = await check(web, H + "/maint")
    assert outcome(result) == (Verdict.ALIVE, None, "")
    first, second = web.requests("example.org", "/maint")[:2]
    assert first.status == 503 and second.status == 200 and second.t - first.t >= 0.9


async def test_retry_after_date_beyond_the_cap_is_unverifiable(simweb):
    web = await simweb(
        Scenario().route(H + "/later", b.too_many(retry_after=120, as_date=True))
    )
    result = await check(web, H + "/later", fast(retry_after_cap=1.0))
    assert outcome(result) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.RATE_LIMITED,
        "rate limited by example.org: it asks for a longer pause than allowed",
    )
