"""`linkwatch export`: entries with cached metadata, from a real store filled by a real
enriched run on simweb (and by put_metadata for the small cases); stable CSV columns;
one-line errors."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkwatch.cli import cli
from linkwatch.config import Settings
from linkwatch.data import example_list_path
from linkwatch.enrich.arxiv import normalize_title
from linkwatch.export import COLUMNS, render_csv, render_json, stored_rows
from linkwatch.extract import extract_file
from linkwatch.pipeline import run_check
from linkwatch.simweb.demo import demo_scenario, demo_settings
from linkwatch.store import Store
from linkwatch.urls import classify

LIST = """\
# Awesome Small

## Papers
- Rotate to Attend (WACV 2021) [[paper](https://arxiv.org/abs/2010.03045v2)] [[code](https://github.com/Landskape-AI/Triplet-Attention)]
- Squeeze-and-Excitation Networks (CVPR 2018) [[paper](https://openaccess.thecvf.com/content_cvpr_2018/html/Hu_Squeeze-and-Excitation_Networks_CVPR_2018_paper.html)]
- Unknown Paper [[paper](https://example.org/unknown.pdf)]
"""

PAPER = {
    "id": "2010.03045",
    "version": 2,
    "title": "Rotate to Attend: Convolutional Triplet Attention Module",
    "authors": ["Diganta Misra", "Trikay Nalamada"],
    "abstract": "Lightweight attention.",
    "published": "2020-10-06T17:52:21Z",
    "updated": "2020-11-04T09:12:44Z",
    "journal_ref": "WACV 2021",
    "doi": None,
    "comment": None,
    "primary_category": "cs.CV",
}
SE_PAPER = {**PAPER, "id": "1709.01507", "title": "Squeeze-and-Excitation Networks"}
REPO = {
    "full_name": "landskape-ai/triplet-attention",
    "stars": 380,
    "forks": 47,
    "archived": True,
    "pushed_at": "2023-01-02T03:04:05Z",
    "description": None,
    "license": "MIT",
    "html_url": "https://github.com/landskape-ai/triplet-attention",
}


@pytest.fixture
def listing(tmp_path: Path) -> Path:
    path = tmp_path / "list.md"
    path.write_text(LIST, encoding="utf-8")
    return path


def fill(db: Path) -> None:
    stamp = "2026-11-25T03:00:00Z"
    with Store.open(db) as store:
        store.put_metadata("arxiv", {"2010.03045": PAPER}, stamp)
        store.put_metadata(
            "arxiv_search",
            {normalize_title("Squeeze-and-Excitation Networks (CVPR 2018)"): {"paper": SE_PAPER}},
            stamp,
        )
        store.put_metadata(
            "github",
            {"landskape-ai/triplet-attention": {"status": "ok", "meta": REPO, "etag": None}},
            stamp,
        )


def export(*args: str):
    return CliRunner().invoke(cli, ["export", *args], catch_exceptions=False)


def test_rows_carry_paper_repo_and_title_search_metadata(tmp_path: Path, listing: Path):
    db = tmp_path / "lw.db"
    fill(db)
    with Store.open(db, readonly=True) as store:
        rows = stored_rows(store, [extract_file(listing)])
    rotate, se, unknown = rows
    assert (rotate["arxiv_id"], rotate["arxiv_title"]) == ("2010.03045", PAPER["title"])
    assert rotate["arxiv_authors"] == PAPER["authors"]
    assert rotate["arxiv_journal_ref"] == "WACV 2021"
    assert (rotate["repo_full_name"], rotate["repo_stars"], rotate["repo_archived"]) == (
        "landskape-ai/triplet-attention",
        380,
        True,
    )
    assert rotate["venue_name"] == "WACV" and rotate["venue_year"] == 2021
    assert rotate["found_arxiv_id"] is None
    assert se["found_arxiv_id"] == "1709.01507" and se["arxiv_id"] is None
    assert unknown["title"] == "Unknown Paper"
    assert all(unknown[k] is None for k in COLUMNS if k.startswith(("arxiv_", "repo_")))
    assert [set(r) for r in rows] == [set(COLUMNS)] * 3


def test_csv_columns_are_stable_and_lists_are_joined(tmp_path: Path, listing: Path):
    db = tmp_path / "lw.db"
    fill(db)
    with Store.open(db, readonly=True) as store:
        rows = stored_rows(store, [extract_file(listing)])
    text = render_csv(rows)
    header = text.splitlines()[0]
    assert header == (
        "file,line,section,title,venue,venue_name,venue_year,links,arxiv_id,arxiv_title,"
        "arxiv_authors,arxiv_published,arxiv_journal_ref,arxiv_doi,arxiv_abstract,"
        "found_arxiv_id,repo_full_name,repo_stars,repo_forks,repo_archived,repo_pushed_at,"
        "repo_license,s2_venue,s2_year,citations,doi,stars_gained_30d,stars_gained_90d,"
        "archived_since"
    )
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 3
    assert parsed[0]["arxiv_authors"] == "Diganta Misra; Trikay Nalamada"
    assert parsed[0]["links"].startswith("https://arxiv.org/abs/2010.03045v2; https://github.com/")
    assert (parsed[0]["repo_archived"], parsed[0]["repo_stars"]) == ("true", "380")
    assert parsed[2]["arxiv_id"] == "" and parsed[2]["repo_stars"] == ""
    assert json.loads(render_json(rows))[0]["links"][0] == "https://arxiv.org/abs/2010.03045v2"


def test_cli_json_csv_and_output_file(tmp_path: Path, listing: Path):
    db = tmp_path / "lw.db"
    fill(db)
    done = export(str(listing), "--db", str(db))
    assert done.exit_code == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows[0]["title"].startswith("Rotate to Attend")
    assert "note:" not in done.stderr
    out = tmp_path / "entries.csv"
    done = export(str(listing), "--db", str(db), "--format", "csv", "-o", str(out))
    assert done.exit_code == 0 and done.stdout == ""
    assert "3 entries written" in done.stderr
    assert out.read_text(encoding="utf-8").startswith("file,line,section,title,")


def test_without_metadata_entries_are_exported_with_a_note(tmp_path: Path, listing: Path):
    for db in (tmp_path / "absent.db", tmp_path / "empty.db"):
        if db.name == "empty.db":
            Store.open(db).close()
        done = export(str(listing), "--db", str(db))
        assert done.exit_code == 0
        assert len(json.loads(done.stdout)) == 3
        assert "run `linkwatch check` first" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("case", ["missing file", "not a database", "directory db", "bad format"])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, listing: Path, case: str):
    args = {
        "missing file": [str(tmp_path / "nope.md")],
        "not a database": [str(listing), "--db", str(listing)],
        "directory db": [str(listing), "--db", str(tmp_path)],
        "bad format": [str(listing), "--format", "xml"],
    }[case]
    done = CliRunner().invoke(cli, ["export", *args])
    assert done.exit_code == 2
    assert "Traceback" not in done.output
    if case != "bad format":  # click's own usage message has several lines
        assert len(done.stderr.strip().splitlines()) == 1
    assert listing.read_text(encoding="utf-8") == LIST


async def test_export_after_an_enriched_run_of_the_example_list(simweb, tmp_path: Path):
    """The acceptance path: `linkwatch check` with enrichment on, then an offline export."""
    web = await simweb(demo_scenario())
    listing = tmp_path / "awesome.md"
    shutil.copyfile(example_list_path(), listing)
    settings = dataclasses.replace(
        demo_settings(Settings(db=tmp_path / "linkwatch.db", fail_after=1), web),
        out=tmp_path / "reports",
        arxiv_interval=0.0,
    )
    await run_check([listing], settings, web.network())
    web.clear_log()
    done = export(str(listing), "--db", str(settings.db))
    assert done.exit_code == 0, done.stderr
    assert not web.log  # offline
    rows = json.loads(done.stdout)
    assert len(rows) == len(extract_file(listing).entries)
    papers = repos = 0
    for row in rows:
        infos = [classify(url) for url in row["links"] if url.startswith("http")]
        if any(i.arxiv_id for i in infos):
            papers += 1
            assert row["arxiv_title"] and row["arxiv_authors"] and row["arxiv_published"], row
        deleted = "junfu1115/DANet" in " ".join(row["links"])  # the demo's deleted repo
        if any(i.site == "github" and i.github_repo for i in infos) and not deleted:
            repos += 1
            assert isinstance(row["repo_stars"], int) and row["repo_archived"] in (True, False)
    assert papers >= 5 and repos >= 5
    by_repo = {r["repo_full_name"]: r for r in rows if r["repo_full_name"]}
    assert "landskape-ai/triplet-attention" in by_repo  # renamed: the current name
    assert by_repo["hujie-frank/SENet"]["repo_archived"] is True
    assert not any("junfu1115/DANet" in r["links"] and r["repo_full_name"] for r in rows)
    assert any(r["found_arxiv_id"] for r in rows)  # a CVF-only entry found by title


def test_markdown_table_sorts_by_citations_and_renders_badges():
    from linkwatch.export import render_markdown

    base = {k: None for k in COLUMNS} | {"links": [], "title": "x", "venue_year": None}
    rows = [
        base | {"title": "Few", "citations": 3, "s2_venue": "CVPR", "s2_year": 2019},
        base | {"title": "None yet"},
        base | {"title": "Many | pipes", "citations": 900, "repo_full_name": "o/r",
                "repo_stars": 5, "links": ["https://arxiv.org/abs/1"]},
    ]  # fmt: skip
    text = render_markdown(rows, sort="citations", badges=True)
    lines = text.splitlines()
    assert lines[0].startswith("| entry | venue | year | citations |")
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| [Many \\| pipes](https://arxiv.org/abs/1)",
        "| Few",
        "| None yet",
    ]
    assert "img.shields.io/github/stars/o/r" in lines[2]
    with pytest.raises(ValueError):
        render_markdown(rows, sort="forks")
