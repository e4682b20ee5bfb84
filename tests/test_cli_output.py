"""What a CI log shows of `linkwatch check` (stdout and stderr are files there, not a
terminal): no line cut at 80 columns, other packages' chatter silent by default, and
`-v` one line per URL checked."""

from __future__ import annotations

from pathlib import Path

from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from proxied_cli import linkwatch_check

LONG = "https://papers.example/" + "a-very-long-path-segment/" * 6 + "paper.pdf"
LIST = f"# L\n\n- Long [[paper]({LONG})]\n- Short [[code](https://code.example/x)]\n"
CONFIG = """\
enrich = false
host_spacing = 0
max_retries = 0
timeout = 5
allow_private = true
reference_hosts = ["https://reference.example/"]
"""


async def test_ci_log_lines_are_whole_and_verbose_lists_each_url(simweb, tmp_path: Path):
    sc = Scenario()
    sc.host("papers.example", default=b.ok(title="Paper"))
    sc.host("code.example", default=b.ok(title="Code"))
    sc.host("reference.example", default=b.ok(title="reference"))
    web = await simweb(sc)
    proxy = await web.proxy()
    (tmp_path / "README.md").write_text(LIST, encoding="utf-8")
    (tmp_path / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")

    quiet = await linkwatch_check(web, tmp_path, proxy.url, COLUMNS="80")
    assert quiet.returncode == 0, quiet.stderr
    reports = [line for line in quiet.stdout.splitlines() if line.startswith("reports: ")]
    assert len(reports) == 1 and reports[0].endswith("suggestions.patch")  # not cut at 80
    assert quiet.stderr == ""

    verbose = await linkwatch_check(web, tmp_path, proxy.url, "-v", "--refresh", COLUMNS="80")
    checked = [line for line in verbose.stderr.splitlines() if "alive" in line]
    assert any(LONG in line for line in checked)  # one whole line per URL
    assert any("https://code.example/x" in line for line in checked)
    assert not any(
        "markdown_it" in line or "entering" in line for line in verbose.stderr.splitlines()
    )
