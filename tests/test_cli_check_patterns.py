"""End to end through `linkwatch check`: a list with an alive and a dead or unverifiable URL
for each long-tail pattern (parked domains, challenge pages, soft-404s in any language,
social login walls, DOIs, cloud shares) comes out right in report.json and the exit code."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import linkwatch.cli.run
from linkwatch.cli import cli
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s

CONFIG = """\
allow_private = true
enrich = false
host_spacing = 0
retry_backoff = 0.01
max_retries = 1
timeout = 5
fail_after = 1
reference_hosts = ["https://reference.example/"]
"""
ACM = "https://dl.acm.org/doi/10.1145/3394171.3413000"
# url → (verdict, error, reason) expected in report.json
EXPECTED: dict[str, tuple[str, str | None, str]] = {
    "https://attention-lab.net/code/gct": (
        "dead",
        "soft404",
        "domain parked: parking service page (sedoparking.com)",
    ),
    "https://blog.example.org/2024/selling-my-domain": ("alive", None, ""),
    "https://shop.example.com/item/42": (
        "unverifiable",
        "blocked",
        "bot wall: 403 from shop.example.com, DataDome challenge page “shop.example.com”",
    ),
    "https://papers.example.net/attention": ("alive", None, ""),
    "https://blog.example.ge/posts/attention": ("alive", None, ""),
    "https://blog.example.ge/posts/removed": (
        "dead",
        "soft404",
        "soft 404: same page as a random path on blog.example.ge",
    ),
    "https://x.com/ak92501/status/1234": ("unverifiable", "blocked", "login required (x.com)"),
    "https://www.linkedin.com/in/some-researcher": (
        "unverifiable",
        "blocked",
        "login required (linkedin.com)",
    ),
    "https://www.facebook.com/visionlab": ("alive", None, ""),
    "https://doi.org/10.1145/3394171.3413000": (
        "alive",
        None,
        f"DOI 10.1145/3394171.3413000 registered → {ACM}",
    ),
    "https://doi.org/10.1145/0000000.0000000": (
        "dead",
        "http",
        "DOI 10.1145/0000000.0000000 not found (handle API responseCode 100)",
    ),
    "https://drive.google.com/file/d/1AbC/view": ("alive", None, ""),
    "https://drive.google.com/file/d/1PrIv/view": (
        "unverifiable",
        "blocked",
        "Google Drive: “You need access”",
    ),
    "https://pan.baidu.com/s/1DeLeTeD": (
        "dead",
        "soft404",
        "Baidu Pan: “啊哦，你来晚了，分享的文件已经被删除了”",
    ),
}


def scenario() -> Scenario:
    dois = s.DoiSite()
    dois.add("10.1145/3394171.3413000", ACM)
    urls = list(EXPECTED)
    return (
        Scenario()
        .host("reference.example", b.Ok("Reference"))
        .host("attention-lab.net", s.parked_page("attention-lab.net", "sedo"))
        .route(urls[1], s.article_about_domain_sales())
        .host("blog.example.org", s.SoftNotFound())
        .host("shop.example.com", s.challenge("datadome", "shop.example.com"))
        .route(urls[3], s.cloudflare_site_page("Attention"))
        .host("blog.example.ge", s.LocalNotFound())
        .route(urls[4], s.blog_post("ბლოგი", "ყურადღების მექანიზმი"))
        .host("x.com", s.x_shell())
        .host("www.linkedin.com", s.linkedin_999())
        .route(urls[8], s.social_public_page("Vision Lab", "Facebook"))
        .mount("doi.org", dois)
        .host("dl.acm.org", b.BotWall("cloudflare", 403))
        .route(urls[11], s.gdrive_file("weights.pth"))
        .route(urls[12], s.gdrive_need_access())
        .route(urls[13], s.share_page("百度网盘-链接不存在", s.BAIDU_GONE["deleted"], lang="zh"))
    )


@pytest.fixture
def list_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_TOKEN", "LINKWATCH_GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "linkwatch.toml").write_text(CONFIG, encoding="utf-8")
    entries = "".join(f"- Entry {i} [[link]({url})]\n" for i, url in enumerate(EXPECTED))
    (tmp_path / "README.md").write_text(f"# Long tail\n\n## Links\n{entries}", encoding="utf-8")
    return tmp_path


async def test_every_pattern_alive_and_not_through_the_cli(
    simweb, list_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = await simweb(scenario())
    monkeypatch.setattr(linkwatch.cli.run, "Network", web.network)
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["check", "README.md", "--no-progress", "-q"]
    )
    assert result.exit_code == 1, result.output  # dead links, fail_after = 1
    assert web.refused == []
    report = json.loads((list_dir / "reports" / "report.json").read_text(encoding="utf-8"))
    got = {
        link["url"]: (link["verdict"], link["error"], link["reason"]) for link in report["links"]
    }
    assert got == EXPECTED
