"""Proxies as a corporate runner sets them: ``linkwatch check`` in its own process with
``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` pointing at a CONNECT proxy on 127.0.0.1 in
front of the simulated web. Traffic goes through the proxy, ``NO_PROXY`` hosts bypass it,
the private-address guard still judges the target host, and a proxy that refuses
everything is "network unreachable" (exit 3), not a list of dead links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkwatch.config import Settings
from linkwatch.net import proxy_for
from linkwatch.pipeline import run_check
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from proxied_cli import linkwatch_check

LIST = """\
# Awesome Proxy

- Good [[paper](https://papers.example/good)]
- Gone [[paper](https://papers.example/gone)]
- Plain [[blog](http://plain.example/post)]
- No host [[code](https://nowhere.example/x)]
"""
CONFIG = """\
enrich = false
host_spacing = 0
retry_backoff = 0.01
max_retries = 0
timeout = 5
fail_after = 1
reference_hosts = ["https://reference.example/"]
"""


def scenario() -> Scenario:
    sc = Scenario()
    sc.host("papers.example", default=b.not_found())
    sc.route("https://papers.example/good", b.ok(title="Good"))
    sc.host("plain.example", default=b.ok(title="Plain"))
    sc.host("reference.example", default=b.ok(title="reference"))
    sc.host("intranet.example", default=b.ok(title="internal"), resolve_to="10.1.2.3")
    return sc


def test_proxy_for_reads_the_environment_like_curl():
    env = {"HTTPS_PROXY": "proxy.corp:3128", "http_proxy": "http://p:8080", "NO_PROXY": ""}
    assert proxy_for("https://a.example/x", env) == "http://proxy.corp:3128"
    assert proxy_for("http://a.example/x", env) == "http://p:8080"
    env["NO_PROXY"] = "localhost, .internal.example,exact.example:8443"
    assert proxy_for("https://docs.internal.example/", env) is None
    assert proxy_for("https://internal.example/", env) is None
    assert proxy_for("https://exact.example:8443/", env) is None
    assert proxy_for("https://exact.example/", env) == "http://proxy.corp:3128"
    assert proxy_for("https://a.example/", {**env, "no_proxy": "*", "NO_PROXY": ""}) is None
    assert proxy_for("https://a.example/", {"ALL_PROXY": "http://all:1"}) == "http://all:1"
    assert proxy_for("https://a.example/", {}) is None


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "README.md").write_text(LIST, encoding="utf-8")
    # the proxy stands at a loopback address, as corporate proxies stand at private ones;
    # --allow-private keeps the child from asking the system resolver about sim names
    (tmp_path / "linkwatch.toml").write_text(CONFIG + "allow_private = true\n", encoding="utf-8")
    return tmp_path


async def test_check_goes_through_the_proxy_and_no_proxy_hosts_bypass_it(simweb, repo: Path):
    web = await simweb(scenario())
    proxy = await web.proxy()
    done = await linkwatch_check(web, repo, proxy.url, NO_PROXY="reference.example")
    assert done.returncode == 1, done.stderr  # the gone paper and the missing host
    report = json.loads((repo / "reports" / "report.json").read_text(encoding="utf-8"))
    verdicts = {i["url"]: (i["verdict"], i["error"]) for i in report["links"]}
    assert verdicts["https://papers.example/good"] == ("alive", None)
    assert verdicts["https://papers.example/gone"] == ("dead", "http")
    assert verdicts["http://plain.example/post"] == ("alive", None)
    nowhere = next(i for i in report["links"] if i["url"] == "https://nowhere.example/x")
    assert nowhere["verdict"] == "dead" and "proxy" in nowhere["reason"]
    through = set(proxy.hosts())
    assert {"papers.example", "plain.example", "nowhere.example"} <= through
    assert "reference.example" not in through  # NO_PROXY: straight to the host
    plain = [r for r in proxy.log if r.method != "CONNECT"]  # absolute-form plain HTTP
    assert plain and all(r.target.startswith("http://plain.example/") for r in plain)
    assert web.requests("papers.example", "/good") and web.requests("plain.example", "/post")
    assert web.refused == []


async def test_a_proxy_that_refuses_everything_is_network_unreachable(simweb, repo: Path):
    web = await simweb(scenario())
    proxy = await web.proxy(mode="refuse")
    done = await linkwatch_check(web, repo, proxy.url)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "network unreachable" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (repo / "reports" / "report.json").exists()
    assert web.log == []  # nothing got past the proxy
    assert len(proxy.log) >= 4


async def test_the_guard_judges_the_target_behind_the_proxy(simweb, tmp_path: Path, monkeypatch):
    """In process, with the sim's resolver: the target resolves to a private address, so
    it is refused before anything is sent to the proxy; public names go through it."""
    web = await simweb(scenario())
    proxy = await web.proxy()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    listing = tmp_path / "README.md"
    listing.write_text(
        "# L\n\n- [a](https://papers.example/good)\n- [b](https://intranet.example/wiki)\n",
        encoding="utf-8",
    )
    settings = Settings(
        db=tmp_path / "cache" / "linkwatch.db", out=tmp_path / "reports", enrich=False,
        host_spacing=0.0, max_retries=0, timeout=5.0,
        reference_hosts=["https://reference.example/"],
    )  # fmt: skip
    outcome = await run_check([listing], settings, web.network())
    links = {i["url"]: i for i in outcome.report["links"]}
    assert links["https://papers.example/good"]["verdict"] == "alive"
    walled = links["https://intranet.example/wiki"]
    assert walled["verdict"] == "excluded" or walled["error"] == "private_address"
    assert "intranet.example" not in proxy.hosts()
    assert "papers.example" in proxy.hosts()
