"""GitHub HTML rule against simweb: blob/tree pages, gists, the 404 page, archived banner."""

from __future__ import annotations

import dataclasses

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
G = "https://github.com"
TREE = "google-research/google-research/tree/master/performer/fast_self_attention"


async def test_github_pages(simweb) -> None:
    scenario = (
        Scenario()
        .host("github.com", s.github_not_found())
        .route(f"{G}/{TREE}", s.github_page("google-research/google-research", TREE))
        .route(
            f"{G}/old-org/attn/blob/main/model.py",
            s.github_page("old-org/attn", "blob/main/model.py", archived=True),
        )
        .route("https://gist.github.com/someone/0123abcd", s.github_page("someone/0123abcd"))
        .host("gist.github.com", s.github_not_found())
    )
    web = await simweb(scenario)
    urls = [
        f"{G}/{TREE}",
        f"{G}/old-org/attn/blob/main/model.py",
        f"{G}/example/repo/blob/main/missing.py",
        "https://gist.github.com/someone/0123abcd",
        "https://gist.github.com/someone/deadbeef",
    ]
    tree, archived, missing, gist, gone = await check_urls(urls, SETTINGS, web.network())
    assert (tree.verdict, tree.notes) == (Verdict.ALIVE, [])
    assert (archived.verdict, archived.notes) == (Verdict.ALIVE, ["archived"])
    assert archived.reason == "archived by the owner (read-only)"
    for dead in (missing, gone):
        assert (dead.verdict, dead.error, dead.status, dead.reason) == (
            Verdict.DEAD,
            ErrorCode.HTTP,
            404,
            "GitHub: 404 page not found",
        )
    assert gist.verdict is Verdict.ALIVE


async def test_github_throttling_is_unverifiable_not_dead(simweb) -> None:
    url = f"{G}/example/repo/tree/main/docs"
    web = await simweb(Scenario().route(url, b.Status(429, "Too Many Requests")))
    settings = dataclasses.replace(SETTINGS, max_retries=0)
    [result] = await check_urls([url], settings, web.network())
    assert (result.verdict, result.error) == (Verdict.UNVERIFIABLE, ErrorCode.RATE_LIMITED)
