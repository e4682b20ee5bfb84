"""`linkwatch check` on a list with an alive and a dead (or unverifiable) URL for every
engine-level pattern of issue 14, through the click command with the network swapped for
the simulated web: verdicts, errors and reasons in report.json, the exit code, and no
`redirect` fix for a link that landed on a home or sign-in page.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import linkwatch.cli.run
from linkwatch.cli import cli
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.wayback import SimWayback

IDP = "https://idp.uni.example.edu/idp/check"
SLOW = b.head_not_allowed(b.slow_body(0.5, chunks=40, chunk_size=1))
HOME = "https://www.groupsite.example/projects/attention"

# url → (behaviour, verdict, error, reason)
CASES: dict[str, tuple[b.Behaviour, str, str | None, str]] = {
    # 1. cookie-gated redirect chains
    "https://journals.example-pub.com/doi/full/10.1234/abc": (
        b.cookie_gate(b.ok("Article")), "alive", None, ""
    ),
    "https://repository.uni.example.edu/handle/1/2": (
        b.cookie_gate(b.ok("Thesis"), via=IDP), "alive", None, ""
    ),
    "https://journals.example-pub.com/doi/full/10.1234/gone": (
        b.cookie_gate(b.not_found()), "dead", "http", "404 Not Found"
    ),
    # 2. a HEAD that is not 2xx, confirmed with GET
    "https://www.lab.example/papers/attention.html": (b.head_wrong(404), "alive", None, ""),
    "https://www.lab.example/papers/broken.html": (
        b.head_wrong(500, b.server_error()), "dead", "http",
        "500 Internal Server Error after 2 attempts",
    ),
    # 3. redirect targets: sign-in page, home page (and what is neither)
    "https://wiki.example.org/private/page": (
        b.require_login(), "unverifiable", "blocked",
        "login required: redirected to the sign-in page on wiki.example.org",
    ),
    "https://wiki.example.org/docs": (b.redirect(302, "/docs/en/latest/"), "alive", None, ""),
    HOME: (
        b.redirect(301, "/"), "dead", "soft404",
        "redirected to the home page https://www.groupsite.example/",
    ),
    "http://www.groupsite.example/": (
        b.redirect(301, "https://www.groupsite.example/"), "redirect", None,
        "moved permanently to https://www.groupsite.example/",
    ),
    # 4. client-side redirects
    "https://old-docs.example.io/guide/": (
        b.client_redirect("https://docs.example.io/guide/"), "alive", None, ""
    ),
    "https://old-docs.example.io/api/": (
        b.client_redirect("/api-v2/", "script"), "dead", "http", "404 Not Found"
    ),
    # 5. decoding: a GBK page declared only in <meta charset>
    "https://www.example.cn/news/1.html": (
        b.encoded("注意力机制综述", "本文介绍"), "alive", None, ""
    ),
    "https://www.example.cn/news/404.html": (
        b.encoded("页面不存在", "抱歉，您访问的页面不存在"), "dead", "soft404",
        "soft 404: page says “页面不存在”",
    ),
    # 6. a total deadline per request
    "https://slow.example.net/fine": (
        b.head_not_allowed(b.slow_body(0.05, chunks=4, chunk_size=1)), "alive", None, ""
    ),
    "https://slow.example.net/drip": (
        SLOW, "dead", "timeout",
        "timed out after 2 s: the body of the 200 answer came too slowly",
    ),
    # 7. Location as browsers resolve it, Retry-After as an HTTP date
    "https://files.example.org/download/latest": (
        b.redirect(302, "/über uns/paper v2.pdf"), "alive", None, ""
    ),
    "https://files.example.org/download/old": (
        b.redirect(302, "//cdn.example.org/missing file.pdf"), "dead", "http", "404 Not Found"
    ),
    "https://busy.example.org/paper": (
        b.too_many(retry_after=1, as_date=True), "alive", None, ""
    ),
    "https://busier.example.org/paper": (
        b.too_many(retry_after=3600, as_date=True), "unverifiable", "rate_limited",
        "rate limited by busier.example.org: it asks for a longer pause than allowed",
    ),
}  # fmt: skip

CONFIG = """\
allow_private = true
enrich = false
host_spacing = 0
retry_backoff = 0.01
max_retries = 1
timeout = 2
fail_after = 1
reference_hosts = ["https://reference.example/"]
"""


def scenario() -> Scenario:
    sc = Scenario().route("https://reference.example/", b.ok())
    for url, (behaviour, *_) in CASES.items():
        sc.route(url, behaviour)
    sc.route(IDP, b.identity_hop())
    sc.route("https://wiki.example.org/accounts/login/", b.sign_in_page("Wiki"))
    sc.route("https://wiki.example.org/docs/en/latest/", b.ok("Docs"))
    sc.route("https://www.groupsite.example/", b.ok("Group"))
    sc.route("https://docs.example.io/guide/", b.ok("Guide"))
    sc.host("old-docs.example.io", b.not_found())
    sc.host("www.example.cn", b.encoded("页面不存在", "抱歉，您访问的页面不存在"))
    sc.route("https://files.example.org/%C3%BCber%20uns/paper%20v2.pdf", b.ok("Paper"))
    sc.host("cdn.example.org", b.not_found())
    SimWayback().add(HOME, "20200101000000").mount(sc)
    return sc


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_TOKEN", "LINKWATCH_GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")
    lines = [f"- Entry {n} [[link]({url})]" for n, url in enumerate(CASES)]
    (tmp_path / "README.md").write_text("# Patterns\n\n" + "\n".join(lines) + "\n", "utf-8")
    yield tmp_path


async def test_check_judges_every_engine_pattern(simweb, workdir: Path, monkeypatch):
    web: SimWeb = await simweb(scenario())
    monkeypatch.setattr(linkwatch.cli.run, "Network", web.network)
    args = ["check", "README.md", "--no-progress", "-q"]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args, catch_exceptions=False)
    assert web.refused == []
    assert result.exit_code == 1, result.output  # broken links reported
    report = json.loads((workdir / "reports" / "report.json").read_text("utf-8"))
    got = {x["url"]: (x["verdict"], x["error"], x["reason"]) for x in report["links"]}
    assert got == {url: tuple(case[1:]) for url, case in CASES.items()}
    kinds = {(s["old"], s["kind"]) for s in report["suggestions"]}
    assert (HOME, "redirect") not in kinds and (HOME, "archive") in kinds
    assert not any(old == "https://wiki.example.org/private/page" for old, _ in kinds)
    assert ("http://www.groupsite.example/", "redirect") in kinds  # a real move is offered


def verdict_rows() -> list[tuple[str, str | None, re.Pattern[str]]]:
    """docs/verdicts.md's table as (verdict, error, reason pattern) rows."""
    doc = Path(__file__).resolve().parents[1] / "docs" / "verdicts.md"
    rows = []
    for line in doc.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[1].startswith("`"):
            continue
        verdict = cells[1].split("`")[1]
        error = None if cells[2] == "—" else cells[2].strip("`")
        reason = cells[3].split(" (")[0] if cells[3].startswith("— (") else cells[3]
        text = "" if reason == "—" else reason.split("`")[1]
        pattern = re.escape(text)
        for name in ("host", "url", "n", "s"):
            pattern = pattern.replace(re.escape("{" + name + "}"), ".+")
        rows.append((verdict, error, re.compile(pattern + "$")))
    return rows


def test_docs_verdicts_table_covers_every_case():
    """Each case's verdict, error and reason is a row of docs/verdicts.md."""
    rows = verdict_rows()
    for url, (_, verdict, error, reason) in CASES.items():
        assert any(
            v == verdict and e == error and p.match(reason) for v, e, p in rows
        ), f"{url}: {verdict}/{error}/{reason!r} is not in docs/verdicts.md"
