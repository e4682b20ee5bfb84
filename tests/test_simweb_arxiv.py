"""The simulated arXiv API answers like the real one (compared with hand-built fixtures
of arXiv's Atom format) and over real sockets through simweb."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb.arxiv_api import BadRequest, SimArxiv, example_papers, parse_query

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
DATA = Path(__file__).parents[1] / "src" / "linkwatch" / "data" / "awesome-cv-attention.md"
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
# Parts of a feed that differ per request in the real API too.
VOLATILE = {"id", "updated", "title", "link"}


def _shape(xml: str) -> list[tuple[str, dict[str, str], str]]:
    """Every element below the feed root, except per-request header parts, in order."""
    root = ET.fromstring(xml.encode())
    out = []
    for child in root:
        tag = child.tag.split("}")[1]
        if tag in VOLATILE:
            continue
        for el in child.iter():
            text = (el.text or "").strip() if el.tag.split("}")[1] != "updated" else "T"
            out.append((el.tag, dict(el.attrib), text))
    return out


def _entry_updated_masked(xml: str) -> str:
    return re.sub(r"<updated>[^<]*</updated>", "<updated>T</updated>", xml)


@pytest.fixture
def sim() -> SimArxiv:
    return SimArxiv(example_papers())


def test_id_list_answer_matches_real_format(sim: SimArxiv):
    body = sim.answer({"id_list": "1709.01507", "start": "0", "max_results": "100"})
    fixture = (FIXTURES / "id_list_1709.01507.xml").read_text()
    assert _shape(body) == _shape(fixture)


def test_malformed_id_is_rejected_with_arxivs_error_feed(sim: SimArxiv):
    with pytest.raises(BadRequest) as info:
        sim.answer({"id_list": "1709.01507,2010.03O45"})
    assert str(info.value) == "incorrect id format for 2010.03O45"


def test_unknown_ids_are_absent_and_order_follows_id_list(sim: SimArxiv):
    body = sim.answer({"id_list": "1903.06586,2010.99999,1709.01507v2,hep-th/9901001"})
    root = ET.fromstring(body.encode())
    ids = [e.findtext("a:id", namespaces=NS) for e in root.iterfind("a:entry", NS)]
    assert ids == ["http://arxiv.org/abs/1903.06586v2", "http://arxiv.org/abs/1709.01507v2"]
    assert root.findtext("os:totalResults", namespaces=NS) == "2"


def test_every_arxiv_id_of_the_example_list_is_known(sim: SimArxiv):
    ids = set(re.findall(r"arxiv\.org/abs/([\w.]+)", DATA.read_text()))
    known = {p["id"] for p in example_papers()}
    assert ids and ids <= known
    titles = {p["id"]: p["title"] for p in example_papers()}
    assert titles["2010.03045"] == "Rotate to Attend: Convolutional Triplet Attention Module"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('ti:"Non local Neural Networks"', {"1711.07971"}),
        ("ti:selective AND ti:kernel", {"1903.06586"}),
        ("ti:squeeze ANDNOT ti:excitation", {"1909.03402"}),
        ("(ti:squeeze OR ti:performers) AND au:Albanie", {"1709.01507"}),
        ("(ti:squeeze OR ti:performers) AND au:Hu", {"1709.01507", "1909.03402"}),
        ("id:1709.01507v2", {"1709.01507"}),
        ('ti:"Attention Networks for Semantic"', {"1909.03402"}),
    ],
)
def test_search_query_language(query: str, expected: set[str]):
    papers = example_papers()
    predicate = parse_query(query)
    assert {p["id"] for p in papers if predicate(p)} == expected


def test_search_pages_and_sorts(sim: SimArxiv):
    params = {"search_query": "ti:attention", "sortBy": "submittedDate", "sortOrder": "ascending"}
    first = ET.fromstring(sim.answer({**params, "max_results": "2"}).encode())
    rest = ET.fromstring(sim.answer({**params, "start": "2", "max_results": "50"}).encode())
    dates = [
        e.findtext("a:published", namespaces=NS)
        for root in (first, rest)
        for e in root.iterfind("a:entry", NS)
    ]
    assert len(dates) == int(first.findtext("os:totalResults", namespaces=NS) or 0) > 2
    assert dates == sorted(dates)


async def test_served_through_simweb():
    scenario = Scenario()
    scenario.mount("export.arxiv.org", SimArxiv(example_papers()).handle)
    async with SimWeb(scenario) as web:
        base = web.direct_base("export.arxiv.org")
        async with aiohttp.ClientSession() as session:
            ok = await session.get(f"{base}/api/query?" + urlencode({"id_list": "1709.01507"}))
            assert ok.status == 200
            assert ok.content_type == "application/atom+xml"
            assert "Squeeze-and-Excitation Networks" in await ok.text()
            bad = await session.get(f"{base}/api/query?id_list=2010.03O45")
            assert bad.status == 400
            fixture = (FIXTURES / "error_incorrect_id_format.xml").read_text()
            assert _entry_updated_masked(await bad.text()) == _entry_updated_masked(fixture)
            other = await session.get(f"{base}/abs/1709.01507")
            assert other.status == 404
        assert [r.path for r in web.requests("export.arxiv.org")] == [
            "/api/query",
            "/api/query",
            "/abs/1709.01507",
        ]
