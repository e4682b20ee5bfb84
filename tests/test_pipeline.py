"""One run end to end on simweb: verdicts, report contract, cache, history, network down,
time budget. Real sockets, a real SQLite file."""

from __future__ import annotations

import json
from importlib.resources import files as package_files
from pathlib import Path

import jsonschema
import pytest

from linkwatch.config import Settings
from linkwatch.pipeline import NetworkDown, run_check
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.store import Store

LIST = """\
# Awesome Test

## Papers
- Good Paper (CVPR-2020) [[paper](https://papers.example/good.pdf)] [[code](https://code.example/good)]
- Gone Paper [[paper](https://papers.example/gone)]
- Moved Paper [[paper](https://old.example/paper)]
- Walled Paper [[paper](https://walled.example/doc/1)]
- Local [[data](#papers)] [[missing](#nowhere)] [[mail](mailto:a@b.example)]
"""


def schema() -> dict:
    return json.loads(package_files("linkwatch").joinpath("schema/report-1.json").read_text())


def base_scenario() -> Scenario:
    sc = Scenario()
    sc.host("papers.example", default=b.not_found())
    sc.route("https://papers.example/good.pdf", b.ok(title="Good"))
    sc.host("code.example", default=b.ok(title="Code"))
    sc.host("old.example", default=b.redirect(301, "https://new.example/paper"))
    sc.host("new.example", default=b.ok(title="New home"))
    sc.host("walled.example", default=b.bot_wall())
    sc.host("reference.example", default=b.ok(title="reference"))
    return sc


def settings_for(tmp_path: Path, **changes) -> Settings:
    values = dict(
        db=tmp_path / "cache" / "linkwatch.db",
        out=tmp_path / "reports",
        allow_private=True,
        enrich=False,
        host_spacing=0.0,
        retry_backoff=0.01,
        max_retries=1,
        timeout=5.0,
        reference_hosts=["https://reference.example/"],
    )
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def listing(tmp_path: Path) -> Path:
    path = tmp_path / "README.md"
    path.write_text(LIST, encoding="utf-8")
    return path


def by_url(report: dict) -> dict[str, dict]:
    return {item["url"]: item for item in report["links"]}


async def test_one_run_end_to_end(simweb, tmp_path: Path, listing: Path):
    web = await simweb(base_scenario())
    settings = settings_for(tmp_path)
    outcome = await run_check([listing], settings, web.network())
    report = outcome.report
    jsonschema.validate(report, schema())
    links = by_url(report)
    assert links["https://papers.example/good.pdf"]["verdict"] == "alive"
    gone = links["https://papers.example/gone"]
    assert (gone["verdict"], gone["status"], gone["error"]) == ("dead", 404, "http")
    assert gone["state"] == "failing"  # one run is not enough to call it broken
    assert gone["occurrences"][0]["line"] == 5
    assert gone["occurrences"][0]["section"].endswith("Papers")
    moved = links["https://old.example/paper"]
    assert (moved["verdict"], moved["final_url"]) == ("redirect", "https://new.example/paper")
    assert links["https://walled.example/doc/1"]["verdict"] == "unverifiable"
    assert links["mailto:a@b.example"]["verdict"] == "excluded"
    assert links["#papers"]["verdict"] == "alive"
    assert links["#nowhere"]["verdict"] == "dead" and links["#nowhere"]["state"] == "broken"
    assert outcome.exit_code == 1  # the missing anchor is broken at once
    names = sorted(p.name for p in outcome.paths)
    assert names == [
        "report.json",
        "report.junit.xml",
        "report.md",
        "report.sarif",
        "suggestions.patch",
    ]
    md = (settings.out / "report.md").read_text()
    assert "## Broken links (1)" in md and "#nowhere" in md
    assert "https://old.example/paper" in (settings.out / "suggestions.patch").read_text()
    assert json.loads((settings.out / "report.json").read_text()) == report


async def test_warm_run_asks_nothing_for_fresh_links_and_refresh_asks_again(
    simweb, tmp_path: Path, listing: Path
):
    web = await simweb(base_scenario())
    settings = settings_for(tmp_path)
    await run_check([listing], settings, web.network())
    web.clear_log()
    second = await run_check([listing], settings, web.network())
    asked = {(r.host, r.path) for r in web.log}
    assert ("papers.example", "/good.pdf") not in asked
    assert ("code.example", "/good") not in asked
    assert ("papers.example", "/gone") in asked  # dead links are re-checked every run
    # ...with one GET, where a first check needs HEAD and a confirming GET
    assert [r.method for r in web.requests("papers.example", "/gone")] == ["GET"]
    assert [r.method for r in web.requests("old.example")] == ["GET"]  # the redirect too
    assert web.requests("new.example") == []  # its target was checked within the alive TTL
    assert "target last checked" in by_url(second.report)["https://old.example/paper"]["reason"]
    assert by_url(second.report)["https://code.example/good"]["cached"] is True
    web.clear_log()
    refresh = settings_for(tmp_path, refresh=True)
    await run_check([listing], refresh, web.network())
    assert ("code.example", "/good") in {(r.host, r.path) for r in web.log}


async def test_failing_then_broken_with_first_failure_kept(simweb, tmp_path: Path):
    listing = tmp_path / "list.md"
    listing.write_text("- A [[x](https://flaky.example/a)] [[y](https://dead.example/b)]\n")
    sc = Scenario()
    sc.host("flaky.example", default=b.sequence([b.server_error(503)] * 2 + [b.ok()]))
    sc.host("dead.example", default=b.not_found())
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    settings = settings_for(tmp_path)
    night1 = await run_check([listing], settings, web.network())
    first = by_url(night1.report)
    assert first["https://flaky.example/a"]["state"] == "failing"
    assert first["https://dead.example/b"]["state"] == "failing"
    assert night1.exit_code == 0
    night2 = await run_check([listing], settings, web.network())
    second = by_url(night2.report)
    assert second["https://flaky.example/a"]["verdict"] == "alive"
    dead = second["https://dead.example/b"]
    assert dead["state"] == "broken" and dead["consecutive_failures"] == 2
    assert dead["first_failed_at"] == first["https://dead.example/b"]["first_failed_at"]
    assert night2.exit_code == 1
    assert night2.report["changes"]["fixed"] == ["https://flaky.example/a"]


async def test_network_down_records_nothing(simweb, tmp_path: Path, listing: Path):
    web = await simweb(base_scenario())
    settings = settings_for(tmp_path)
    await run_check([listing], settings, web.network())
    with Store.open(settings.db) as store:
        before = store.stats()
    down = Scenario()
    for host in ("papers.example", "code.example", "old.example", "new.example"):
        down.host(host, dns="refused")
    down.host("walled.example", dns="refused")
    down.host("reference.example", dns="refused")
    dark = await simweb(down)
    with pytest.raises(NetworkDown, match="network unreachable"):
        await run_check([listing], settings_for(tmp_path, refresh=True), dark.network())
    with Store.open(settings.db) as store:
        assert store.stats() == before


async def test_one_host_down_is_an_ordinary_dead_link(simweb, tmp_path: Path, listing: Path):
    sc = base_scenario()
    sc.host("code.example", dns="refused")
    web = await simweb(sc)
    outcome = await run_check([listing], settings_for(tmp_path), web.network())
    assert by_url(outcome.report)["https://code.example/good"]["error"] == "connect"


async def test_time_budget_checks_the_stalest_first(simweb, tmp_path: Path):
    listing = tmp_path / "big.md"
    listing.write_text(
        "".join(f"- Entry {i} [[p](https://slow{i % 20}.example/{i})]\n" for i in range(200))
    )
    sc = Scenario()
    for i in range(20):
        sc.host(f"slow{i}.example", default=b.slow(0.2))
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    budget = settings_for(tmp_path, max_duration=1.5, per_host=1)
    first = await run_check([listing], budget, web.network())
    checked_first = {item["url"] for item in first.report["links"]}
    assert 0 < len(checked_first) < 200
    assert any("left for the next run" in note for note in first.report["notes"])
    web.clear_log()
    second = await run_check([listing], budget, web.network())
    asked = {f"https://{r.host}{r.path}" for r in web.log}
    assert asked and not (asked & checked_first)  # the unchecked ones go first
    assert len({item["url"] for item in second.report["links"]}) > len(checked_first)


async def test_check_fragments_of_external_pages(simweb, tmp_path: Path):
    listing = tmp_path / "frag.md"
    listing.write_text(
        "- A [[x](https://docs.example/page#install)] [[y](https://docs.example/page#gone)]\n"
    )
    sc = Scenario()
    body = '<h2 id="install">Install</h2><p>text</p>'
    sc.host("docs.example", default=b.ok(title="Docs", body=body))
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    plain = await run_check([listing], settings_for(tmp_path), web.network())
    assert plain.report["findings"] == []
    checked = await run_check(
        [listing], settings_for(tmp_path, check_fragments=True), web.network()
    )
    [finding] = checked.report["findings"]
    assert finding["kind"] == "missing_fragment" and "#gone" in finding["message"]


async def test_a_redirect_that_moved_elsewhere_is_followed_again(simweb, tmp_path: Path):
    listing = tmp_path / "moved.md"
    listing.write_text("- A [[x](https://old.example/paper)]\n")
    sc = base_scenario()
    sc.host("newer.example", default=b.ok(title="Newer home"))
    web = await simweb(sc)
    settings = settings_for(tmp_path)
    await run_check([listing], settings, web.network())
    sc.host("old.example", default=b.redirect(301, "https://newer.example/paper"))
    web.clear_log()
    second = await run_check([listing], settings, web.network())
    moved = by_url(second.report)["https://old.example/paper"]
    assert (moved["verdict"], moved["final_url"]) == ("redirect", "https://newer.example/paper")
    assert [r.host for r in web.log if r.host != "reference.example"] == [
        "old.example",
        "old.example",
        "newer.example",
    ]
    sc.host("newer.example", default=b.not_found())
    third = await run_check([listing], settings_for(tmp_path, ttl_alive=0), web.network())
    assert by_url(third.report)["https://old.example/paper"]["verdict"] == "dead"


async def test_api_leftovers_are_checked_while_arxiv_is_still_busy(simweb, tmp_path: Path):
    """One queue for the run: a file link the GitHub API could not settle is fetched as a
    page as soon as the GitHub answer is in, not after arXiv's spaced title search."""
    from linkwatch.simweb.arxiv_api import SimArxiv, example_papers
    from linkwatch.simweb.github_api import SimGitHub

    github = SimGitHub()
    github.add_token("t0ken-for-tests", "bot")
    github.add_repo("octo/tools")
    sc = base_scenario()
    sc.mount("api.github.com", github.handle)
    sc.mount("export.arxiv.org", SimArxiv(example_papers()).handle)
    sc.host("github.com", default=b.ok(title="GitHub"))
    web = await simweb(sc)
    listing = tmp_path / "README.md"
    listing.write_text(
        "# L\n\n- SE [[paper](https://arxiv.org/abs/1709.01507)]\n"
        "- Some Unknown Paper Title [[paper](https://papers.example/good.pdf)]\n"
        "- Tool [[code](https://github.com/octo/tools/blob/renamed-branch/README.md)]\n",
        encoding="utf-8",
    )
    settings = settings_for(
        tmp_path,
        enrich=True,
        arxiv_api_url=web.direct_base("export.arxiv.org") + "/api/query",
        arxiv_interval=1.5,
        github_api_url=web.direct_base("api.github.com"),
        github_token="t0ken-for-tests",
    )
    outcome = await run_check([listing], settings, web.network())
    tool = by_url(outcome.report)["https://github.com/octo/tools/blob/renamed-branch/README.md"]
    assert tool["verdict"] == "alive"
    arxiv = [r.t for r in web.requests("export.arxiv.org")]
    assert len(arxiv) == 2  # the id lookup, then 1.5 s later the title search
    [page] = [r.t for r in web.requests("github.com")]
    assert page < arxiv[1]
