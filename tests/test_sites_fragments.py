"""--check-fragments: fragments of links into other sites' pages, as findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkwatch.checker import Engine, check_urls
from linkwatch.config import Settings
from linkwatch.extract import extract_file
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.sites.fragments import anchor_ids, check_external_fragments, is_anchor_fragment
from linkwatch.urls import normalize

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
PAGE = (
    "<!DOCTYPE html><html><head><title>Paper</title></head><body>"
    '<h2 id="results">Results</h2><a name="ablation"></a>'
    '<h2 id="user-content-性能-performance">性能 Performance</h2></body></html>'
)
README = """# List

- Paper A [[results](https://site.example.org/paper#results)]
- Paper B [[ablation](https://site.example.org/paper#Ablation)]
- Paper C [[perf](https://site.example.org/paper#%E6%80%A7%E8%83%BD-performance)]
- Paper D [[gone](https://site.example.org/paper#appendix)]
- Paper E [[lines](https://site.example.org/paper#L10-L20)]
- Paper F [[app](https://app.example.org/#/leaderboard)]
- Paper G [[dead page](https://site.example.org/missing#results)]
- Paper H [[pdf](https://site.example.org/paper.pdf#page=3)]
"""


async def test_missing_fragments_on_alive_pages_become_findings(simweb, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README, encoding="utf-8")
    doc = extract_file(readme, "README.md")
    scenario = (
        Scenario()
        .route("https://site.example.org/paper", b.Html(PAGE))
        .route("https://site.example.org/paper.pdf", b.Ok("Paper"))
        .host("app.example.org", b.Ok("App"))
    )
    web = await simweb(scenario)
    keys = sorted({normalize(link.url) for link in doc.links})
    results = {r.url: r for r in await check_urls(keys, SETTINGS, web.network())}
    web.clear_log()
    async with Engine(SETTINGS, web.network()) as engine:
        findings = await check_external_fragments([doc], results, engine)
    assert [(f.kind, f.line, f.message) for f in findings] == [
        (
            "missing_fragment",
            6,
            "https://site.example.org/paper#appendix: #appendix is not an anchor on "
            "https://site.example.org/paper",
        )
    ]
    # one GET for the page, however many links point into it; none for the others
    assert [(r.method, r.path) for r in web.log] == [("GET", "/paper")]


async def test_nothing_to_do_without_fragments(simweb) -> None:
    async with Engine(SETTINGS, (await simweb(Scenario())).network()) as engine:
        assert await check_external_fragments([], {}, engine) == []


@pytest.mark.parametrize(
    ("fragment", "anchor"),
    [("intro", True), ("L10", False), ("L10-L20", False), ("!/home", False),
     ("/route", False), (":~:text=attention", False), ("page=3", False), ("", False)],
)  # fmt: skip
def test_which_fragments_are_anchors(fragment: str, anchor: bool) -> None:
    assert is_anchor_fragment(fragment) is anchor


def test_anchor_ids_cover_quotes_names_and_github_prefix() -> None:
    html = "<div id=plain></div><a name='Named'></a><h1 id=\"user-content-usage\">"
    assert anchor_ids(html) == {"plain", "named", "user-content-usage", "usage"}
