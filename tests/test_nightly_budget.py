"""Issue 12 scope 7: under a --max-duration of one full check, links that hang are judged
within a bounded number of nights, through the console script night after night."""

from __future__ import annotations

import json
import time
from pathlib import Path

from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from simnet_cli import linkwatch_cli

CONFIG = """\
allow_private = true
enrich = false
host_spacing = 0
retry_backoff = 0.01
reference_hosts = ["https://reference.example/"]
"""
HANGING, SLOW = 6, 12
TIMEOUT, RETRIES = 1.5, 1  # one full check: 3 s


async def test_hanging_links_are_judged_within_bounded_nights(simweb, tmp_path: Path) -> None:
    hanging = [f"https://hang.example/{i}" for i in range(HANGING)]
    slow = [f"https://slow.example/{i}" for i in range(SLOW)]
    (tmp_path / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "# List\n\n" + "".join(f"- Entry {i} [[p]({u})]\n" for i, u in enumerate(slow + hanging)),
        encoding="utf-8",
    )
    sc = Scenario()
    sc.host("hang.example", default=b.hang())
    sc.host("slow.example", default=b.slow(0.2))
    sc.host("reference.example", default=b.ok())
    web = await simweb(sc)
    budget = TIMEOUT * (RETRIES + 1)
    args = ["check", "README.md", "--no-progress", "-q", "--per-host", "2"]
    args += ["--timeout", f"{TIMEOUT:g}s", "--max-retries", str(RETRIES)]
    args += ["--max-duration", f"{budget:g}s"]

    judged: set[str] = set()
    nights = 0
    # each night judges at least the per-host links it starts: ceil(6 / 2) nights for the
    # hanging host, bounded whatever the order
    while judged != set(hanging + slow):
        nights += 1
        assert nights <= HANGING // 2 + 1, f"not judged after {nights - 1} nights"
        started = time.monotonic()
        done = await linkwatch_cli(web, tmp_path, *args)
        elapsed = time.monotonic() - started
        assert done.returncode == 0, done.stderr  # a hanging link: failing (1 of 2)
        assert elapsed < budget + 2 * budget + 8  # overrun: the checks in flight only
        report = json.loads((tmp_path / "reports" / "report.json").read_text())
        tonight = {link["url"] for link in report["links"] if not link["cached"]}
        assert tonight, f"night {nights} judged nothing"
        judged |= tonight
        if judged != set(hanging + slow):
            assert any("links left for the next run" in n for n in report["notes"])
    for link in report["links"]:
        if link["url"] in hanging and not link["cached"]:
            assert link["error"] == "timeout" and link["state"] == "failing"
    assert web.refused == []
