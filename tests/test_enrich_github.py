"""GitHub enrichment against the simulated API: batching, budgets, ETags, verdicts, secrecy."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from linkwatch.config import Settings
from linkwatch.enrich.github import (
    SOURCE,
    GithubAuthError,
    GithubEnricher,
    RepoLookup,
    build_query,
    github_results,
    object_expressions,
    repo_key,
)
from linkwatch.models import ErrorCode, RedirectKind, Verdict
from linkwatch.pipeline import run_check
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.github_api import SimGitHub, example_repos
from linkwatch.store import Store

EXAMPLE = Path(__file__).parents[1] / "src" / "linkwatch" / "data" / "awesome-cv-attention.md"
TOKEN = "ghp_SECRETlinkwatchTEST0123456789abcdef"
API = "api.github.com"


def _linked_repos() -> list[tuple[str, str]]:
    text = EXAMPLE.read_text(encoding="utf-8")
    return sorted(set(re.findall(r"https?://github\.com/([\w.-]+)/([\w.-]+)", text)))


def _settings(base: str, token: str | None = None, **extra: Any) -> Settings:
    values: dict[str, Any] = {"host_spacing": 0, "timeout": 5, "max_retries": 0, **extra}
    return Settings(github_api_url=base, github_token=token, **values)


async def _serve(simweb: Any, handler: Any) -> tuple[SimWeb, str]:
    web_ = await simweb(Scenario().mount(API, handler))
    return web_, web_.direct_base(API)


def _api_requests(web_: SimWeb, path: str | None = None) -> int:
    return len(web_.requests(API, path))


def _sim(**kwargs: Any) -> SimGitHub:
    sim = example_repos(SimGitHub(**kwargs))
    sim.add_token(TOKEN)
    return sim


def _assert_example_enriched(lookup: RepoLookup) -> None:
    for owner, name in _linked_repos():
        key = repo_key(owner, name)
        if key == "junfu1115/danet":
            assert key in lookup.missing
            continue
        assert lookup.metas[key].stars > 0, key
        assert lookup.metas[key].archived is (key == "hujie-frank/senet")
    assert lookup.renamed == {"landskapeai/triplet-attention": "landskape-ai/triplet-attention"}
    assert lookup.owners == {"hrnet": "Organization"}
    assert not lookup.unrefreshed and lookup.budget_reset is None


async def test_example_list_enriched_with_a_token_in_one_graphql_query(simweb):
    web_, base = await _serve(simweb, _sim().handle)
    lookup = await GithubEnricher(_settings(base, TOKEN)).fetch_async(_linked_repos(), ["HRNet"])
    _assert_example_enriched(lookup)
    assert lookup.metas["hujie-frank/senet"].license == "MIT"
    assert _api_requests(web_) == _api_requests(web_, "/graphql") == 1
    assert web_.requests(API)[0].headers["User-Agent"] == Settings().user_agent


async def test_example_list_enriched_without_a_token_through_rest(simweb):
    web_, base = await _serve(simweb, _sim().handle)
    lookup = await GithubEnricher(_settings(base)).fetch_async(_linked_repos(), ["HRNet"])
    _assert_example_enriched(lookup)
    assert _api_requests(web_, "/graphql") == 0
    # one request per repository and owner, plus the hop a rename's 301 costs
    assert _api_requests(web_) == len(_linked_repos()) + 1 + 1


async def test_thousand_repositories_take_ten_graphql_queries(simweb):
    sim = _sim()
    repos = [(f"org{i % 7}", f"repo-{i}") for i in range(1000)]
    for owner, name in repos[:950]:
        sim.add_repo(f"{owner}/{name}", stars=len(name))
    web_, base = await _serve(simweb, sim.handle)
    lookup = await GithubEnricher(_settings(base, TOKEN)).fetch_async(repos)
    assert _api_requests(web_) <= math.ceil(1000 / 100) + 2
    assert len(lookup.metas) == 950 and len(lookup.missing) == 50
    assert lookup.metas["org3/repo-10"].stars == len("repo-10")


async def test_anonymous_budget_is_never_overspent_and_nothing_dies_of_it(simweb):
    sim = SimGitHub(anonymous_limit=10)
    repos = [("someone", f"repo-{i}") for i in range(30)]
    for owner, name in repos:
        sim.add_repo(f"{owner}/{name}", stars=1)
    web_, base = await _serve(simweb, sim.handle)
    before = time.time()
    lookup = await GithubEnricher(_settings(base)).fetch_async(repos)
    assert _api_requests(web_) <= 10
    assert len(lookup.metas) == 10 and len(lookup.unrefreshed) == 20
    assert lookup.budget_reset is not None
    reset = datetime.fromisoformat(lookup.budget_reset.replace("Z", "+00:00"))
    assert reset.timestamp() > before
    links = {repo_key(o, n): [f"https://github.com/{o}/{n}"] for o, n in repos}
    results = github_results(links, lookup)
    assert len(results) == 10 and {r.verdict for r in results} == {Verdict.ALIVE}

    # the next run, budget still spent: one refused request, nothing settled, nothing dead
    again = await GithubEnricher(_settings(base)).fetch_async(repos)
    assert _api_requests(web_) <= 11
    assert len(again.unrefreshed) == 30 and again.budget_reset == lookup.budget_reset
    assert github_results(links, again) == []


@pytest.mark.parametrize("token", [TOKEN, None], ids=["graphql", "rest"])
async def test_renamed_deleted_and_archived_repositories_become_verdicts(simweb, token):
    _, base = await _serve(simweb, _sim().handle)
    lookup = await GithubEnricher(_settings(base, token)).fetch_async(
        [("LandskapeAI", "triplet-attention"), ("junfu1115", "DANet"), ("hujie-frank", "SENet")]
    )
    renamed = [
        "https://github.com/LandskapeAI/triplet-attention",
        "https://github.com/LandskapeAI/triplet-attention/tree/main/MODELS",
    ]
    results = {
        r.url: r
        for r in github_results(
            {
                "landskapeai/triplet-attention": renamed,
                "junfu1115/danet": ["https://github.com/junfu1115/DANet"],
                "hujie-frank/senet": ["https://github.com/hujie-frank/SENet"],
            },
            lookup,
        )
    }
    moved = results[renamed[1]]
    assert moved.verdict is Verdict.REDIRECT
    assert moved.redirect_kind is RedirectKind.PERMANENT
    assert moved.final_url == "https://github.com/landskape-ai/triplet-attention/tree/main/MODELS"
    assert results[renamed[0]].final_url == "https://github.com/landskape-ai/triplet-attention"
    dead = results["https://github.com/junfu1115/DANet"]
    assert (dead.verdict, dead.error) == (Verdict.DEAD, ErrorCode.HTTP)
    assert dead.reason == "GitHub repository junfu1115/DANet not found"
    archived = results["https://github.com/hujie-frank/SENet"]
    assert (archived.verdict, archived.notes) == (Verdict.ALIVE, ["archived"])


def test_owner_links_and_unanswered_keys():
    lookup = RepoLookup(
        owners={"hrnet": "Organization"},
        missing_owners={"ghost"},
        unrefreshed_owners={"later"},
    )
    results = github_results(
        {"a/b": ["https://github.com/a/b"]},
        lookup,
        {
            "hrnet": ["https://github.com/HRNet"],
            "ghost": ["https://github.com/Ghost"],
            "later": ["https://github.com/later"],
        },
    )
    by_url = {r.url: r for r in results}
    assert set(by_url) == {"https://github.com/HRNet", "https://github.com/Ghost"}
    assert by_url["https://github.com/HRNet"].verdict is Verdict.ALIVE
    assert by_url["https://github.com/Ghost"].reason == (
        "GitHub user or organization Ghost not found"
    )


def test_query_quotes_names_so_odd_readmes_cannot_break_it():
    query = build_query([("a0", 'we"ird', "na\\me")], [("a1", "x")])
    assert 'repository(owner: "we\\"ird", name: "na\\\\me")' in query
    assert "a1: repositoryOwner(login: " in query


async def test_bad_token_is_a_clear_error_without_the_token(simweb):
    _, base = await _serve(simweb, _sim().handle)
    bad = TOKEN[::-1]
    for_graphql = GithubEnricher(_settings(base, bad))
    with pytest.raises(GithubAuthError) as caught:
        await for_graphql.fetch_async([("implus", "SKNet")])
    text = "".join(traceback.format_exception(caught.value))
    assert "401" in str(caught.value) and "GITHUB_TOKEN" in str(caught.value)
    assert bad not in text and "\n" not in str(caught.value)


async def test_token_never_reaches_logs_the_database_or_reprs(simweb, tmp_path, caplog):
    sim = _sim()
    _, base = await _serve(simweb, sim.handle)
    caplog.set_level(logging.DEBUG)
    for name in ("github", "urllib3", "linkwatch"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    settings = _settings(base, TOKEN, db=tmp_path / "lw.db")
    with Store.open(settings.db) as store:
        enricher = GithubEnricher(settings, store=store)
        lookup = await enricher.fetch_async(_linked_repos(), ["HRNet"])
        with pytest.raises(GithubAuthError) as caught:
            await GithubEnricher(_settings(base, TOKEN + "x")).fetch_async([("a", "b")])
        shown = [repr(enricher), repr(settings), repr(lookup), str(caught.value)]
    assert "POST" in caplog.text  # PyGithub's request log was captured (token masked)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in text for text in shown)
    for path in tmp_path.iterdir():
        assert TOKEN.encode() not in path.read_bytes(), path.name


async def test_etag_revalidation_costs_no_budget(simweb, tmp_path):
    sim = _sim()
    web_, base = await _serve(simweb, sim.handle)
    repos = _linked_repos()
    with Store.open(tmp_path / "lw.db") as store:
        first = await GithubEnricher(_settings(base), store=store).fetch_async(repos)
        stored = store.get_metadata(SOURCE, [repo_key(o, n) for o, n in repos])
        assert all(v["etag"].startswith('W/"') for v, _ in stored.values() if v["status"] == "ok")
        sim.log.clear()
        second = await GithubEnricher(_settings(base, refresh=True), store=store).fetch_async(repos)
    statuses = [c.status for c in sim.log]
    assert statuses.count(304) == len(repos) - 1  # every repository still there
    assert statuses.count(404) == 1 and statuses.count(301) == 1
    charged = [c.status for c in sim.log if c.charged]
    assert sorted(charged) == [301, 404]  # the rename hop and the missing one, nothing else
    assert second.metas == first.metas and second.renamed == first.renamed
    assert second.missing == first.missing
    assert _api_requests(web_) > 0


async def test_fresh_cache_asks_only_about_missing_repositories(simweb, tmp_path):
    sim = _sim()
    _, base = await _serve(simweb, sim.handle)
    repos = _linked_repos()
    with Store.open(tmp_path / "lw.db") as store:
        first = await GithubEnricher(_settings(base, TOKEN), store=store).fetch_async(repos)
        sim.log.clear()
        second = await GithubEnricher(_settings(base, TOKEN), store=store).fetch_async(repos)
    # dead links are re-checked every run (ttl_dead = 0); the rest comes from the cache
    assert len(sim.log) == 1
    assert (second.metas, second.renamed, second.missing) == (
        first.metas,
        first.renamed,
        first.missing,
    )


async def test_stalest_repositories_are_refreshed_first(simweb, tmp_path):
    sim = SimGitHub(anonymous_limit=3)
    repos = [("o", f"r{i}") for i in range(6)]
    for owner, name in repos:
        sim.add_repo(f"{owner}/{name}", stars=5)
    _, base = await _serve(simweb, sim.handle)
    meta = {
        "full_name": "x/y",
        "stars": 1,
        "forks": 0,
        "archived": False,
        "pushed_at": None,
        "description": None,
        "license": None,
        "html_url": "https://github.com/x/y",
    }
    with Store.open(tmp_path / "lw.db") as store:
        for i, stamp in [
            (0, "2026-01-03"),
            (1, "2026-01-01"),
            (2, "2026-01-02"),
            (3, "2026-01-04"),
        ]:
            value = {"status": "ok", "meta": {**meta, "full_name": f"o/r{i}"}}
            store.put_metadata(SOURCE, {f"o/r{i}": value}, f"{stamp}T00:00:00Z")
        lookup = await GithubEnricher(_settings(base), store=store).fetch_async(repos)
    asked = [c.path for c in sim.log]
    assert asked == ["/repos/o/r4", "/repos/o/r5", "/repos/o/r1"]  # never fetched, then oldest
    assert lookup.unrefreshed == {"o/r0", "o/r2", "o/r3"}
    assert lookup.metas["o/r0"].stars == 1  # stale but shown; no verdict for it
    assert lookup.metas["o/r1"].stars == 5


async def test_hung_api_ends_in_bounded_time_with_nothing_settled(simweb):
    async def hang(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(30)
        return web.Response()

    _, base = await _serve(simweb, hang)
    started = time.monotonic()
    lookup = await GithubEnricher(_settings(base, TOKEN, timeout=1)).fetch_async(
        [("a", "b"), ("c", "d")]
    )
    assert time.monotonic() - started < 15
    assert lookup.unrefreshed == {"a/b", "c/d"} and not lookup.missing


async def test_server_errors_leave_repositories_unrefreshed_not_dead(simweb):
    sim = _sim()

    async def broken_graphql(request: web.Request) -> web.StreamResponse:
        if request.path == "/graphql":
            return web.Response(status=502, text="Server Error")
        return await sim.handle(request)

    _, base = await _serve(simweb, broken_graphql)
    lookup = await GithubEnricher(_settings(base, TOKEN)).fetch_async([("implus", "SKNet")])
    assert lookup.unrefreshed == {"implus/sknet"} and not lookup.missing
    links = {"implus/sknet": ["https://github.com/implus/SKNet"]}
    assert github_results(links, lookup) == []


async def test_enterprise_base_url_with_api_v3(simweb):
    _, base = await _serve(simweb, _sim().handle)
    for token in (TOKEN, None):
        lookup = await GithubEnricher(_settings(base + "/api/v3", token)).fetch_async(
            [("LandskapeAI", "triplet-attention")]
        )
        assert lookup.renamed == {"landskapeai/triplet-attention": "landskape-ai/triplet-attention"}


async def test_simulated_network_routes_the_api_host_and_refuses_real_ones(simweb):
    web_, _ = await _serve(simweb, _sim().handle)
    routed = GithubEnricher(Settings(github_token=TOKEN, host_spacing=0), web_.network())
    lookup = await routed.fetch_async([("implus", "SKNet")])
    assert lookup.metas["implus/sknet"].stars > 0 and _api_requests(web_) == 1
    elsewhere = Settings(github_api_url="https://ghe.example.com/api/v3", host_spacing=0)
    refused = await GithubEnricher(elsewhere, web_.network()).fetch_async([("implus", "SKNet")])
    assert refused.unrefreshed == {"implus/sknet"} and _api_requests(web_) == 1


PIPELINE_LIST = """\
# Awesome Test

## Code
- Triplet [[code](https://github.com/LandskapeAI/triplet-attention/tree/main/MODELS)]
- DANet [[code](https://github.com/junfu1115/DANet)]
- SENet [[code](https://github.com/hujie-frank/SENet)]
- SKNet [[code](https://github.com/implus/SKNet)]
"""


def _pipeline_settings(tmp_path: Path, base: str, token: str | None, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "db": tmp_path / "cache" / "lw.db",
        "out": tmp_path / "reports",
        "allow_private": True,
        "host_spacing": 0.0,
        "max_retries": 0,
        "timeout": 5.0,
        "reference_hosts": ["https://github.com/"],
        "github_api_url": base,
        "github_token": token,
        **extra,
    }
    return Settings(**values)


async def test_pipeline_turns_api_answers_into_verdicts_and_never_shows_the_token(
    simweb, tmp_path, caplog
):
    sim = _sim()
    web_ = await simweb(
        Scenario().mount(API, sim.handle).host("github.com", default=b.ok(title="GitHub"))
    )
    listing = tmp_path / "README.md"
    listing.write_text(PIPELINE_LIST, encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    settings = _pipeline_settings(tmp_path, web_.direct_base(API), TOKEN)
    outcome = await run_check([listing], settings, web_.network())
    links = {item["url"]: item for item in outcome.report["links"]}
    moved = links["https://github.com/LandskapeAI/triplet-attention/tree/main/MODELS"]
    assert moved["verdict"] == "redirect"
    assert (
        moved["final_url"] == "https://github.com/landskape-ai/triplet-attention/tree/main/MODELS"
    )
    assert links["https://github.com/junfu1115/DANet"]["verdict"] == "dead"
    senet = links["https://github.com/hujie-frank/SENet"]
    assert senet["verdict"] == "alive" and senet["metadata"]["github"]["archived"] is True
    assert links["https://github.com/implus/SKNet"]["metadata"]["github"]["stars"] > 0
    assert not web_.requests("github.com")  # the API answered for every repository
    assert TOKEN not in caplog.text
    for path in [*settings.out.iterdir(), *settings.db.parent.iterdir()]:
        assert TOKEN.encode() not in path.read_bytes(), path.name


async def test_pipeline_over_budget_checks_pages_and_reports_the_reset(simweb, tmp_path):
    sim = SimGitHub(anonymous_limit=10)
    lines = ["# Many", "", "## Code"]
    for i in range(30):
        sim.add_repo(f"someone/repo-{i}", stars=i)
        lines.append(f"- Repo {i} [[code](https://github.com/someone/repo-{i})]")
    web_ = await simweb(
        Scenario().mount(API, sim.handle).host("github.com", default=b.ok(title="GitHub"))
    )
    listing = tmp_path / "README.md"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = _pipeline_settings(tmp_path, web_.direct_base(API), None)
    outcome = await run_check([listing], settings, web_.network())
    assert len(web_.requests(API)) <= 10
    verdicts = {item["verdict"] for item in outcome.report["links"]}
    assert verdicts == {"alive"}
    assert len(web_.requests("github.com")) == 20  # the rest were checked as pages
    assert any("budget resets at" in note for note in outcome.notes)


def test_object_expressions_try_refs_with_slashes():
    assert object_expressions("https://github.com/o/r/blob/main/a/b.py") == [
        "main:a/b.py",
        "main",
        "main/a:b.py",
        "main/a",
    ]
    assert object_expressions("https://github.com/o/r/tree/main") == ["main"]
    assert object_expressions("https://raw.githubusercontent.com/o/r/v1/x.txt") == [
        "v1:x.txt",
        "v1",
    ]
    assert object_expressions("https://github.com/o/r/issues/3") == []
    assert object_expressions("https://github.com/o/r") == []


async def test_file_and_folder_links_are_settled_by_the_graphql_batch(simweb):
    sim = SimGitHub()
    sim.add_token(TOKEN)
    sim.add_repo("octo/tools")
    sim.add_files("octo/tools", ["README.md", "src/core.py"])
    sim.add_files("octo/tools", ["notes.md"], ref="release/v2")
    sim.add_repo("octo/old")
    sim.add_files("octo/old", ["main.py"])
    sim.rename("octo/old", "octo/new")
    _, base = await _serve(simweb, sim.handle)
    urls = {
        "file": "https://github.com/octo/tools/blob/main/README.md",
        "folder": "https://github.com/octo/tools/tree/main/src",
        "branch": "https://github.com/octo/tools/tree/release/v2",
        "slashed": "https://github.com/octo/tools/blob/release/v2/notes.md",
        "gone": "https://github.com/octo/tools/blob/main/deleted.py",
        "raw": "https://raw.githubusercontent.com/octo/tools/main/src/core.py",
        "raw_folder": "https://raw.githubusercontent.com/octo/tools/main/src",
        "unknown_ref": "https://github.com/octo/tools/blob/master/README.md",
        "renamed": "https://github.com/octo/old/blob/main/main.py",
        "issue": "https://github.com/octo/tools/issues/1",
    }
    by_repo: dict[str, list[str]] = {}
    objects: dict[str, list[str]] = {}
    for url in urls.values():
        key = repo_key(*url.split("/")[3:5])
        by_repo.setdefault(key, []).append(url)
        objects.setdefault(key, []).extend(object_expressions(url))
    lookup = await GithubEnricher(_settings(base, TOKEN)).fetch_async(
        [("octo", "tools"), ("octo", "old")], [], objects
    )
    assert _api_requests(_, "/graphql") == 1
    results = {r.url: r for r in github_results(by_repo, lookup)}
    verdict = {name: results[u].verdict if u in results else None for name, u in urls.items()}
    assert verdict == {
        "file": Verdict.ALIVE,
        "folder": Verdict.ALIVE,
        "branch": Verdict.ALIVE,
        "slashed": Verdict.ALIVE,
        "gone": Verdict.DEAD,
        "raw": Verdict.ALIVE,
        "raw_folder": Verdict.DEAD,
        "unknown_ref": None,  # maybe a renamed branch: github.com will tell
        "renamed": Verdict.REDIRECT,
        "issue": None,  # not a file: checked as a page
    }
    assert results[urls["gone"]].reason == "GitHub: no file or folder deleted.py on main"
    assert results[urls["renamed"]].final_url == "https://github.com/octo/new/blob/main/main.py"


async def test_pipeline_fetches_no_github_page_for_files_the_api_settled(simweb, tmp_path):
    sim = SimGitHub()
    sim.add_token(TOKEN)
    sim.add_repo("octo/tools")
    sim.add_files("octo/tools", ["README.md", "src/core.py"])
    links = {
        "https://github.com/octo/tools/blob/main/README.md": "alive",
        "https://github.com/octo/tools/tree/main/src": "alive",
        "https://raw.githubusercontent.com/octo/tools/main/src/core.py": "alive",
        "https://github.com/octo/tools/blob/main/gone.py": "dead",
        "https://github.com/octo/tools/blob/master/README.md": "alive",  # the page says
    }
    web_ = await simweb(
        Scenario()
        .mount(API, sim.handle)
        .host("github.com", default=b.ok(title="GitHub"))
        .host("raw.githubusercontent.com", default=b.ok(title="raw"))
    )
    listing = tmp_path / "README.md"
    lines = ["# Files", ""] + [f"- Item {i} [[code]({u})]" for i, u in enumerate(links)]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = _pipeline_settings(tmp_path, web_.direct_base(API), TOKEN, reference_hosts=[])
    outcome = await run_check([listing], settings, web_.network())
    verdicts = {item["url"]: item["verdict"] for item in outcome.report["links"]}
    assert verdicts == links
    pages = [r.path for r in web_.requests("github.com")]
    assert set(pages) <= {"/octo/tools/blob/master/README.md"} and pages
    assert not web_.requests("raw.githubusercontent.com")
    assert len(web_.requests(API, "/graphql")) == 1


async def test_pipeline_with_a_rejected_token_stops_its_page_checks_and_says_so(
    simweb, tmp_path
):
    sim = _sim()
    web_ = await simweb(
        Scenario()
        .mount(API, sim.handle)
        .host("github.com", default=b.ok(title="GitHub"))
        .host("slow.example", default=b.slow(5.0))
    )
    listing = tmp_path / "README.md"
    listing.write_text(PIPELINE_LIST + "- Slow [[site](https://slow.example/a)]\n", "utf-8")
    settings = _pipeline_settings(tmp_path, web_.direct_base(API), "ghp_wrong")
    started = time.monotonic()
    with pytest.raises(GithubAuthError):
        await run_check([listing], settings, web_.network())
    assert time.monotonic() - started < 4  # the slow page check was cancelled, not awaited
