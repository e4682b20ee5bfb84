"""Site declarations: one ``Site`` in one module is what every reader of site knowledge
uses — the rule lookup, ``urls.classify``, tracking parameters, extraction's link kinds
and the wall list."""

from __future__ import annotations

from linkwatch import sites
from linkwatch.extract import link_kind
from linkwatch.models import LinkKind, LinkResult, Verdict
from linkwatch.sites import registry
from linkwatch.sites.base import Site
from linkwatch.urls import classify, strip_tracking


class PapersRule:
    name = "papers"

    async def check(self, info, engine) -> LinkResult:
        return LinkResult(info.normalized, Verdict.ALIVE)


def parse(host: str, path: str, query: str) -> dict[str, object]:
    return {"site": "papers", "post_id": path.rsplit("/", 1)[-1] or None}


def test_one_declaration_feeds_every_reader(declare) -> None:
    rule = PapersRule()
    declare(
        Site(
            "papers",
            hosts=("papers.example.org",),
            kind=LinkKind.PAPER,
            wall="bot",
            rule=rule,
            parse=parse,
            url_hosts=("papers.example.org",),
            tracking=("ref",),
        )
    )
    info = classify("https://www.papers.example.org/view/1234")
    assert (info.site, info.post_id, info.wall) == ("papers", "1234", "bot")
    assert sites.rule_for(info) is rule
    assert link_kind("Some title", "https://cdn.papers.example.org/x") is LinkKind.PAPER
    assert registry.is_blocking_host("cdn.papers.example.org")
    assert strip_tracking("https://papers.example.org/view/1?ref=feed&page=2") == (
        "https://papers.example.org/view/1?page=2"
    )
    assert strip_tracking("https://other.example.org/x?ref=feed") == (
        "https://other.example.org/x?ref=feed"
    )


def test_every_site_module_declares_and_no_host_is_declared_twice() -> None:
    modules = registry.site_modules()
    assert {"linkwatch.sites.wechat", "linkwatch.sites.doi", "linkwatch.sites.social"} <= set(
        modules
    )
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    for site in registry.sites():
        for host in site.hosts:
            key = (host, site.paths)
            assert key not in seen, f"{host} declared by {seen[key]} and {site.name}"
            seen[key] = site.name


def test_longest_suffix_wins_and_paths_only_narrow_the_kind() -> None:
    assert registry.rule_of("gist.github.com") is registry.rule_of("github.com")
    assert registry.kind_for("blog.csdn.net", "/x") is LinkKind.BLOG
    assert registry.kind_for("download.csdn.net", "/x") is None
    assert registry.wall_for("download.csdn.net") is not None
    assert registry.kind_for("paperswithcode.com", "/dataset/coco") is LinkKind.DATASET
    assert registry.kind_for("paperswithcode.com", "/paper/x") is None
    assert registry.wall_for("x.com").wall == "login"
    assert registry.wall_for("arxiv.org") is None
