"""DOIs are settled by the DOI handle API, whatever the publisher's wall says."""

from __future__ import annotations

import dataclasses

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s
from linkwatch.sites.doi import doi_of

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
ACM = "https://dl.acm.org/doi/10.1145/3394171.3413000"


def doi_web() -> tuple[Scenario, s.DoiSite]:
    dois = s.DoiSite()
    dois.add("10.1145/3394171.3413000", ACM)
    scenario = Scenario().mount("doi.org", dois).host("dl.acm.org", b.BotWall("cloudflare", 403))
    return scenario, dois


async def test_a_registered_doi_is_alive_behind_a_walled_publisher(simweb) -> None:
    scenario, _ = doi_web()
    web = await simweb(scenario)
    urls = [
        "https://doi.org/10.1145/3394171.3413000",
        "http://dx.doi.org/10.1145/3394171.3413000",
        "https://doi.org/10.1145/0000000.0000000",
    ]
    alive, dx, dead = await check_urls(urls, SETTINGS, web.network())
    assert (alive.verdict, alive.error, alive.reason) == (
        Verdict.ALIVE,
        None,
        f"DOI 10.1145/3394171.3413000 registered → {ACM}",
    )
    assert (alive.final_url, alive.chain) == (None, [])
    assert dx.verdict is Verdict.ALIVE
    assert (dead.verdict, dead.error, dead.status, dead.reason) == (
        Verdict.DEAD,
        ErrorCode.HTTP,
        404,
        "DOI 10.1145/0000000.0000000 not found (handle API responseCode 100)",
    )
    assert web.requests("dl.acm.org") == []  # the publisher is never asked
    assert {r.path for r in web.requests("doi.org")} == {
        "/api/handles/10.1145/3394171.3413000",
        "/api/handles/10.1145/0000000.0000000",
    }


async def test_the_handle_api_base_url_is_a_setting(simweb) -> None:
    scenario, dois = doi_web()
    web = await simweb(scenario.mount("handles.example.org", dois))
    settings = dataclasses.replace(SETTINGS, doi_api_url="https://handles.example.org/api/handles")
    [result] = await check_urls(
        ["https://doi.org/10.1145/3394171.3413000"], settings, web.network()
    )
    assert result.verdict is Verdict.ALIVE
    assert [r.path for r in web.requests("handles.example.org")] == [
        "/api/handles/10.1145/3394171.3413000"
    ]
    assert web.requests("doi.org") == []


async def test_an_api_that_does_not_answer_leaves_the_doi_unverifiable(simweb) -> None:
    web = await simweb(Scenario().host("doi.org", b.Ok("Maintenance")))
    [result] = await check_urls(
        ["https://doi.org/10.1145/3394171.3413000"], SETTINGS, web.network()
    )
    assert (result.verdict, result.error, result.reason) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.HTTP,
        "DOI handle API gave no answer for 10.1145/3394171.3413000 (200)",
    )


def test_doi_of_paths() -> None:
    assert doi_of("/10.1109/CVPR42600.2020.01155") == "10.1109/CVPR42600.2020.01155"
    assert doi_of("/10.1002/%28SICI%291097-4571") == "10.1002/(SICI)1097-4571"
    assert doi_of("/") is None
    assert doi_of("/api/handles") is None
