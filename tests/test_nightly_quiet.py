"""Issue 12 scope 1: once links have settled, a night on an unchanged web gives the same
patch and the same report sets, whether its results came from the cache, from a one-request
re-confirmation (known permanent redirects) or from a full re-check (``--refresh``).

The bundled example list against the demo's simulated web, plus an ``http://`` link with a
live ``https`` twin and archived-repository marks, so every kind of suggestion is made.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

from linkwatch.cli import run_pipeline
from linkwatch.config import Settings
from linkwatch.data import example_list_path
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.demo import demo_scenario, demo_settings
from linkwatch.suggest import KINDS

QUIET = {"no_progress": True, "quiet": True, "fmt": "text"}
PLAIN = "http://plain.example/post"
RESNEST = ("https://hangzhang.org/files/resnest.pdf", "https://hangzhang.org/papers/resnest.pdf")


def report_sets(report: dict[str, Any]) -> dict[str, Any]:
    """What must not change on a quiet night (timestamps and ``cached`` aside)."""
    return {
        "suggestions": sorted(
            (s["kind"], s["file"], s["start"], s["end"], s["old"], s["new"], s["confidence"])
            for s in report["suggestions"]
        ),
        "findings": sorted(
            (f["kind"], f["file"], f["line"], f["message"]) for f in report["findings"]
        ),
        "broken": sorted(link["url"] for link in report["links"] if link["state"] == "broken"),
        "states": sorted((link["url"], link["state"], link["verdict"]) for link in report["links"]),
        "changes": report["changes"],
    }


async def test_unchanged_web_gives_the_same_patch_and_report_every_night(
    simweb, tmp_path: Path
) -> None:
    listing = tmp_path / "awesome.md"
    shutil.copyfile(example_list_path(), listing)
    (tmp_path / "src").mkdir(exist_ok=True)  # the list's relative links stay as they are
    with listing.open("a", encoding="utf-8") as fh:
        fh.write(f"\n## Blogs\n- Plain blog post [[blog]({PLAIN})]\n")
    scenario = demo_scenario()
    scenario.host("plain.example", default=b.ok(title="Plain post"))
    web = await simweb(scenario)
    base = dataclasses.replace(
        demo_settings(Settings(db=tmp_path / "linkwatch.db"), web),
        fail_after=2,
        mark_archived_repos=True,
    )

    def night(n: int, **changes: Any) -> tuple[bytes, dict[str, Any]]:
        settings = dataclasses.replace(base, out=tmp_path / f"night{n}", **changes)
        code = run_pipeline([listing], settings, web.network(), QUIET)
        assert code == 1  # the list has broken links
        out = tmp_path / f"night{n}"
        return (out / "suggestions.patch").read_bytes(), json.loads(
            (out / "report.json").read_text()
        )

    nights = [await asyncio.to_thread(night, 1)]
    nights.append(await asyncio.to_thread(night, 2))  # settled: past --fail-after 2
    nights.append(await asyncio.to_thread(night, 3))  # cached and re-confirmed results
    nights.append(await asyncio.to_thread(night, 4, refresh=True))  # everything re-checked
    assert web.refused == []

    redirect_edits = [
        {(s["old"], s["new"]) for s in report["suggestions"] if s["kind"] == "redirect"}
        for _, report in nights
    ]
    assert all(RESNEST in edits for edits in redirect_edits)  # night 1's edit stays
    assert nights[2][1]["summary"]["cached"] > 0  # night 3 did come from the cache

    patch, report = nights[1]
    assert {s["kind"] for s in report["suggestions"]} == KINDS  # every kind is exercised
    assert report["changes"] == {"new": [], "fixed": []}
    assert any(f["kind"] == "missing_file" for f in report["findings"])
    for n, (other_patch, other_report) in enumerate(nights[2:], start=3):
        assert other_patch == patch, f"night {n}"
        assert report_sets(other_report) == report_sets(report), f"night {n}"
