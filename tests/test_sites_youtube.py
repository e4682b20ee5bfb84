"""YouTube rule against simweb's oEmbed: public, missing, malformed, private, no-embed."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.sites import YouTubeSite

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)

CASES = [
    # URL, verdict, error, notes, reason
    (
        "https://www.youtube.com/watch?v=iDulhoQ2pro",
        Verdict.ALIVE,
        None,
        [],
        "YouTube: video available “Attention Is All You Need”",
    ),
    (
        "https://youtu.be/zzzzzzzzzzz",
        Verdict.DEAD,
        ErrorCode.HTTP,
        [],
        "YouTube: video not found (oEmbed 404)",
    ),
    (
        "https://www.youtube.com/watch?v=abc123",
        Verdict.DEAD,
        ErrorCode.HTTP,
        [],
        "YouTube: invalid video id (oEmbed 400)",
    ),
    (
        "https://www.youtube.com/watch?v=PrIvAtE0001",
        Verdict.ALIVE,
        None,
        ["restricted"],
        "YouTube: video is private or not embeddable (oEmbed 401)",
    ),
    (
        "https://www.youtube.com/embed/NoEmbed0001",
        Verdict.ALIVE,
        None,
        ["restricted"],
        "YouTube: video is private or not embeddable (oEmbed 403)",
    ),
]


async def test_oembed_status_decides_the_verdict(simweb) -> None:
    site = YouTubeSite()
    site.add("iDulhoQ2pro", "Attention Is All You Need")
    site.add("PrIvAtE0001", "private talk", "private")
    site.add("NoEmbed0001", "no embedding", "no_embed")
    web = await simweb(Scenario().mount("www.youtube.com", site).host("youtu.be"))
    results = await check_urls([c[0] for c in CASES], SETTINGS, web.network())
    got = [(r.url, r.verdict, r.error, r.notes, r.reason) for r in results]
    assert got == [(c[0], *c[1:]) for c in CASES]
    asked = web.requests("www.youtube.com")
    assert {r.path for r in asked} == {"/oembed"} and web.requests("youtu.be") == []
    first = parse_qs(asked[0].query)
    assert first["format"] == ["json"]
    assert first["url"][0].startswith("https://www.youtube.com/watch?v=")


async def test_throttled_oembed_is_unverifiable_not_dead(simweb) -> None:
    scenario = Scenario().route(
        "https://www.youtube.com/oembed", b.Status(429, "Too Many Requests")
    )
    web = await simweb(scenario)
    settings = dataclasses.replace(SETTINGS, max_retries=0)
    [result] = await check_urls(["https://youtu.be/iDulhoQ2pro"], settings, web.network())
    assert (result.verdict, result.error) == (Verdict.UNVERIFIABLE, ErrorCode.RATE_LIMITED)
    assert result.url == "https://youtu.be/iDulhoQ2pro"
