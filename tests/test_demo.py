"""`linkwatch demo`: the whole pipeline offline on the bundled list, report to contract."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files as package_files
from pathlib import Path

import jsonschema


def test_demo_runs_offline_and_its_report_matches_the_schema(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "linkwatch", "demo", "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # broken links are its content
    assert "broken" in proc.stdout
    assert "Traceback" not in proc.stderr
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    schema = json.loads(package_files("linkwatch").joinpath("schema/report-1.json").read_text())
    jsonschema.validate(report, schema)
    links = {item["url"]: item for item in report["links"]}
    assert links["https://mp.weixin.qq.com/s/7L4R3kOgK-xS2cXS0u5zww"]["error"] == "soft404"
    renamed = links["https://github.com/LandskapeAI/triplet-attention"]
    assert renamed["verdict"] == "redirect"
    assert renamed["final_url"] == "https://github.com/landskape-ai/triplet-attention"
    assert links["https://ieeexplore.ieee.org/document/9156481"]["verdict"] == "unverifiable"
    kinds = {s["kind"] for s in report["suggestions"]}
    assert {"redirect", "rename", "wechat", "tracking", "venue"} <= kinds
    patch = (tmp_path / "reports" / "suggestions.patch").read_text()
    listing = tmp_path / "cache" / "demo" / "awesome-cv-attention.md"
    check = subprocess.run(
        ["git", "apply", "--check", "-"],
        input=patch,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert listing.exists()
    # every arXiv paper link carries its metadata, every repo link its stars
    for item in report["links"]:
        if item["url"].startswith("https://arxiv.org/abs/"):
            assert item["metadata"]["arxiv"]["title"], item["url"]
