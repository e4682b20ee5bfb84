"""`linkwatch links` / `linkwatch entries` through the real click CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from linkwatch.cli import LINK_KEYS, cli
from linkwatch.data import example_list_path

LINK_SHOWN = ["kind", "target", "section", "entry", "url"]

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={})


def test_links_json_has_stable_keys_and_positions() -> None:
    result = run("links", str(example_list_path()), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert all(tuple(row) == LINK_KEYS for row in rows)
    first_wechat = next(r for r in rows if r["url"].startswith("https://mp.weixin.qq.com/s?__biz"))
    assert (first_wechat["line"], first_wechat["column"]) == (42, 32)
    assert first_wechat["kind"] == "blog" and first_wechat["target"] == "web"
    assert first_wechat["normalized"] == first_wechat["url"]
    data = example_list_path().read_bytes()
    assert all(data[r["start"] : r["end"]].decode() == r["url"] for r in rows)


def test_links_csv_and_table(tmp_path: Path) -> None:
    path = FIXTURES / "http_https.md"
    out = run("links", str(path), "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["normalized"] for r in rows] == [
        "http://example.org/paper",
        "https://example.org/paper",
    ]
    table = run("links", str(path)).output
    assert "http_https.md:3:7" in table


def test_entries_json() -> None:
    result = run("entries", str(FIXTURES / "entries.md"), "--format", "json")
    assert result.exit_code == 0
    first = json.loads(result.output)[0]
    assert first == {
        "file": str(FIXTURES / "entries.md"),
        "line": 6,
        "section": "Papers > 2020",
        "title": "DCANet (ECCV-2020)",
        "venue": "ECCV",
        "venue_raw": "(ECCV-2020)",
        "year": 2020,
        "links": [
            "https://arxiv.org/abs/2007.05099",
            "https://mp.weixin.qq.com/s/xJgL3t63ipfv2JYsOZpeYg",
        ],
    }


def test_bad_input_exit_2_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "x.md"
    binary.write_bytes(b"\x00\x01")
    for args in (["links", str(tmp_path / "missing.md")], ["entries", str(tmp_path)],
                 ["links", str(binary)]):  # fmt: skip
        result = run(*args)
        assert result.exit_code == 2
        assert result.output.count("\n") == 1 and "error:" in result.output
        assert "Traceback" not in result.output


def test_empty_and_invalid_utf8_warn_but_succeed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"- x [p](https://a.org/p) \xff\n")
    result = run("links", str(empty), str(bad), "--format", "json")
    assert result.exit_code == 0
    assert "warning:" in result.output and "invalid UTF-8" in result.output


def test_many_links_stream_as_plain_aligned_text_and_json_lines(tmp_path: Path) -> None:
    """Above RICH_TABLE_MAX rows (and off a terminal) the table is plain text; JSON has
    one link per line. Both carry every link."""
    from linkwatch.cli.lists import RICH_TABLE_MAX

    n = RICH_TABLE_MAX + 500
    listing = tmp_path / "big.md"
    listing.write_text(
        "# Big\n\n" + "".join(f"- Entry {i} [paper](https://e.example/{i})\n" for i in range(n)),
        encoding="utf-8",
    )
    table = run("links", str(listing)).output.splitlines()
    assert table[0] == f"{n} links" and table[1].split() == ["where", *LINK_SHOWN]
    assert len(table) == n + 2
    url_at = {line.index("https://") for line in table[2:]}
    assert len(url_at) == 1  # one column for the URL: aligned
    out = run("links", str(listing), "--format", "json").output
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == n + 2
    assert [row["url"] for row in json.loads(out)] == [f"https://e.example/{i}" for i in range(n)]
