"""Semantic Scholar enrichment against the simulated Graph API (real sockets, real store):
one batch per 500 ids, nulls for unknown ids, title match within a budget, polite retries
on 429, and a run that goes on with the last known values when S2 cannot answer."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
from pathlib import Path

import pytest

from linkwatch.cli.run import run_pipeline
from linkwatch.config import Settings, load_settings
from linkwatch.data import example_list_path
from linkwatch.enrich import Enrichment
from linkwatch.enrich.s2 import S2Enricher, entry_key
from linkwatch.extract import extract_text
from linkwatch.pipeline import run_check
from linkwatch.simweb import Scenario
from linkwatch.simweb.demo import demo_scenario, demo_settings
from linkwatch.simweb.s2_api import SimS2, example_s2_papers, s2_paper
from linkwatch.store import Store

KEY = "s2-test-key-not-a-secret"


def listing(n: int) -> bytes:
    lines = [f"- Paper {i} [[paper](https://arxiv.org/abs/2101.{i:05d})]" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def sim(n: int, **kw) -> SimS2:
    papers = [s2_paper(f"Paper {i}", "CVPR", 2021, i, arxiv=f"2101.{i:05d}") for i in range(n)]
    return SimS2(papers, **kw)


def settings(**kw) -> Settings:
    base = Settings(s2_interval=0.0, retry_backoff=0.01, max_retries=1)
    return dataclasses.replace(base, **kw)


async def test_600_ids_take_two_batches_and_unknown_ids_are_null(simweb, tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    sc = Scenario()
    sim(550, keys={KEY}).mount(sc)  # 50 of the 600 ids are unknown to S2
    web = await simweb(sc)
    doc = extract_text(listing(600), "list.md")
    with Store.open(tmp_path / "lw.db") as store:
        s2 = S2Enricher(settings(s2_api_key=KEY), web.network(), store=store)
        found = await s2.enrich([doc], Enrichment())
        batches = web.requests("api.semanticscholar.org", "/graph/v1/paper/batch")
        assert len(batches) == 2
        assert all(r.headers.get("x-api-key") == KEY for r in batches)
        assert len(found.s2) == 550 and not found.notes
        assert found.s2["ARXIV:2101.00007"].venue == "CVPR"
        assert found.s2["ARXIV:2101.00007"].citations == 7
        assert "ARXIV:2101.00580" not in found.s2
        # a second run within the TTL asks nothing, unknown ids included
        web.clear_log()
        again = await S2Enricher(settings(), web.network(), store=store).enrich([doc], Enrichment())
        assert web.log == [] and len(again.s2) == 550
    assert KEY not in caplog.text


def test_the_key_comes_from_the_environment_only_and_is_not_in_repr():
    s = load_settings(environ={"S2_API_KEY": KEY}, cwd=Path("/nonexistent"))
    assert s.s2_api_key == KEY and KEY not in repr(s)


async def test_retry_after_is_honoured_on_429(simweb, tmp_path: Path):
    sc = Scenario()
    sim(3, throttle=1, retry_after="1").mount(sc)
    web = await simweb(sc)
    doc = extract_text(listing(3), "list.md")
    found = await S2Enricher(settings(), web.network()).enrich([doc], Enrichment())
    assert len(found.s2) == 3 and not found.notes
    first, second = web.requests("api.semanticscholar.org", "/graph/v1/paper/batch")
    assert first.status == 429 and second.status == 200
    assert second.t - first.t >= 0.95


@pytest.mark.parametrize("trouble", ["storm", "refused", "budget"])
async def test_without_s2_the_run_keeps_last_known_values_and_says_so(
    simweb, tmp_path: Path, trouble: str
):
    sc = Scenario()
    server = sim(5).mount(sc)
    web = await simweb(sc)
    doc = extract_text(listing(5), "list.md")
    with Store.open(tmp_path / "lw.db") as store:
        await S2Enricher(settings(), web.network(), store=store).enrich([doc], Enrichment())
        later = settings(refresh=True)  # every answer is due again
        if trouble == "storm":
            server.storm = True
        elif trouble == "refused":
            later = dataclasses.replace(later, s2_api_url="https://s2.unreachable.example")
        else:
            later = dataclasses.replace(later, s2_daily_budget=1)  # spent by the first run
        found = await S2Enricher(later, web.network(), store=store).enrich([doc], Enrichment())
    assert len(found.s2) == 5  # last known values
    assert len(found.notes) == 1 and found.notes[0].startswith("Semantic Scholar not consulted")
    assert "5 of them keep their last known values" in found.notes[0]
    if trouble == "budget":
        assert "daily budget" in found.notes[0]
    if trouble == "storm":
        assert len(web.requests("api.semanticscholar.org", "/graph/v1/paper/batch")) <= 3


async def test_title_match_for_entries_without_identifier_within_budget(simweb):
    sc = Scenario()
    SimS2(example_s2_papers()).mount(sc)
    web = await simweb(sc)
    data = (
        b"- Weight Excitation: Built-in Attention Mechanisms in Convolutional Neural Networks"
        b" (ECCV-2020)[[paper](https://ieeexplore.ieee.org/document/9156481)]\n"
        b"- Some Unknown Work (CVPR)[[paper](https://example.org/unknown.pdf)]\n"
        b"- A DOI entry [[paper](https://doi.org/10.1109/CVPR.2019.00326)]\n"
    )
    doc = extract_text(data, "list.md")
    assert [entry_key(e) for e in doc.entries][2] == "DOI:10.1109/CVPR.2019.00326"
    found = await S2Enricher(settings(), web.network()).enrich([doc], Enrichment())
    matches = web.requests("api.semanticscholar.org", "/graph/v1/paper/search/match")
    assert len(matches) == 2
    assert {p.title for p in found.s2.values()} == {
        "Weight Excitation: Built-in Attention Mechanisms in Convolutional Neural Networks",
        "Dual Attention Network for Scene Segmentation",
    }
    web.clear_log()
    capped = await S2Enricher(settings(s2_match_budget=0), web.network()).enrich(
        [doc], Enrichment()
    )
    assert not web.requests("api.semanticscholar.org", "/graph/v1/paper/search/match")
    assert capped.notes == (
        "Semantic Scholar title match budget (0 per run) reached: 2 entries left for the next run.",
    )


async def test_example_list_gets_venues_in_one_batch(simweb, tmp_path: Path):
    """Acceptance: every arXiv paper gets venue, year and citations; DANet's venue edit says
    CVPR 2019 from S2; Performers, Triplet Attention and AFF get venue edits; one batch."""
    web = await simweb(demo_scenario())
    path = tmp_path / "awesome.md"
    shutil.copyfile(example_list_path(), path)
    config = dataclasses.replace(
        demo_settings(Settings(db=tmp_path / "linkwatch.db", fail_after=1), web),
        out=tmp_path / "reports",
        arxiv_interval=0.0,
    )
    outcome = await run_check([path], config, web.network())
    batches = web.requests("api.semanticscholar.org", "/graph/v1/paper/batch")
    assert len(batches) == 1
    papers = [e for e in outcome.report["entries"] if e["arxiv"]]
    assert papers and all(
        e["s2"] and e["s2"]["venue"] and e["s2"]["year"] and e["s2"]["citations"] is not None
        for e in papers
    )
    venue = {s["line"]: s for s in outcome.report["suggestions"] if s["kind"] == "venue"}
    danet = next(e for e in papers if e["title"].startswith("Dual Attention"))
    assert venue[danet["line"]]["new"] == "(CVPR-2019)"
    assert venue[danet["line"]]["reason"].startswith("Semantic Scholar says CVPR 2019")
    for title, new in [
        ("Rethinking Attention with Performers", " (ICLR-2021)"),
        ("Rotate to Attend", " (WACV-2021)"),
        ("Attentional Feature Fusion", " (WACV-2021)"),
    ]:
        entry = next(e for e in papers if e["title"].startswith(title))
        assert venue[entry["line"]]["new"] == new
        assert venue[entry["line"]]["reason"].startswith("Semantic Scholar says")


async def test_a_429_storm_night_finishes_with_one_line_and_last_known_values(
    simweb, tmp_path: Path
):
    sc = demo_scenario()
    server = SimS2(example_s2_papers(), retry_after="0").mount(sc)
    web = await simweb(sc)
    path = tmp_path / "awesome.md"
    shutil.copyfile(example_list_path(), path)
    config = dataclasses.replace(
        demo_settings(Settings(db=tmp_path / "linkwatch.db", fail_after=1), web),
        out=tmp_path / "reports",
        arxiv_interval=0.0,
        s2_interval=0.0,
        retry_backoff=0.01,
        s2_api_key=KEY,
    )
    first = await run_check([path], config, web.network())
    server.storm = True
    second = await run_check([path], dataclasses.replace(config, refresh=True), web.network())
    lines = [n for n in second.notes if "Semantic Scholar" in n]
    assert len(lines) == 1 and "rate-limited (HTTP 429)" in lines[0]
    assert not [n for n in first.notes if "Semantic Scholar" in n]
    before = {e["line"]: e["s2"] for e in first.report["entries"]}
    after = {e["line"]: e["s2"] for e in second.report["entries"]}
    assert after == before and any(after.values())
    assert lines[0] in second.report["notes"]
    with Store.open(config.db, readonly=True) as store:
        assert all(KEY not in str(run["options"]) for run in store.runs())


async def test_the_check_command_says_so_in_one_note(simweb, tmp_path: Path, capsys):
    """What the maintainer reads: the run's summary, then one note about S2, exit 1 for
    the example list's broken links (not an error exit)."""
    sc = demo_scenario()
    SimS2(example_s2_papers(), storm=True, retry_after="0").mount(sc)
    web = await simweb(sc)
    path = tmp_path / "awesome.md"
    shutil.copyfile(example_list_path(), path)
    config = dataclasses.replace(
        demo_settings(Settings(db=tmp_path / "linkwatch.db", fail_after=1), web),
        out=tmp_path / "reports",
        arxiv_interval=0.0,
        s2_interval=0.0,
        retry_backoff=0.01,
    )
    opts = {"no_progress": True, "quiet": False, "fmt": "text"}
    code = await asyncio.to_thread(run_pipeline, [path], config, web.network(), opts)
    text = " ".join(capsys.readouterr().out.split())  # the console may wrap long lines
    notes = [n for n in text.split("note: ")[1:] if "Semantic Scholar" in n]
    assert code == 1 and len(notes) == 1
    assert "rate-limited (HTTP 429)" in notes[0]
