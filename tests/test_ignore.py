"""Ignore files and include/exclude precedence (lychee's): parsed, and an ignored URL is
never requested (simweb's log)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkwatch.config import Settings
from linkwatch.ignore import IgnoreFileError, UrlFilter, parse_ignore, read_ignore_files
from linkwatch.pipeline import run_check
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b

LIST = """\
# List

- A [[paper](https://keep.example/a)] [[code](https://skip.example/b)]
- B [[blog](https://lychee.example/c)] [[video](https://skip.example/wanted)]
"""


def test_ignore_file_lines_comments_and_blanks():
    text = "# comment\n\nhttps://a\\.example/.*\n   # indented comment\n  ^http://old  \n"
    assert parse_ignore(text) == [(3, "https://a\\.example/.*"), (5, "^http://old")]


def test_include_wins_over_exclude_as_in_lychee():
    both = UrlFilter.build(include=["wanted"], exclude=["skip\\.example"])
    assert both.why_excluded("https://skip.example/wanted") is None  # include wins
    assert both.why_excluded("https://skip.example/b") == "excluded: skip\\.example"
    assert both.why_excluded("https://keep.example/a") is None  # neither: checked
    only = UrlFilter.build(include=["keep"], exclude=[])
    assert only.why_excluded("https://other.example/") == "excluded: not matched by include"
    assert only.why_excluded("https://keep.example/") is None


def test_bad_regex_in_an_ignore_file_names_file_and_line(tmp_path: Path):
    (tmp_path / ".lycheeignore").write_text("fine\n([broken\n", encoding="utf-8")
    with pytest.raises(IgnoreFileError, match=r"\.lycheeignore:2: invalid regex '\(\[broken'"):
        read_ignore_files(tmp_path)


async def test_ignored_urls_are_never_requested(
    simweb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sc = Scenario()
    for host in ("keep.example", "skip.example", "lychee.example", "reference.example"):
        sc.host(host, default=b.ok(title=host))
    web = await simweb(sc)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".linkwatchignore").write_text("# ours\nskip\\.example\n", encoding="utf-8")
    (tmp_path / ".lycheeignore").write_text("lychee\\.example/c\n", encoding="utf-8")
    listing = tmp_path / "README.md"
    listing.write_text(LIST, encoding="utf-8")
    settings = Settings(
        db=tmp_path / "lw.db",
        out=tmp_path / "reports",
        allow_private=True,
        enrich=False,
        host_spacing=0.0,
        include=["wanted"],
        reference_hosts=["https://reference.example/"],
    )
    outcome = await run_check([listing], settings, web.network())
    links = {i["url"]: i for i in outcome.report["links"]}
    skipped = links["https://skip.example/b"]["reason"]
    assert skipped == "excluded: skip\\.example (.linkwatchignore:2)"
    assert links["https://lychee.example/c"]["verdict"] == "excluded"
    assert ".lycheeignore:1" in links["https://lychee.example/c"]["reason"]
    assert links["https://skip.example/wanted"]["verdict"] == "alive"  # include wins
    assert links["https://keep.example/a"]["verdict"] == "alive"
    asked = {(r.host, r.path) for r in web.log}
    assert ("skip.example", "/b") not in asked and not web.requests("lychee.example")
    assert ("skip.example", "/wanted") in asked
