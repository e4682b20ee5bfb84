"""The HTTP engine against the simulated web: every fault → verdict, error and reason."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import ssl
import time

import pytest
from aiohttp import web as aioweb

from engine_helpers import check, fast
from linkwatch import sites
from linkwatch.checker import Engine, check_urls, describe_error
from linkwatch.models import ErrorCode, LinkResult, RedirectKind, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.behaviours import RouteState
from linkwatch.sites.base import Site
from linkwatch.urls import classify

H = "https://example.org"
# not HTML: a HEAD settles it (site rules GET HTML pages to look for soft 404s), so
# tests that count requests see only the engine's own traffic
PLAIN = b.ok(body="plain data\n", content_type="text/plain")







# -- status codes, HEAD → GET, redirects ---------------------------------------------

VERDICTS = [
    # path, behaviour, verdict, error, reason
    ("/ok", b.ok(), Verdict.ALIVE, None, ""),
    ("/paper.pdf", b.ok(title="Paper"), Verdict.ALIVE, None, ""),
    ("/missing", b.not_found(), Verdict.DEAD, ErrorCode.HTTP, "404 Not Found"),
    ("/gone", b.gone(), Verdict.DEAD, ErrorCode.HTTP, "410 Gone"),
    (
        "/error",
        b.server_error(),
        Verdict.DEAD,
        ErrorCode.HTTP,
        "500 Internal Server Error after 3 attempts",
    ),
    (
        "/bad-gateway",
        b.server_error(502),
        Verdict.DEAD,
        ErrorCode.HTTP,
        "502 Bad Gateway after 3 attempts",
    ),
    ("/teapot", b.status(418), Verdict.DEAD, ErrorCode.HTTP, "418 I'm a Teapot"),
    (
        "/linkedin",
        b.status(999),
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "non-standard status 999 from example.org: the site refuses checkers",
    ),
    ("/bad", b.status(400), Verdict.DEAD, ErrorCode.HTTP, "400 Bad Request"),
    (
        "/private",
        b.status(401),
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "401 from example.org: the site blocks checkers",
    ),
    (
        "/wall",
        b.bot_wall(),
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "bot wall: 403 from example.org, Cloudflare challenge page “Just a moment...”",
    ),
    (
        "/throttled",
        b.status(429),
        Verdict.UNVERIFIABLE,
        ErrorCode.RATE_LIMITED,
        "429 Too Many Requests from example.org after 3 attempts",
    ),
    ("/head-405", b.head_not_allowed(), Verdict.ALIVE, None, ""),
    ("/head-404", b.head_wrong(404), Verdict.ALIVE, None, ""),
    ("/head-403", b.head_wrong(403), Verdict.ALIVE, None, ""),
    (
        "/head-404-get-404",
        b.head_wrong(404, then=b.not_found()),
        Verdict.DEAD,
        ErrorCode.HTTP,
        "404 Not Found",
    ),
    ("/flaky", b.flaky(2, "503"), Verdict.ALIVE, None, ""),
    ("/flaky-reset", b.flaky(2, "reset"), Verdict.ALIVE, None, ""),
    ("/reset", b.reset(), Verdict.DEAD, ErrorCode.RESET, "connection reset by example.org"),
    ("/slow", b.slow(0.2), Verdict.ALIVE, None, ""),
    ("/huge", b.huge(20 * 1024 * 1024), Verdict.ALIVE, None, ""),
]


@pytest.mark.parametrize(
    ("path", "behaviour", "verdict", "error", "reason"), VERDICTS, ids=[v[0] for v in VERDICTS]
)
async def test_behaviour_gives_verdict_error_and_reason(
    simweb, path, behaviour, verdict, error, reason
):
    web = await simweb(Scenario().route(H + path, behaviour))
    result = await check(web, H + path)
    assert (result.verdict, result.error, result.reason) == (verdict, error, reason)
    assert result.url == H + path
    assert result.checked_at.endswith("Z") and result.duration_ms >= 0


async def test_alive_result_fields_and_user_agent(simweb):
    web = await simweb(Scenario().route(H + "/ok", PLAIN))
    result = await check(web, H + "/ok", fast(user_agent="linkwatch-test/1"))
    assert result.status == 200 and result.attempts == 1
    assert result.final_url is None and result.redirect_kind is None
    assert result.chain == [(200, H + "/ok")]
    [request] = web.log  # HEAD was enough: no body read, no GET
    assert request.method == "HEAD" and request.headers["User-Agent"] == "linkwatch-test/1"


async def test_head_refused_falls_back_to_get(simweb):
    web = await simweb(Scenario().route(H + "/h", b.head_not_allowed()))
    result = await check(web, H + "/h")
    assert result.verdict is Verdict.ALIVE and result.status == 200
    assert [r.method for r in web.log] == ["HEAD", "GET"]


async def test_flaky_two_503_then_200_is_alive_after_three_attempts(simweb):
    web = await simweb(Scenario().route(H + "/f", b.flaky(2, "503", then=PLAIN)))
    result = await check(web, H + "/f")
    assert result.verdict is Verdict.ALIVE and result.attempts == 3
    assert [r.status for r in web.log] == [503, 503, 200]


async def test_404_and_410_are_never_retried(simweb):
    web = await simweb(Scenario().route(H + "/a", b.not_found()).route(H + "/b", b.gone()))
    for path in ("/a", "/b"):
        result = await check(web, H + path)
        assert result.verdict is Verdict.DEAD and result.attempts == 1
    assert [(r.method, r.path) for r in web.log] == [
        ("HEAD", "/a"),
        ("GET", "/a"),
        ("HEAD", "/b"),
        ("GET", "/b"),
    ]


async def test_permanent_redirect_chain_gives_redirect_with_final_url(simweb):
    sc = Scenario().route(H + "/old", b.redirect(301, "/older"))
    sc.route(H + "/older", b.redirect(302, "https://new.example.org/page"))
    sc.route("https://new.example.org/page", b.ok())
    web = await simweb(sc)
    result = await check(web, H + "/old")
    assert result.verdict is Verdict.REDIRECT
    assert result.redirect_kind is RedirectKind.PERMANENT
    assert result.final_url == "https://new.example.org/page"
    assert result.reason == "moved permanently to https://new.example.org/page"
    assert result.chain == [
        (301, H + "/old"),
        (302, H + "/older"),
        (200, "https://new.example.org/page"),
    ]


@pytest.mark.parametrize("code", [301, 308])
async def test_first_hop_permanent_is_redirect(simweb, code):
    sc = Scenario().route(H + "/a", b.redirect(code, H + "/b")).route(H + "/b", b.ok())
    web = await simweb(sc)
    result = await check(web, H + "/a")
    assert result.verdict is Verdict.REDIRECT and result.final_url == H + "/b"


@pytest.mark.parametrize("code", [302, 303, 307])
async def test_temporary_redirect_to_alive_is_alive(simweb, code):
    sc = Scenario().route(H + "/a", b.redirect(code, "b")).route(H + "/b", b.ok())
    web = await simweb(sc)
    result = await check(web, H + "/a")
    assert result.verdict is Verdict.ALIVE and result.error is None
    assert result.redirect_kind is RedirectKind.TEMPORARY and result.final_url == H + "/b"


async def test_temporary_then_permanent_is_alive(simweb):
    sc = Scenario().route(H + "/a", b.redirect(302, "/b")).route(H + "/b", b.redirect(301, "/c"))
    web = await simweb(sc.route(H + "/c", b.ok()))
    result = await check(web, H + "/a")
    assert result.verdict is Verdict.ALIVE and result.final_url == H + "/c"


async def test_303_switches_to_get(simweb):
    seen: list[str] = []

    async def record_method(request: aioweb.Request, state: RouteState) -> aioweb.StreamResponse:
        seen.append(request.method)
        return aioweb.Response(text="ok")

    sc = Scenario().route(H + "/a", b.head_not_allowed(then=b.redirect(303, "/b")))
    web = await simweb(sc.route(H + "/b", record_method))
    result = await check(web, H + "/a")
    assert result.verdict is Verdict.ALIVE and seen == ["GET"]


async def test_redirect_loop_is_dead_with_reason(simweb):
    sc = Scenario().route(H + "/a", b.redirect(301, "/b")).route(H + "/b", b.redirect(302, "/a"))
    web = await simweb(sc)
    result = await check(web, H + "/a")
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.HTTP
    assert result.reason == f"redirect loop: {H}/b → {H}/a"
    assert result.redirect_kind is None


async def test_too_many_redirects_is_dead(simweb):
    sc = Scenario()
    for i in range(5):
        sc.route(f"{H}/r{i}", b.redirect(302, f"/r{i + 1}"))
    sc.route(f"{H}/r5", b.ok())
    web = await simweb(sc)
    result = await check(web, H + "/r0", fast(max_redirects=3))
    assert result.verdict is Verdict.DEAD
    assert result.reason == "too many redirects (more than 3)"
    assert len(web.log) == 4
    assert (await check(web, H + "/r0", fast(max_redirects=5))).verdict is Verdict.ALIVE


def chain(sc: Scenario, prefix: str, hops: int) -> str:
    """``hops`` redirects (302 and 301 mixed, as sites chain them) ending at a page."""
    for i in range(hops):
        sc.route(f"{H}/{prefix}{i}", b.redirect(302 if i % 2 else 301, f"/{prefix}{i + 1}"))
    sc.route(f"{H}/{prefix}{hops}", PLAIN)
    return f"{H}/{prefix}0"


@pytest.mark.parametrize("hops", [11, 15, 20])
async def test_chains_up_to_20_redirects_are_followed_by_default(simweb, hops: int):
    """Browsers follow 20 hops; a chain of 11-20 (URL shorteners, trackers, renames) is
    alive, not "too many redirects"."""
    sc = Scenario()
    start = chain(sc, "h", hops)
    web = await simweb(sc)
    result = await check(web, start, fast())
    assert result.verdict in (Verdict.ALIVE, Verdict.REDIRECT), result.reason
    assert result.final_url == f"{H}/h{hops}" and len(result.chain) == hops + 1


async def test_21_redirects_are_dead_with_the_limit_in_the_reason(simweb):
    sc = Scenario()
    start = chain(sc, "h", 21)
    web = await simweb(sc)
    result = await check(web, start, fast())
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.HTTP
    assert result.reason == "too many redirects (more than 20)"
    assert len(web.log) == 21  # the 21st redirect is not followed
    longer = await check(web, start, fast(max_redirects=21))
    assert longer.verdict in (Verdict.ALIVE, Verdict.REDIRECT)


async def test_a_loop_at_the_end_of_a_long_chain_is_still_a_loop(simweb):
    sc = Scenario()
    for i in range(15):
        sc.route(f"{H}/l{i}", b.redirect(302, f"/l{i + 1}"))
    sc.route(f"{H}/l15", b.redirect(302, "/l3"))
    web = await simweb(sc)
    result = await check(web, H + "/l0")
    assert result.verdict is Verdict.DEAD
    assert result.reason == f"redirect loop: {H}/l15 → {H}/l3"


async def test_redirect_to_non_http_is_dead(simweb):
    web = await simweb(Scenario().route(H + "/a", b.redirect(301, "ftp://files.example.org/x")))
    result = await check(web, H + "/a")
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.HTTP
    assert result.reason == "redirect to a non-HTTP URL: ftp://files.example.org/x"


# -- retries, Retry-After, timeouts, body cap ------------------------------------------


async def test_429_retry_after_is_honoured_before_asking_again(simweb):
    web = await simweb(Scenario().route(H + "/busy", b.too_many(retry_after=2, then=PLAIN)))
    result = await check(web, H + "/busy")
    assert result.verdict is Verdict.ALIVE and result.attempts == 2
    first, second = web.log
    assert first.status == 429 and second.status == 200
    assert second.t - first.t >= 2.0 - 0.05  # the server saw nothing before the 2 s passed


async def test_429_retry_after_as_http_date(simweb):
    web = await simweb(
        Scenario().route(H + "/busy", b.too_many(retry_after=1, as_date=True, then=PLAIN))
    )
    result = await check(web, H + "/busy")
    assert result.verdict is Verdict.ALIVE
    assert [r.status for r in web.log][-1] == 200 and web.log[0].status == 429


async def test_retry_after_beyond_cap_is_unverifiable_without_waiting(simweb):
    web = await simweb(Scenario().route(H + "/busy", b.too_many(retry_after=30)))
    started = time.monotonic()
    result = await check(web, H + "/busy", fast(retry_after_cap=1.0))
    assert time.monotonic() - started < 5
    assert result.verdict is Verdict.UNVERIFIABLE and result.error is ErrorCode.RATE_LIMITED
    assert result.reason == "rate limited by example.org: it asks for a longer pause than allowed"
    assert len(web.log) == 1


async def test_503_with_a_long_retry_after_is_unverifiable_not_dead(simweb):
    web = await simweb(Scenario().route(H + "/maint", b.status(503, headers={"Retry-After": "30"})))
    result = await check(web, H + "/maint", fast(retry_after_cap=1.0))
    assert result.verdict is Verdict.UNVERIFIABLE and result.error is ErrorCode.RATE_LIMITED
    assert result.status == 503 and len(web.log) == 1


async def test_hang_is_dead_within_the_timeout(simweb):
    web = await simweb(Scenario().route(H + "/hang", b.hang()))
    settings = fast(timeout=0.5, max_retries=1)
    started = time.monotonic()
    result = await check(web, H + "/hang", settings)
    elapsed = time.monotonic() - started
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.TIMEOUT
    assert result.reason == "timed out after 0.5 s" and result.attempts == 2
    assert elapsed < 2 * 0.5 + 1.5  # two attempts of 0.5 s, generous margin


async def test_slow_beyond_timeout_is_timeout(simweb):
    web = await simweb(Scenario().route(H + "/slow", b.slow(3)))
    result = await check(web, H + "/slow", fast(timeout=0.3, max_retries=0))
    assert (result.verdict, result.error) == (Verdict.DEAD, ErrorCode.TIMEOUT)


async def test_huge_body_stops_at_the_cap(simweb):
    # plain HTTP: simweb's TLS listener keeps counting writes into a dead connection
    web = await simweb(Scenario().route("http://example.org/huge", b.huge(64 * 1024 * 1024)))
    cap = 256 * 1024
    async with Engine(fast(body_cap=cap), web.network()) as engine:
        page = await engine.fetch("http://example.org/huge")
    assert page.status == 200 and page.truncated and len(page.body) == cap
    await asyncio.sleep(0.2)  # let the server notice the client left
    [request] = web.log
    # server-side count includes what sat in loopback kernel buffers (a few MB at most)
    assert request.bytes_sent <= cap + 8 * 1024 * 1024


async def test_get_fallback_reads_a_capped_body(simweb):
    huge = b.head_not_allowed(then=b.huge(64 * 1024 * 1024))
    web = await simweb(Scenario().route("http://example.org/h", huge))
    result = await check(web, "http://example.org/h", fast(body_cap=64 * 1024))
    assert result.verdict is Verdict.ALIVE
    await asyncio.sleep(0.2)
    assert web.log[-1].bytes_sent <= 64 * 1024 + 8 * 1024 * 1024


async def test_fetch_returns_body_and_text_for_site_rules(simweb):
    body = "<html><title>中文</title></html>"
    web = await simweb(Scenario().route(H + "/zh", b.html(body)))
    async with Engine(fast(), web.network()) as engine:
        page = await engine.fetch(H + "/zh")
    assert page.status == 200 and not page.truncated and page.text == body
    assert page.failure is None and page.final_url == H + "/zh"


# -- network faults ----------------------------------------------------------------------


async def test_nxdomain_is_dead_dns_without_retries(simweb):
    web = await simweb(Scenario().host("gone.example.org", b.ok(), dns="nxdomain"))
    result = await check(web, "https://gone.example.org/")
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.DNS
    assert result.reason == "cannot resolve gone.example.org: no such host (NXDOMAIN)"
    assert result.attempts == 1 and result.status is None


async def test_unknown_host_is_nxdomain(simweb):
    web = await simweb(Scenario())
    result = await check(web, "http://nowhere.example/")
    assert result.error is ErrorCode.DNS


async def test_connection_refused_is_dead_after_retries(simweb):
    web = await simweb(Scenario().host("down.example.org", b.ok(), dns="refused"))
    result = await check(web, "https://down.example.org/")
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.CONNECT
    assert result.reason == "connection refused by down.example.org"
    assert result.attempts == 3


@pytest.mark.parametrize(
    ("mode", "detail"),
    [
        ("untrusted", "unable to get local issuer certificate"),
        ("expired", "certificate has expired"),
        ("wrong_host", "mismatch"),
    ],
)
async def test_bad_certificates_are_tls_errors(simweb, mode, detail):
    web = await simweb(Scenario().host("bad.example.org", b.ok(), tls=mode))
    result = await check(web, "https://bad.example.org/")
    assert result.verdict is Verdict.DEAD and result.error is ErrorCode.TLS
    assert result.reason.startswith("TLS certificate verify failed for bad.example.org: ")
    assert detail.lower() in result.reason.lower()
    assert result.attempts == 1


async def test_ca_given_only_through_ssl_cert_file(simweb, monkeypatch):
    web = await simweb(Scenario().route("https://corp.example.org/", b.ok()))
    monkeypatch.setenv("SSL_CERT_FILE", str(web.ca_pem))
    network = dataclasses.replace(web.network(), ssl_context=None)
    async with Engine(fast(), network) as engine:
        result = await engine.check("https://corp.example.org/")
    assert result.verdict is Verdict.ALIVE and result.status == 200
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    async with Engine(fast(), network) as engine:
        result = await engine.check("https://corp.example.org/")
    assert result.error is ErrorCode.TLS  # without the CA the same server is not trusted


def test_describe_error_maps_plain_exceptions():
    s = fast(timeout=20)
    assert describe_error(TimeoutError(), "h", s) == (ErrorCode.TIMEOUT, "timed out after 20 s")
    assert describe_error(ConnectionResetError(), "h", s) == (
        ErrorCode.RESET,
        "connection reset by h",
    )
    assert describe_error(ssl.SSLError(1, "boom"), "h", s)[0] is ErrorCode.TLS
    assert describe_error(ConnectionRefusedError(111, "refused"), "h", s) == (
        ErrorCode.CONNECT,
        "connection refused by h",
    )


# -- URLs that are not fetched ----------------------------------------------------------


async def test_non_http_is_excluded_and_broken_url_is_invalid(simweb):
    web = await simweb(Scenario())
    mail = await check(web, "mailto:someone@example.org")
    assert mail.verdict is Verdict.EXCLUDED and mail.reason == "not an http(s) link (mailto)"
    broken = await check(web, "http:///nohost")
    assert broken.verdict is Verdict.DEAD and broken.error is ErrorCode.INVALID_URL
    assert web.log == []


# -- conditional requests ------------------------------------------------------------------


async def test_validators_send_conditional_headers_and_304_is_alive(simweb):
    async def etagged(request: aioweb.Request, state: RouteState) -> aioweb.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return aioweb.Response(status=304, headers={"ETag": '"v1"'})
        return aioweb.Response(text="page", headers={"ETag": '"v1"', "Last-Modified": "x"})

    web = await simweb(Scenario().route(H + "/e", etagged))
    first = await check_urls([H + "/e"], fast(), web.network())
    assert first[0].etag == '"v1"' and first[0].last_modified == "x" and first[0].status == 200
    again = await check_urls(
        [H + "/e"], fast(), web.network(), validators={H + "/e": ('"v1"', "x")}
    )
    assert again[0].verdict is Verdict.ALIVE and again[0].status == 304
    assert again[0].notes == ["not modified"] and again[0].etag == '"v1"'
    assert again[0].last_modified == "x"
    assert web.log[-1].headers["If-None-Match"] == '"v1"'
    assert web.log[-1].headers["If-Modified-Since"] == "x"


# -- whole runs ----------------------------------------------------------------------------


async def test_check_urls_keeps_input_order_dedupes_and_reports_each(simweb):
    sc = Scenario().host("a.example.org", b.ok()).host("b.example.org", b.not_found())
    web = await simweb(sc)
    urls = [
        "https://b.example.org/1",
        "https://a.example.org/1",
        "https://b.example.org/1",
        "https://a.example.org/2",
    ]
    seen = []
    results = await check_urls(urls, fast(), web.network(), on_result=seen.append)
    assert [r.url for r in results] == [urls[0], urls[1], urls[3]]
    assert [r.verdict for r in results] == [Verdict.DEAD, Verdict.ALIVE, Verdict.ALIVE]
    assert sorted(r.url for r in seen) == sorted(r.url for r in results)


async def test_politeness_per_host_limit_and_spacing_while_other_hosts_flow(simweb):
    sc = Scenario().host("busy.example.org", PLAIN, latency=0.03)
    sc.host("other.example.org", PLAIN, latency=0.03)
    web = await simweb(sc)
    busy = [f"https://busy.example.org/p{i}" for i in range(100)]
    other = [f"https://other.example.org/p{i}" for i in range(20)]
    settings = fast(per_host=2, host_spacing=0.05, concurrency=4)
    # warm up: simweb issues each host's certificate on first contact, which would
    # delay the first arrival and make the next look early
    await check_urls([busy[0], other[0]], settings, web.network())
    web.clear_log()
    started = time.monotonic()
    results = await check_urls(busy + other, settings, web.network())
    assert all(r.verdict is Verdict.ALIVE for r in results) and len(results) == 120
    assert web.max_concurrency("busy.example.org") <= 2
    starts = [r.t for r in web.requests("busy.example.org")]
    assert len(starts) == 100
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.05 - 0.01, gaps  # arrival times carry event-loop jitter
    busy_done = max(starts) - started
    other_done = max(r.t for r in web.requests("other.example.org")) - started
    assert busy_done >= 99 * 0.05
    assert other_done < busy_done / 3  # the busy host did not hold the run up


async def test_long_retry_after_defers_the_link_and_other_hosts_keep_going(simweb):
    sc = Scenario().route(H + "/busy", b.too_many(retry_after=2, then=PLAIN))
    sc.host("other.example.org", PLAIN)
    web = await simweb(sc)
    urls = [H + "/busy"] + [f"https://other.example.org/{i}" for i in range(5)]
    order: list[str] = []
    results = await check_urls(
        urls, fast(retry_after_cap=0.5), web.network(), on_result=lambda r: order.append(r.url)
    )
    assert [r.verdict for r in results] == [Verdict.ALIVE] * 6
    assert order[-1] == H + "/busy"  # re-queued, finished last
    busy = web.requests("example.org")
    assert busy[1].t - busy[0].t >= 2.0 - 0.05


async def test_deadline_stops_starting_checks_and_finishes_those_in_flight(simweb):
    """Issue 12 scope 7: a hanging link started before the deadline is judged (it times
    out), not cancelled and left unchecked for ever; nothing starts after the deadline."""
    slow = b.slow(0.8, PLAIN)
    sc = Scenario().host("fast.example.org", slow).route(H + "/hang", b.hang())
    web = await simweb(sc)
    urls = [H + "/hang", "https://fast.example.org/a", "https://fast.example.org/b"]
    started = time.monotonic()
    results = await check_urls(
        urls,
        fast(timeout=1.5, max_retries=0, per_host=1),
        web.network(),
        deadline=time.monotonic() + 0.5,
    )
    assert time.monotonic() - started < 4.5  # HEAD and GET may each time out once
    assert [r.url for r in results] == urls[:2]
    assert results[0].verdict is Verdict.DEAD and results[0].error is ErrorCode.TIMEOUT
    assert not web.requests("fast.example.org", "/b")  # started after the deadline: never


async def test_the_stalest_link_starts_even_when_the_deadline_has_passed(simweb):
    web = await simweb(Scenario().host("fast.example.org", PLAIN))
    urls = ["https://fast.example.org/a", "https://fast.example.org/b"]
    results = await check_urls(urls, fast(per_host=1), web.network(), deadline=time.monotonic() - 1)
    assert [r.url for r in results] == urls[:1]


async def test_host_rate_limit_answers_are_honoured(simweb):
    web = await simweb(Scenario().host("limited.example.org", PLAIN, rate_limit=(3, 1.0)))
    urls = [f"https://limited.example.org/{i}" for i in range(6)]
    results = await check_urls(urls, fast(per_host=6), web.network())
    assert all(r.verdict is Verdict.ALIVE for r in results)
    assert any(r.status == 429 for r in web.log)


# -- site rules plug in by host suffix -------------------------------------------------------


class EchoRule:
    """A site rule that fetches through the engine and reports what it saw."""

    name = "echo"

    async def check(self, info, engine):
        page = await engine.fetch(info.normalized)
        return LinkResult(info.normalized, Verdict.ALIVE, status=page.status, reason=page.text)


class BrokenRule:
    name = "broken"

    async def check(self, info, engine):
        raise KeyError("oops")


async def test_declared_rule_is_used_for_its_host_and_subdomains(simweb, declare):
    declare(
        Site("echo", hosts=("echo.example",), rule=EchoRule()),
        Site("broken", hosts=("broken.echo.example",), rule=BrokenRule()),
    )
    sc = Scenario().host("www.echo.example", b.ok(body="hi", content_type="text/plain"))
    web = await simweb(sc.host("broken.echo.example", PLAIN).host("other.example", PLAIN))
    echoed = await check(web, "https://www.echo.example/x")
    assert (
        echoed.reason == "hi" and echoed.checked_at and echoed.url == "https://www.echo.example/x"
    )
    broken = await check(web, "https://broken.echo.example/")  # longest suffix wins
    assert broken.verdict is Verdict.UNVERIFIABLE
    assert broken.reason == "internal error in broken rule: 'oops'"
    assert sites.rule_for(classify("https://other.example/")).name == "generic"
