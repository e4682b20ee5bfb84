"""SARIF for code scanning: report.sarif validates against the SARIF 2.1.0 schema, has one
result per broken occurrence with its place, and keeps its fingerprints on a night on
which lines above the links moved (so GitHub keeps the alert instead of opening a new one)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from linkwatch.config import Settings
from linkwatch.pipeline import run_check
from linkwatch.sarif import FINGERPRINT, render_sarif
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b

GONE = "https://papers.example/gone"
SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"
LIST = """\
# Awesome SARIF

## Papers
- Gone Paper [[paper](https://papers.example/gone)]
- Good Paper [[paper](https://papers.example/good)]
- Moved Paper [[paper](https://old.example/paper)]
- Deleted post [[blog](https://blog.example/post)]
- Again [[paper](https://papers.example/gone)] [[nowhere](#nowhere)] [[file](docs/missing.md)]
"""


def scenario() -> Scenario:
    sc = Scenario()
    sc.host("papers.example", default=b.not_found())
    sc.route("https://papers.example/good", b.ok(title="Good"))
    sc.host("old.example", default=b.redirect(301, "https://new.example/paper"))
    sc.host("new.example", default=b.ok(title="New home"))
    sc.host("blog.example", default=b.ok(title="Blog"))
    sc.route("https://blog.example/post", b.gone())
    sc.host("reference.example", default=b.ok(title="reference"))
    return sc


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        db=tmp_path / "cache" / "linkwatch.db",
        out=tmp_path / "reports",
        allow_private=True,
        enrich=False,
        host_spacing=0.0,
        retry_backoff=0.01,
        max_retries=0,
        timeout=5.0,
        fail_after=1,
        reference_hosts=["https://reference.example/"],
    )


def results_by_place(log: dict) -> dict[tuple[str, str, int], dict]:
    out = {}
    for r in log["runs"][0]["results"]:
        region = r["locations"][0]["physicalLocation"]["region"]
        out[(r["ruleId"], r["properties"]["url"], region["startLine"])] = r
    return out


@pytest.fixture
def sarif_schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


async def test_report_sarif_validates_and_fingerprints_survive_moved_lines(
    simweb, tmp_path: Path, sarif_schema: dict, monkeypatch: pytest.MonkeyPatch
):
    web = await simweb(scenario())
    monkeypatch.chdir(tmp_path)  # the list's checkout, as in the workflow
    listing = Path("README.md")
    listing.write_text(LIST, encoding="utf-8")
    settings = settings_for(tmp_path)
    await run_check([listing], settings, web.network())
    night1 = json.loads((settings.out / "report.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(night1, sarif_schema)

    places = results_by_place(night1)
    assert set(places) == {
        ("dead-link", "https://papers.example/gone", 4),
        ("dead-link", "https://papers.example/gone", 8),
        ("dead-link", "https://blog.example/post", 7),
        ("permanent-redirect", "https://old.example/paper", 6),
        ("missing-anchor", "#nowhere", 8),
        ("missing-file", "docs/missing.md", 8),
    }
    gone = places[("dead-link", "https://papers.example/gone", 4)]
    region = gone["locations"][0]["physicalLocation"]["region"]
    assert gone["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"
    column = LIST.splitlines()[3].index("https://") + 1
    assert (region["startColumn"], region["endColumn"]) == (column, column + len(GONE))
    assert gone["level"] == "error" and "404" in gone["message"]["text"]
    redirect = places[("permanent-redirect", "https://old.example/paper", 6)]
    assert redirect["level"] == "warning"
    assert "https://new.example/paper" in redirect["message"]["text"]
    assert "Suggested fix" in redirect["message"]["text"]  # the redirect edit
    rules = night1["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in places.values())

    # night 2: three lines inserted above the entries, the web unchanged
    listing.write_text(LIST.replace("## Papers\n", "## Papers\n\nIntro.\n\n", 1), encoding="utf-8")
    await run_check([listing], settings, web.network())
    night2 = json.loads((settings.out / "report.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(night2, sarif_schema)
    moved = {(rule, url, line + 3): r for (rule, url, line), r in results_by_place(night1).items()}
    after = results_by_place(night2)
    assert set(after) == set(moved)
    for place, result in after.items():
        assert result["partialFingerprints"] == moved[place]["partialFingerprints"]
    prints = [r["partialFingerprints"][FINGERPRINT] for r in after.values()]
    assert len(set(prints)) == len(prints)  # the two occurrences of one URL stay apart

    # the link is fixed: its alerts are gone from the log, so GitHub closes them
    listing.write_text(
        LIST.replace("https://papers.example/gone", "https://papers.example/good"),
        encoding="utf-8",
    )
    await run_check([listing], settings, web.network())
    night3 = json.loads((settings.out / "report.sarif").read_text(encoding="utf-8"))
    urls = {r["properties"]["url"] for r in night3["runs"][0]["results"]}
    assert "https://papers.example/gone" not in urls


def test_an_empty_report_is_a_valid_log_without_results(sarif_schema: dict):
    log = render_sarif({"links": [], "suggestions": []})
    jsonschema.validate(log, sarif_schema)
    assert log["runs"][0]["results"] == [] and log["version"] == "2.1.0"
