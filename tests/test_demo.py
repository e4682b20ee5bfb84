"""`linkwatch demo`: the whole pipeline offline on the bundled list, report to contract."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shlex
import subprocess
import sys
from importlib.resources import files as package_files
from pathlib import Path

import jsonschema
from markdown_it import MarkdownIt


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


def demo(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LINKWATCH_"))}
    return subprocess.run(
        [sys.executable, "-m", "linkwatch", "demo", "--no-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **(env or {})},
    )


def as_run(command: str) -> list[str]:
    """A printed `linkwatch …` command as this interpreter runs it."""
    words = shlex.split(command)
    assert words[0] == "linkwatch", command
    return [sys.executable, "-m", "linkwatch", *words[1:]]


def test_demo_report_links_each_broken_link_to_its_line_with_its_fix(tmp_path: Path):
    proc = demo(tmp_path, env={"GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc123"})
    assert proc.returncode == 0, proc.stderr
    html = MarkdownIt("gfm-like", {"html": True}).render(
        (tmp_path / "reports" / "report.md").read_text()
    )
    section = html[html.index("<h2>Broken links") : html.index("<h2>Failing")]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    listing = (tmp_path / "cache" / "demo" / "awesome-cv-attention.md").read_text().splitlines()
    # the edits and everything else fit a GitHub page: short code spans, no empty ones
    spans = re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)
    codes = [html_lib.unescape(c) for c in re.findall(r"<code>(.*?)</code>", spans, re.S)]
    assert codes and max(map(len, codes)) <= 60 and all(c.strip() for c in codes)
    assert "``" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    blocks = re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", html, re.S)
    assert all(len(line) <= 110 for block in blocks for line in block.splitlines())
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    broken = [i for i in report["links"] if i["state"] == "broken"]
    assert len(items) == len(broken) == 6
    prefix = "https://github.com/o/r/blob/abc123/cache/demo/awesome-cv-attention.md#L"
    for link in broken:
        (item,) = [i for i in items if html_lib.escape(link["url"]) in i]
        assert "<strong>fix:</strong>" in item, item  # the fix on the link's own line
        for occ in link["occurrences"]:  # every place, each a link to the line holding it
            assert f'href="{prefix}{occ["line"]}"' in item
            assert link["url"] in listing[occ["line"] - 1]


def test_demo_states_its_settings_and_its_follow_ups_run_as_printed(tmp_path: Path):
    proc = demo(tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "store: cache/demo/linkwatch.db; fail_after=1 (one night only" in out
    follow_ups = [line.strip() for line in out.split("next:\n", 1)[1].splitlines()]
    assert follow_ups[0] == "linkwatch stats --db cache/demo/linkwatch.db"
    for command in follow_ups:
        done = subprocess.run(as_run(command), cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
    # the report's fix hint works as printed, too
    report_md = (tmp_path / "reports" / "report.md").read_text()
    hint = re.search(r"^(linkwatch fix .+ --write)$", report_md, re.M).group(1)
    listing = tmp_path / "cache" / "demo" / "awesome-cv-attention.md"
    before = listing.read_text()
    done = subprocess.run(as_run(hint), cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert listing.read_text() != before and "edit(s) written" in done.stderr


def test_demo_honours_db_and_fail_after_and_lists_only_what_it_honours(tmp_path: Path):
    proc = demo(tmp_path, "--db", "mine.db", "--fail-after", "2")
    assert proc.returncode == 0, proc.stderr
    assert "store: mine.db; fail_after=2\n" in proc.stdout
    assert (tmp_path / "mine.db").is_file() and not (tmp_path / "cache/demo/linkwatch.db").exists()
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    web_broken = [i for i in report["links"] if i["state"] == "broken" and "://" in i["url"]]
    assert web_broken == []  # one night of two: the dead web links are only failing
    assert report["summary"]["failing"] >= 4
    assert "linkwatch stats --db mine.db" in proc.stdout
    helptext = demo(tmp_path, "--help").stdout
    for option in ("--github-api-url", "--arxiv-api-url", "--allow-private", "--exclude-path"):
        assert option not in helptext
    assert "--db" in helptext and "--fail-after" in helptext


def test_demo_in_a_machine_format_keeps_stdout_to_that_format(tmp_path: Path):
    proc = demo(tmp_path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema"] == "linkwatch.report/1"
    assert "store: cache/demo/linkwatch.db" in proc.stderr and "next:" in proc.stderr
