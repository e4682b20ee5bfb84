"""The format registry: every format a pure function of the same report value; JUnit XML
valid against the schema CI dashboards read (Jenkins' junit-10.xsd)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from linkwatch.extract import extract_text
from linkwatch.formats import FORMATS, render, report_files
from linkwatch.models import ErrorCode, LinkResult, Verdict
from linkwatch.report import ReportInput, build_report

XSD = Path(__file__).parent / "fixtures" / "junit" / "junit-10.xsd"

LIST = b"""# L

## Papers
- A [[p](https://a.example/gone)] [[q](https://b.example/ok)]
- B [[r](https://c.example/wall)] [[s](https://d.example/flaky)] [[m](mailto:x@y.example)]

## More
- C [[p](https://a.example/gone)]
"""


def report() -> dict:
    doc = extract_text(LIST, "README.md")
    results = {
        "https://a.example/gone": LinkResult(
            "https://a.example/gone", Verdict.DEAD, status=404, error=ErrorCode.HTTP,
            reason="404 Not Found", consecutive_failures=3,
        ),
        "https://b.example/ok": LinkResult("https://b.example/ok", Verdict.ALIVE, status=200),
        "https://c.example/wall": LinkResult(
            "https://c.example/wall", Verdict.UNVERIFIABLE, status=403, reason="bot wall \x01"
        ),
        "https://d.example/flaky": LinkResult(
            "https://d.example/flaky", Verdict.DEAD, error=ErrorCode.TIMEOUT,
            reason="timed out", consecutive_failures=1,
        ),
        "mailto:x@y.example": LinkResult(
            "mailto:x@y.example", Verdict.EXCLUDED, reason="mailto: links are not checked"
        ),
    }
    return build_report(
        ReportInput(documents=[doc], results=results, generated_at="2026-11-25T03:00:00Z")
    )


def test_the_registry_names_every_format_and_each_is_pure():
    assert {"text", "markdown", "json", "github", "junit", "sarif"} <= set(FORMATS)
    value = report()
    before = copy.deepcopy(value)
    for name in FORMATS:
        assert render(name, value) == render(name, value), name
    assert value == before  # renderers never change the report
    files = report_files(value)
    assert set(files) == {"report.md", "report.json", "report.junit.xml", "report.sarif"}
    assert files["report.md"] == render("markdown", value)


def test_junit_validates_against_the_jenkins_schema():
    xml = render("junit", report())
    xmlschema.XMLSchema(XSD).validate(xml)
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "README.md"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    gone = cases["https://a.example/gone"]
    assert gone.find("failure").get("message") == "404 Not Found"
    assert "README.md:4, README.md:8" in gone.find("failure").text  # every occurrence
    assert cases["https://c.example/wall"].find("skipped") is not None
    assert cases["mailto:x@y.example"].find("skipped") is not None
    flaky = cases["https://d.example/flaky"]
    assert flaky.find("failure") is None and "1 of 2 runs" in flaky.find("system-out").text
    assert (root.get("tests"), root.get("failures")) == (str(len(cases)), "1")
    assert "\x01" not in xml  # XML 1.0 cannot carry it


@pytest.mark.parametrize("name", ["markdown", "junit", "text", "github"])
def test_every_format_renders_an_empty_report(name: str):
    empty = build_report(
        ReportInput(
            documents=[extract_text(b"# nothing\n", "README.md")],
            results={},
            generated_at="2026-11-25T03:00:00Z",
        )
    )
    out = render(name, empty)
    if name == "junit":
        xmlschema.XMLSchema(XSD).validate(out)
