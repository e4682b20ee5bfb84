"""JUnit XML, as CI dashboards (Jenkins, GitLab, Azure, test-report actions) read it.

One ``testsuite`` per list file, one ``testcase`` per distinct link in it: a broken link
is a ``failure``, an unverifiable or excluded one ``skipped``, the rest pass (failing
links that are not yet broken say so in ``system-out``). Valid against junit-10.xsd.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

Item = Mapping[str, Any]
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """Text XML 1.0 can carry (a reason may quote control characters from a page)."""
    return _NOT_XML.sub("\ufffd", text)


def _case(item: Item, file: str, lines: list[int], fail_after: int) -> ET.Element:
    where = ", ".join(f"{file}:{n}" for n in lines)
    case = ET.Element(
        "testcase",
        {"name": _x(item["url"]) or "(empty link)", "classname": _x(file), "file": _x(file),
         "line": str(lines[0]), "time": "0"},
    )
    state = item["state"]
    if state == "broken":
        failure = ET.SubElement(
            case, "failure", {"message": _x(item["reason"]), "type": item.get("error") or "dead"}
        )
        failure.text = _x(f"{item['url']}: {item['reason']}\nat {where}")
    elif state in ("unverifiable", "excluded"):
        ET.SubElement(case, "skipped", {"message": _x(f"{state}: {item['reason']}")})
    elif state == "failing":
        out = ET.SubElement(case, "system-out")
        out.text = _x(
            f"failing ({item['consecutive_failures']} of {fail_after} runs before it counts "
            f"as broken): {item['reason']}"
        )
    return case


def render_junit(report: Item) -> str:
    """The report as a ``testsuites`` document (UTF-8, with declaration)."""
    fail_after = (report.get("settings") or {}).get("fail_after", 2)
    suites = ET.Element("testsuites", {"name": "linkwatch"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for file in report["files"]:
        cases = []
        for item in report["links"]:
            lines = [o["line"] for o in item["occurrences"] if o["file"] == file]
            if lines:
                cases.append(_case(item, file, lines, fail_after))
        failures = sum(1 for c in cases if c.find("failure") is not None)
        skipped = sum(1 for c in cases if c.find("skipped") is not None)
        suite = ET.SubElement(
            suites,
            "testsuite",
            {
                "name": _x(file),
                "tests": str(len(cases)),
                "failures": str(failures),
                "errors": "0",
                "skipped": str(skipped),
                "time": "0",
                "timestamp": report["generated_at"].removesuffix("Z"),
            },
        )
        suite.extend(cases)
        totals["tests"] += len(cases)
        totals["failures"] += failures
        totals["skipped"] += skipped
    suites.set("tests", str(totals["tests"]))
    suites.set("failures", str(totals["failures"]))
    suites.set("errors", "0")
    suites.set("time", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
