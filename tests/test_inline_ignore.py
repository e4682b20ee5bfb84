"""Inline ignore comments: the directives, and a disabled link never requested by a check."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from linkwatch.cli import run_pipeline
from linkwatch.config import Settings
from linkwatch.inline_ignore import REASON, Ignores
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b


def test_directives_and_their_reach() -> None:
    ig = Ignores()
    ig.comment(b"<!-- linkwatch-disable -->", 10, 36, 2, 2)
    ig.comment(b"<!--linkwatch-enable-->", 80, 103, 5, 5)
    ig.comment(b"<!-- markdown-link-check-disable-line -->", 120, 160, 7, 7)
    ig.comment(b"<!-- markdown-link-check-disable-next-line -->", 170, 215, 8, 9)
    ig.comment(b"<!-- linkwatch-disable please -->", 300, 330, 20, 20)  # not a directive
    ig.finish(1000)
    assert ig.reason(40, 3).startswith(REASON)
    assert ig.reason(5, 1) == "" and ig.reason(90, 6) == ""
    assert "disable-line" in ig.reason(100, 7)
    assert "disable-next-line" in ig.reason(500, 10)  # the line after the comment's end
    assert ig.reason(400, 21) == ""


def test_disable_without_enable_lasts_to_the_end() -> None:
    ig = Ignores()
    ig.comment(b"<!-- markdown-link-check-disable -->", 0, 36, 0, 0)
    ig.finish(500)
    assert ig.reason(499, 30).startswith(REASON) and bool(ig)
    assert not Ignores()


LIST = """\
# Ignored

- Kept [paper](https://kept.example/a)
<!-- linkwatch-disable -->
- Off [paper](https://off.example/1) https://off.example/2
<!-- linkwatch-enable -->
- Line [paper](https://off.example/3) <!-- markdown-link-check-disable-line -->
<!-- linkwatch-disable-next-line -->
- Next [paper](https://off.example/4)
- Twice [paper](https://kept.example/b) and, disabled, elsewhere:
<!-- markdown-link-check-disable-next-line -->
- [again](https://kept.example/b)
"""


async def test_disabled_links_are_never_requested_and_reported_excluded(
    simweb, tmp_path: Path
) -> None:
    sc = Scenario()
    sc.host("kept.example", default=b.ok(title="Kept"))
    sc.host("off.example", default=b.ok(title="Off"))
    sc.host("reference.example", default=b.ok(title="reference"))
    web = await simweb(sc)
    listing = tmp_path / "README.md"
    listing.write_text(LIST, encoding="utf-8")
    settings = Settings(
        db=tmp_path / "linkwatch.db",
        out=tmp_path / "reports",
        allow_private=True,
        enrich=False,
        host_spacing=0.0,
        retry_backoff=0.01,
        max_retries=1,
        timeout=5.0,
        reference_hosts=["https://reference.example/"],
    )
    opts = {"no_progress": True, "quiet": True, "fmt": "text"}
    # `linkwatch check README.md` as the CLI runs it, with simweb as the network
    code = await asyncio.to_thread(run_pipeline, [listing], settings, web.network(), opts)
    assert code == 0
    assert web.requests("off.example") == []
    assert {"/a", "/b"} <= {r.path for r in web.requests("kept.example")}
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    items = {item["url"]: item for item in report["links"]}
    for n in range(1, 5):
        item = items[f"https://off.example/{n}"]
        assert item["verdict"] == "excluded" and item["reason"].startswith(REASON), item
    twice = items["https://kept.example/b"]  # checked for its other occurrence
    assert twice["verdict"] == "alive" and len(twice["occurrences"]) == 2
