"""`accept` and the `[hosts."…"]` table: parsed strictly, honoured by the engine on simweb."""

from __future__ import annotations

import functools
import itertools
import time

import pytest

import engine_helpers
from linkwatch.checker import check_urls
from linkwatch.hosts import HostConfig, host_config, parse_accept, parse_hosts
from linkwatch.models import Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b

fast = functools.partial(engine_helpers.fast, max_retries=0)  # one attempt: counts stay exact


def test_accept_codes_and_ranges_as_lychee_writes_them():
    assert parse_accept(["200..=202", 429, "300..302"]) == {200, 201, 202, 429, 300, 301}
    assert parse_accept("429, 503") == {429, 503}
    with pytest.raises(ValueError, match="'2xx'"):
        parse_accept(["2xx"])
    with pytest.raises(ValueError, match="empty"):
        parse_accept(["300..300"])


def test_hosts_table_is_strict_and_names_the_bad_key():
    hosts = parse_hosts({"Example.org": {"per_host": 1, "spacing": "2s", "accept": ["403"]}})
    assert hosts["example.org"] == HostConfig(per_host=1, spacing=2.0, accept=frozenset({403}))
    assert host_config(hosts, "www.example.org") is hosts["example.org"]  # subdomains too
    assert host_config(hosts, "notexample.org") is None
    with pytest.raises(ValueError, match=r'hosts\."a\.example"\.colour: unknown key'):
        parse_hosts({"a.example": {"colour": "red"}})
    with pytest.raises(ValueError, match=r"per_host"):
        parse_hosts({"a.example": {"per_host": 0}})


async def test_accept_makes_a_status_alive_globally_and_per_host(simweb):
    sc = Scenario()
    sc.host("limited.example", default=b.status(429))
    sc.host("members.example", default=b.status(403))
    sc.host("other.example", default=b.status(403))
    web = await simweb(sc)
    settings = fast(
        accept=parse_accept(["429"]),
        hosts=parse_hosts({"members.example": {"accept": [403]}}),
    )
    urls = ["https://limited.example/a", "https://members.example/b", "https://other.example/c"]
    results = {r.url: r for r in await check_urls(urls, settings, web.network())}
    assert results[urls[0]].verdict is Verdict.ALIVE
    assert "accepted" in results[urls[0]].reason
    assert results[urls[1]].verdict is Verdict.ALIVE
    assert results[urls[2]].verdict is Verdict.UNVERIFIABLE  # 403 accepted on members only
    assert len(web.requests("limited.example")) == 1  # an accepted 429 is not retried


async def test_hosts_table_headers_user_agent_and_redirect_limit(simweb):
    sc = Scenario()
    sc.host("api.example", default=b.ok(title="api"))
    sc.host("plain.example", default=b.ok(title="plain"))
    sc.host("hops.example", default=b.redirect(302, "https://hops.example/next"))
    web = await simweb(sc)
    hosts = parse_hosts(
        {
            "api.example": {"headers": {"X-Token": "t1"}, "user_agent": "special/1"},
            "hops.example": {"max_redirects": 0},
        }
    )
    urls = ["https://api.example/", "https://plain.example/", "https://hops.example/"]
    results = {r.url: r for r in await check_urls(urls, fast(hosts=hosts), web.network())}
    api = web.requests("api.example")[0].headers
    plain = web.requests("plain.example")[0].headers
    assert (api["X-Token"], api["User-Agent"]) == ("t1", "special/1")
    assert "X-Token" not in plain and plain["User-Agent"].startswith("linkwatch/")
    assert results[urls[2]].verdict is Verdict.DEAD
    assert "too many redirects (more than 0)" in results[urls[2]].reason
    assert len(web.requests("hops.example")) == 1


async def test_hosts_table_per_host_spacing_and_timeout(simweb):
    sc = Scenario()
    sc.host("slow.example", default=b.slow(delay=0.2, then=b.ok(title="slow")))
    sc.host("spaced.example", default=b.ok(title="spaced"))
    sc.host("hang.example", default=b.hang())
    web = await simweb(sc)
    hosts = parse_hosts(
        {
            "slow.example": {"per_host": 1},
            "spaced.example": {"spacing": "0.3s"},
            "hang.example": {"timeout": "0.5s"},
        }
    )
    urls = [f"https://slow.example/{i}" for i in range(3)]
    urls += [f"https://spaced.example/{i}" for i in range(3)]
    urls += ["https://hang.example/"]
    started = time.monotonic()
    results = {r.url: r for r in await check_urls(urls, fast(hosts=hosts), web.network())}
    assert web.max_concurrency("slow.example") == 1  # per_host 1 instead of 4
    arrivals = [r.t for r in web.requests("spaced.example")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert gaps and min(gaps) >= 0.25
    hang = results["https://hang.example/"]
    assert hang.verdict is Verdict.DEAD and hang.error.value == "timeout"
    assert "after 0.5 s" in hang.reason
    assert time.monotonic() - started < 2.9  # the host's 0.5 s, not the global 3 s
