"""The browsable store (issue 17): typed views, canned queries of the shipped datasette
metadata (plain SQL, and datasette's own client when it is installed), full-text search
through the sqlite-utils CLI, metadata history → stars gained, export as Markdown.

Everything comes from real enriched runs of the example list against simweb."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkwatch.cli import cli
from linkwatch.config import Settings
from linkwatch.data import example_list_path
from linkwatch.datasette import metadata_path
from linkwatch.pipeline import run_check
from linkwatch.simweb.demo import DEMO_TOKEN, demo_scenario, demo_settings
from linkwatch.simweb.github_api import example_repos


async def _two_runs(simweb, tmp_path: Path, gained: int = 7) -> tuple[Path, Path, dict]:
    """Two enriched runs of the example list; between them one repository gains stars."""
    sc = demo_scenario()
    github = example_repos()
    github.add_token(DEMO_TOKEN, "demo-bot")
    sc.mount("api.github.com", github.handle)
    web = await simweb(sc)
    listing = tmp_path / "awesome.md"
    shutil.copyfile(example_list_path(), listing)
    settings = dataclasses.replace(
        demo_settings(Settings(db=tmp_path / "linkwatch.db", fail_after=1), web),
        out=tmp_path / "reports",
        arxiv_interval=0.0,
        s2_interval=0.0,
    )
    await run_check([listing], settings, web.network())
    github.repos["implus/sknet"]["stargazers_count"] += gained
    outcome = await run_check([listing], dataclasses.replace(settings, ttl_repo=0.0), web.network())
    return settings.db, listing, outcome.report


def _rows(db: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


async def test_views_queries_search_and_trends(simweb, tmp_path: Path):
    db, listing, report = await _two_runs(simweb, tmp_path)

    papers = {r["id"]: r for r in _rows(db, "select * from papers")}
    assert papers["1809.02983"]["venue"] == "CVPR" and papers["1809.02983"]["year"] == 2019
    assert all(p["citations"] is not None for p in papers.values())
    repos = {r["full_name"]: r for r in _rows(db, "select * from repos")}
    assert repos["hujie-frank/SENet"]["archived"] == 1
    dead = _rows(db, "select * from link_status where verdict = 'dead' and kind = 'code'")
    assert {(r["url"], r["file"]) for r in dead} >= {
        ("https://github.com/junfu1115/DANet", str(listing))
    }
    assert all(isinstance(r["line"], int) for r in dead)

    metadata = json.loads(metadata_path().read_text())
    queries = metadata["databases"]["linkwatch"]["queries"]
    results = {name: _rows(db, q["sql"]) for name, q in queries.items()}
    assert any(r["url"] == "https://github.com/junfu1115/DANet" for r in results["broken_links"])
    assert [r["full_name"] for r in results["archived_repositories"]] == ["hujie-frank/SENet"]
    assert isinstance(results["no_push_in_2_years"], list)
    cited = [r["title"] for r in results["most_cited_without_code"]]
    assert "Neural encoding with visual attention" in cited
    assert "Dual Attention Network for Scene Segmentation" not in cited  # it links code
    gained = {r["repository"]: r["gained"] for r in results["stars_gained_30_days"]}
    assert gained["implus/sknet"] == 7

    # trends in the report: the second run knows what the first one saw
    sknet = next(e for e in report["entries"] if e["title"].startswith("Selective Kernel"))
    assert sknet["trends"]["stars_gained_30d"] == 7
    assert sknet["s2"]["citations"] == 2050

    # a word of an abstract, through the sqlite-utils CLI
    found = subprocess.run(
        [sys.executable, "-m", "sqlite_utils", "search", str(db), "paper_text", "gaze"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert [r["id"] for r in json.loads(found.stdout)] == ["2010.00516"]

    # export as a Markdown table sorted by stars
    out = CliRunner().invoke(
        cli,
        ["export", str(listing), "--db", str(db), "--format", "markdown", "--sort", "stars"],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output
    table = [line for line in out.output.splitlines() if line.startswith("| [")]
    stars = [int(c) for c in (line.split(" | ")[5] for line in table) if c.strip().isdigit()]
    assert stars == sorted(stars, reverse=True) and stars
    sk = next(line for line in table if "Selective Kernel" in line)
    assert "| +7 |" in sk and "| CVPR | 2019 | 2050 |" in sk


async def test_datasette_serves_every_canned_query(simweb, tmp_path: Path):
    datasette_app = pytest.importorskip("datasette.app")
    db, _, _ = await _two_runs(simweb, tmp_path)
    metadata = json.loads(metadata_path().read_text())
    ds = datasette_app.Datasette([str(db)], metadata=metadata)
    for name in metadata["databases"]["linkwatch"]["queries"]:
        response = await ds.client.get(f"/linkwatch/{name}.json?_shape=array")
        assert response.status_code == 200, (name, response.text)
    response = await ds.client.get("/linkwatch/paper_text.json?_search=gaze&_shape=array")
    assert [r["id"] for r in response.json()] == ["2010.00516"]
