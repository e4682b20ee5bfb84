"""arXiv enrichment against the simulated API over real sockets (simweb)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from aiohttp import web

from linkwatch.config import Settings
from linkwatch.enrich.arxiv import (
    MAX_URL,
    ArxivEnricher,
    Invalid,
    Unknown,
    arxiv_results,
    normalize_title,
    parse_arxiv_id,
    title_matches,
    title_query,
)
from linkwatch.models import ErrorCode, PaperMeta, Verdict
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb.arxiv_api import SimArxiv, example_papers
from linkwatch.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
DATA = Path(__file__).parents[1] / "src" / "linkwatch" / "data" / "awesome-cv-attention.md"
API = "export.arxiv.org"
SCA_CNN = (
    "SCA-CNN: Spatial and Channel-wise Attention in Convolutional Networks for Image Captioning"
)


def synthetic(n: int, prefix: str = "2101") -> list[dict]:
    template = example_papers()[0]
    return [
        {**template, "id": f"{prefix}.{i:05d}", "title": f"Synthetic paper number {i}"}
        for i in range(n)
    ]


@dataclass
class Api:
    web: SimWeb
    sim: SimArxiv
    url: str

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "arxiv_api_url": self.url,
            "arxiv_interval": 0.01,
            "timeout": 5.0,
            "connect_timeout": 5.0,
            "max_retries": 0,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(r.query) for r in self.web.requests(API, "/api/query")]


async def _api(sim: SimArxiv) -> AsyncIterator[Api]:
    scenario = Scenario()
    scenario.mount(API, sim.handle)
    async with SimWeb(scenario) as sw:
        yield Api(sw, sim, sw.direct_base(API) + "/api/query")


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for value in _api(SimArxiv(example_papers() + synthetic(2000))):
        yield value


# --- pure helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2010.03045", ("2010.03045", None)),
        ("2010.03045v2", ("2010.03045", 2)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.6980v9", ("1412.6980", 9)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("math.AG/0601001v3", ("math.AG/0601001", 3)),
        ("2010.0304", None),  # 4 digits after 2015
        ("1412.69801", None),  # 5 digits before 2015
        ("2013.03045", None),  # month 13
        ("0612.0001", None),  # new scheme started 0704
        ("2010.03O45", None),
        ("2010.03045v0", None),
        ("hep-th/0801001", None),  # old scheme ended 0703
        ("abc", None),
    ],
)
def test_parse_arxiv_id(raw: str, expected: tuple[str, int | None] | None):
    assert parse_arxiv_id(raw) == expected


def test_title_normalisation_and_near_misses():
    assert normalize_title("Non-local  Neural\nNetworks.") == normalize_title(
        "non local neural networks"
    )
    assert title_matches(f"[CTFM] {SCA_CNN} (CVPR)", SCA_CNN)
    assert title_matches(
        "[CBAM] Convolutional Block Attention Module (ECCV)",
        "CBAM: Convolutional Block Attention Module",
    )
    assert not title_matches(
        "Convolutional Block Attention", "CBAM: Convolutional Block Attention Module"
    )
    assert not title_matches("Non-local Neural Networks", "Compact Generalized Non-local Network")


def test_title_query_is_quote_safe():
    assert title_query('[CTFM] "Quoted": A (weird) title! (CVPR)') == 'ti:"Quoted A weird title"'
    assert title_query("!!!") is None


def test_link_results_from_api_answers():
    meta = PaperMeta(
        "1709.01507", 4, "Squeeze-and-Excitation Networks", (), "", "", "", None, None, None, None
    )
    urls = {
        "https://arxiv.org/abs/1709.01507": "1709.01507",
        "https://arxiv.org/abs/2010.99999": "2010.99999",
        "https://arxiv.org/abs/2010.0304": "2010.0304",
        "https://arxiv.org/abs/1903.06586": "1903.06586",
        "https://arxiv.org/abs/1111.11111": "1111.11111",  # not answered: checked as a page
    }
    metas = {
        "1709.01507": meta,
        "2010.99999": None,
        "2010.0304": Invalid("malformed arXiv id '2010.0304'"),
        "1903.06586": Unknown("arXiv API did not answer within 5s", ErrorCode.TIMEOUT),
    }
    results = {r.url: r for r in arxiv_results(urls, metas, "2026-11-25T03:00:00Z")}
    assert len(results) == 4
    alive = results["https://arxiv.org/abs/1709.01507"]
    assert (alive.verdict, alive.reason) == (
        Verdict.ALIVE,
        "arXiv API: Squeeze-and-Excitation Networks",
    )
    dead = results["https://arxiv.org/abs/2010.99999"]
    assert (dead.verdict, dead.error, dead.status) == (Verdict.DEAD, ErrorCode.HTTP, None)
    assert dead.reason == "arXiv has no paper 2010.99999"
    assert results["https://arxiv.org/abs/2010.0304"].error is ErrorCode.INVALID_URL
    unknown = results["https://arxiv.org/abs/1903.06586"]
    assert (unknown.verdict, unknown.error) == (Verdict.UNVERIFIABLE, ErrorCode.TIMEOUT)
    assert all(r.checked_at == "2026-11-25T03:00:00Z" and r.attempts == 1 for r in results.values())


# --- against simweb ---------------------------------------------------------------------


async def test_example_list_is_enriched(api: Api):
    ids = sorted(set(re.findall(r"arxiv\.org/abs/([\w.]+)", DATA.read_text())))
    metas = await ArxivEnricher(api.settings()).fetch_async(ids)
    assert set(metas) == set(ids)
    for arxiv_id, meta in metas.items():
        assert isinstance(meta, PaperMeta), arxiv_id
        assert meta.arxiv_id == arxiv_id and meta.title and meta.authors
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta.published)
    se = metas["1709.01507"]
    assert isinstance(se, PaperMeta)
    assert (se.version, se.doi, se.primary_category) == (4, "10.1109/TPAMI.2019.2913372", "cs.CV")
    assert se.journal_ref and "Pattern Analysis" in se.journal_ref
    assert metas["2010.03045"].title == "Rotate to Attend: Convolutional Triplet Attention Module"  # type: ignore[union-attr]
    assert len(api.queries()) == 1
    agent = api.web.requests(API)[0].headers["User-Agent"]
    assert agent == Settings().user_agent


async def test_2000_ids_take_as_few_requests_as_urls_allow_and_no_page_fetches(api: Api):
    ids = [f"2101.{i:05d}" for i in range(2000)]
    metas = await ArxivEnricher(api.settings()).fetch_async(ids)
    assert all(isinstance(m, PaperMeta) for m in metas.values()) and len(metas) == 2000
    queries = api.queries()
    assert len(queries) == 4  # about 530 ids per URL of at most MAX_URL characters
    requests = api.web.requests(API, "/api/query")
    assert all(len(api.url) + 1 + len(r.query) <= MAX_URL for r in requests)
    assert sum(len(q["id_list"][0].split(",")) for q in queries) == 2000
    assert {r.host for r in api.web.log} == {API}  # nothing fetched from arxiv.org pages


async def test_malformed_id_is_never_sent_and_the_batch_still_works(api: Api):
    ids = [f"2101.{i:05d}" for i in range(99)] + ["2010.03O45"]
    metas = await ArxivEnricher(api.settings()).fetch_async(ids)
    assert sum(isinstance(m, PaperMeta) for m in metas.values()) == 99
    bad = metas["2010.03O45"]
    assert isinstance(bad, Invalid) and "malformed arXiv id '2010.03O45'" in bad.reason
    (query,) = api.queries()
    assert "2010.03O45" not in query["id_list"][0]
    (result,) = arxiv_results({"https://arxiv.org/abs/2010.03O45": "2010.03O45"}, metas)
    assert (result.verdict, result.error) == (Verdict.DEAD, ErrorCode.INVALID_URL)


async def test_unknown_id_is_none_and_a_missing_version_too(api: Api):
    enricher = ArxivEnricher(api.settings())
    metas = await enricher.fetch_async(["2010.99999", "1709.01507v9", "1709.01507v2"])
    assert metas["2010.99999"] is None and metas["1709.01507v9"] is None
    assert isinstance(metas["1709.01507v2"], PaperMeta)
    (dead,) = arxiv_results({"https://arxiv.org/abs/2010.99999": "2010.99999"}, metas)
    assert dead.verdict is Verdict.DEAD and dead.reason == "arXiv has no paper 2010.99999"


async def test_sync_fetch_from_a_worker_thread(api: Api):
    metas = await asyncio.to_thread(ArxivEnricher(api.settings()).fetch, ["1903.06586"])
    assert metas["1903.06586"].title == "Selective Kernel Networks"  # type: ignore[union-attr]


async def test_hung_api_ends_in_bounded_time_and_ids_are_unverifiable():
    async for api in _api(SimArxiv(example_papers(), hang=True)):
        enricher = ArxivEnricher(api.settings(timeout=0.5))
        started = time.monotonic()
        metas = await enricher.fetch_async([f"2101.{i:05d}" for i in range(250)])
        assert await enricher.search_titles_async([SCA_CNN]) == {}  # failed: nothing known
        assert time.monotonic() - started < 30  # one timeout, not one per batch
        assert all(isinstance(m, Unknown) and m.error is ErrorCode.TIMEOUT for m in metas.values())
        assert len(api.queries()) == 1  # the API counts as down after the first timeout
        results = arxiv_results({"https://arxiv.org/abs/2101.00001": "2101.00001"}, metas)
        assert results[0].verdict is Verdict.UNVERIFIABLE


async def test_server_errors_are_retried_then_unverifiable():
    calls = []

    async def failing(request: web.Request) -> web.Response:
        calls.append(request.path)
        return web.Response(status=503, text="Service Unavailable")

    scenario = Scenario()
    scenario.mount(API, failing)
    async with SimWeb(scenario) as sw:
        api = Api(sw, SimArxiv(), sw.direct_base(API) + "/api/query")
        enricher = ArxivEnricher(api.settings(max_retries=1, retry_backoff=0.01))
        metas = await enricher.fetch_async(["1709.01507"])
    meta = metas["1709.01507"]
    assert isinstance(meta, Unknown) and meta.reason == "arXiv API answered HTTP 503"
    assert len(calls) == 2


async def test_title_search_finds_the_cvf_only_paper_and_rejects_a_near_miss(api: Api):
    enricher = ArxivEnricher(api.settings())
    found = await asyncio.to_thread(enricher.search_title, f"[CTFM] {SCA_CNN} (CVPR)")
    assert isinstance(found, PaperMeta) and found.arxiv_id == "1611.05594"
    near = "SCA-CNN: Spatial and Channel-wise Attention in Convolutional Networks"
    assert await asyncio.to_thread(enricher.search_title, near) is None
    queries = [q["search_query"][0] for q in api.queries()]
    assert queries[0].startswith('ti:"SCA CNN Spatial and Channel wise Attention')
    assert len(queries) == 2


async def test_title_search_reads_real_format_and_skips_near_misses_in_the_answer():
    fixture = (FIXTURES / "search_ti_non_local.xml").read_text()

    async def recorded(request: web.Request) -> web.Response:
        return web.Response(text=fixture, content_type="application/atom+xml")

    scenario = Scenario()
    scenario.mount(API, recorded)
    async with SimWeb(scenario) as sw:
        api = Api(sw, SimArxiv(), sw.direct_base(API) + "/api/query")
        enricher = ArxivEnricher(api.settings())
        found = await asyncio.to_thread(
            enricher.search_title, "Non-local Neural Networks (CVPR 2018)"
        )
    assert isinstance(found, PaperMeta)
    assert (found.arxiv_id, found.version, found.title) == (
        "1711.07971",
        3,
        "Non-local Neural Networks",
    )
    assert found.abstract.startswith("Non-local operations compute") and "\n" not in found.abstract
    assert found.journal_ref == "CVPR 2018" and found.doi is None


async def test_requests_are_spaced_across_fetches_and_searches(api: Api):
    interval = 0.2
    enricher = ArxivEnricher(api.settings(arxiv_interval=interval))
    await asyncio.gather(
        enricher.fetch_async([f"2101.{i:05d}" for i in range(250)]),
        enricher.search_titles_async([SCA_CNN]),
    )
    await enricher.fetch_async(["1709.01507"])
    times = [r.t for r in api.web.requests(API, "/api/query")]
    assert len(times) == 3  # 250 ids in one id_list request, one search, one more fetch
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= interval - 0.005, gaps
    assert api.web.max_concurrency(API) == 1


async def test_metadata_is_cached_and_refreshed_by_ttl(api: Api, tmp_path: Path):
    ids = ["1709.01507", "1903.06586", "2010.99999"]
    with Store.open(tmp_path / "lw.db") as store:
        first = await ArxivEnricher(api.settings(), store=store).fetch_async(ids)
        assert len(api.queries()) == 1
        again = await ArxivEnricher(api.settings(), store=store).fetch_async(ids)
        assert again == first
        # known papers come from the cache; only the unknown id is asked again
        assert api.queries()[-1]["id_list"] == ["2010.99999"]
        stale = ArxivEnricher(api.settings(ttl_paper=0.0), store=store)
        await stale.fetch_async(ids[:1])
        assert api.queries()[-1]["id_list"] == ["1709.01507"]
        stored = store.get_metadata("arxiv", ids)
        assert set(stored) == {"1709.01507", "1903.06586"}
        assert stored["1709.01507"][0]["title"] == "Squeeze-and-Excitation Networks"


async def test_stale_cache_answers_when_the_api_is_down(tmp_path: Path):
    with Store.open(tmp_path / "lw.db") as store:
        async for api in _api(SimArxiv(example_papers())):
            await ArxivEnricher(api.settings(), store=store).fetch_async(["1709.01507"])
        async for api in _api(SimArxiv(example_papers(), hang=True)):
            enricher = ArxivEnricher(api.settings(timeout=0.3, ttl_paper=0.0), store=store)
            metas = await enricher.fetch_async(["1709.01507", "1903.06586"])
        assert isinstance(metas["1709.01507"], PaperMeta)
        assert isinstance(metas["1903.06586"], Unknown)


async def test_title_searches_are_cached_and_budgeted_stalest_first(api: Api, tmp_path: Path):
    titles = [SCA_CNN, "Attention-Guided Hierarchical Structure Aggregation for Image Matting"]
    with Store.open(tmp_path / "lw.db") as store:
        enricher = ArxivEnricher(api.settings(title_search_budget=1), store=store)
        hits = await enricher.search_titles_async(titles)
        assert len(api.queries()) == 1  # budget of one search per run
        assert isinstance(hits[SCA_CNN], PaperMeta) and titles[1] not in hits  # not searched
        # next run: the never-searched title goes first; the cached hit costs nothing
        enricher = ArxivEnricher(api.settings(title_search_budget=1), store=store)
        hits = await enricher.search_titles_async(titles)
        assert len(api.queries()) == 2
        assert "Matting" in api.queries()[-1]["search_query"][0]
        assert hits[SCA_CNN].arxiv_id == "1611.05594"  # type: ignore[union-attr]
        assert hits[titles[1]] is None
        assert set(store.get_metadata("arxiv_search", [normalize_title(t) for t in titles])) == {
            normalize_title(t) for t in titles
        }


async def test_a_simulated_network_routes_the_default_api_url_and_never_leaves_loopback():
    async for api in _api(SimArxiv(example_papers())):
        routed = ArxivEnricher(Settings(arxiv_interval=0.01), api.web.network())
        metas = await routed.fetch_async(["1709.01507"])
        assert isinstance(metas["1709.01507"], PaperMeta)
        assert len(api.queries()) == 1
        elsewhere = Settings(arxiv_api_url="https://arxiv.example.org/api/query", max_retries=0)
        refused = await ArxivEnricher(elsewhere, api.web.network()).fetch_async(["1709.01507"])
        assert refused["1709.01507"] == Unknown("arXiv API unreachable", ErrorCode.CONNECT)


async def test_title_searches_share_one_or_query_and_match_exactly_here(api: Api):
    enricher = ArxivEnricher(api.settings())
    titles = [
        f"[CTFM] {SCA_CNN} (CVPR)",
        "Synthetic paper number 7",
        "Synthetic paper number 7: revisited",  # found by the phrase, but not this title
        "A paper arXiv never had",
    ]
    hits = await enricher.search_titles_async(titles)
    (query,) = api.queries()
    assert query["search_query"][0].count(" OR ") == 3
    assert int(query["max_results"][0]) == 4 * 5
    assert hits[titles[0]].arxiv_id == "1611.05594"  # type: ignore[union-attr]
    assert hits[titles[1]].title == "Synthetic paper number 7"  # type: ignore[union-attr]
    assert hits[titles[2]] is None and hits[titles[3]] is None


async def test_a_title_crowded_out_of_a_full_answer_is_searched_alone(api: Api):
    enricher = ArxivEnricher(api.settings())
    # "Synthetic paper number" matches 2,000 papers, filling the shared answer
    hits = await enricher.search_titles_async(["Synthetic paper number", SCA_CNN])
    queries = [q["search_query"][0] for q in api.queries()]
    assert len(queries) == 2 and " OR " in queries[0]
    assert queries[1] == 'ti:"Synthetic paper number"'  # the unmatched title, alone
    assert hits[SCA_CNN].arxiv_id == "1611.05594"  # type: ignore[union-attr]
    assert hits["Synthetic paper number"] is None
