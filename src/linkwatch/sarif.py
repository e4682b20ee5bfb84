"""SARIF 2.1.0 for GitHub code scanning: one result per occurrence of a broken link or a
permanent redirect, so alerts persist across nights, close when the link is fixed and can
be dismissed in GitHub's UI.

Pure: a rendering of the report.json value. Alerts are matched night to night by
``partialFingerprints``, which hash what the alert is about (rule, file, URL and which of
that URL's occurrences in the file it is), never the line number or the line's text, so
an alert survives a night on which lines above it moved.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from . import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/linkwatch/linkwatch"
FINGERPRINT = "linkwatch/v1"

# rule id → (name, short description, level, help)
RULES: dict[str, tuple[str, str, str, str]] = {
    "dead-link": (
        "DeadLink",
        "Broken link",
        "error",
        "The link failed on consecutive runs: the server answered 404/410, a 5xx that "
        "persisted, or could not be reached. Replace it with its new address or an archived "
        "copy, or remove it.",
    ),
    "soft-404": (
        "SoftNotFound",
        "Page says it is gone",
        "error",
        "The server answers 200, but the page says the content was deleted or does not "
        "exist (a soft 404).",
    ),
    "no-such-host": (
        "NoSuchHost",
        "Host does not exist",
        "error",
        "The link's host name no longer resolves: the domain expired or was renamed.",
    ),
    "missing-file": (
        "MissingFile",
        "Relative link to a missing file",
        "error",
        "The link points at a file of the repository that does not exist.",
    ),
    "missing-anchor": (
        "MissingAnchor",
        "Link to a missing heading",
        "error",
        "The link's #fragment names no heading or anchor of the target document.",
    ),
    "permanent-redirect": (
        "PermanentRedirect",
        "Link moved permanently",
        "warning",
        "The link answers with a permanent redirect (or the repository was renamed); "
        "update it to the new address.",
    ),
}


def rule_for(item: Mapping[str, Any]) -> str | None:
    """The rule a report link falls under, or None when it raises no alert."""
    if item["state"] == "broken":
        url = item["url"]
        if not url.startswith(("http://", "https://")):
            return "missing-anchor" if url.startswith("#") or "#" in url else "missing-file"
        if item.get("error") == "soft404":
            return "soft-404"
        if item.get("error") == "dns":
            return "no-such-host"
        return "dead-link"
    if item["verdict"] == "redirect" and item.get("final_url"):
        return "permanent-redirect"
    return None


def fingerprint(rule: str, file: str, url: str, nth: int) -> str:
    """Identity of an alert across nights: not its line, which moves with edits above it."""
    digest = hashlib.sha256(f"{rule}\0{file}\0{url}\0{nth}".encode()).hexdigest()
    return digest[:32]


def _message(item: Mapping[str, Any], rule: str) -> str:
    url = item["url"]
    if rule == "permanent-redirect":
        text = f"{url} moved permanently to {item['final_url']}."
    else:
        text = f"Broken link {url}: {item['reason']}."
        if item.get("first_failed_at"):
            text += f" Failing since {item['first_failed_at'][:10]}."
    return text


def _fix_text(item: Mapping[str, Any], occ: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    for s in report.get("suggestions", []):
        if s["file"] == occ["file"] and s["line"] == occ["line"] and s["old"] == item["url"]:
            return f" Suggested fix ({s['kind']}, {s['confidence']} confidence): {s['new']}"
    return ""


def _artifact(file: str) -> dict[str, str]:
    """Files as given on the command line are relative to the checkout (%SRCROOT%), which
    is what code scanning maps to the repository; an absolute path stays a file URI."""
    path = PurePath(file)
    if path.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def _rule_json(rule_id: str) -> dict[str, Any]:
    name, short, level, help_text = RULES[rule_id]
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": help_text},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["links", "documentation"]},
    }


def render_sarif(report: Mapping[str, Any]) -> dict[str, Any]:
    """The SARIF log (a JSON value) of ``report``; stable ordering, so runs diff cleanly."""
    results: list[dict[str, Any]] = []
    used: list[str] = []
    nth: Counter[tuple[str, str, str]] = Counter()
    for item in report["links"]:
        rule = rule_for(item)
        if rule is None:
            continue
        if rule not in used:
            used.append(rule)
        for occ in item["occurrences"]:
            key = (rule, occ["file"], item["url"])
            index = nth[key]
            nth[key] += 1
            message = _message(item, rule) + _fix_text(item, occ, report)
            results.append(
                {
                    "ruleId": rule,
                    "level": RULES[rule][2],
                    "message": {"text": message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": _artifact(occ["file"]),
                                "region": {
                                    "startLine": occ["line"],
                                    "startColumn": occ["column"],
                                    "endColumn": occ["column"] + len(item["url"]),
                                },
                            }
                        }
                    ],
                    "partialFingerprints": {FINGERPRINT: fingerprint(rule, *key[1:], index)},
                    "properties": {
                        "url": item["url"],
                        "verdict": item["verdict"],
                        "state": item["state"],
                        "status": item.get("status"),
                    },
                }
            )
    rules = [r for r in RULES if r in used]
    for result in results:
        result["ruleIndex"] = rules.index(result["ruleId"])
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "linkwatch",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_json(r) for r in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
