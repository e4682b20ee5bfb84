"""The registry of site declarations (``base.Site``), read from the site modules.

A module of this package declares ``SITE = Site(...)`` (or ``SITES = (...)``). Every
reader asks here: ``urls.classify`` (``url_site``), ``urls.strip_tracking``
(``query_site``), the link kinds of ``extract``
(``kind_for``), the bot-wall list (``wall_for``) and the engine's rule lookup
(``rule_for``). A new site is one new module; nothing else changes.

Hosts match by suffix (``github.com`` covers ``gist.github.com``) and the longest
suffix declaring what is asked wins. ``url_hosts`` are exact hosts (after ``www.``,
``m.`` and ``mobile.`` are dropped) whose URLs ``parse`` understands.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache, lru_cache

from ..models import LinkKind
from .base import Site, SiteRule

# Helpers of this package that declare no site, and modules checked without the engine.
_NOT_SITES = frozenset({"base", "registry", "generic", "botwall", "soft404", "local", "fragments"})


def site_modules() -> list[str]:
    """The modules whose declarations are read (every module of the package but helpers)."""
    package = __name__.rpartition(".")[0]
    path = importlib.import_module(package).__path__
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(path) if m.name not in _NOT_SITES]


@cache
def sites() -> tuple[Site, ...]:
    """Every declared site, modules imported on first use."""
    found: list[Site] = []
    for name in site_modules():
        module = importlib.import_module(name)
        if (site := getattr(module, "SITE", None)) is not None:
            found.append(site)
        found.extend(getattr(module, "SITES", ()))
    return tuple(found)


@cache
def _by_host() -> dict[str, tuple[Site, ...]]:
    index: dict[str, list[Site]] = {}
    for site in sites():
        for host in site.hosts:
            index.setdefault(host.lower().strip("."), []).append(site)
    return {host: tuple(found) for host, found in index.items()}


@cache
def _by_url_host() -> dict[str, Site]:
    return {host: site for site in sites() for host in site.url_hosts}


def reindex() -> None:
    """Forget the indexes (after the declarations changed: tests that declare sites)."""
    for cached in (_by_host, _by_url_host, _answer):
        cached.cache_clear()


def _suffixes(host: str) -> list[str]:
    """``a.b.example.org`` → itself, then each parent domain down to ``example.org``."""
    labels = host.lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(max(1, len(labels) - 1))]


_WANTS: dict[str, Callable[[Site], bool]] = {
    "rule": lambda site: site.rule is not None,
    "kind": lambda site: site.kind is not None,
    "wall": lambda site: site.wall is not None,
    "tracking": lambda site: bool(site.tracking or site.identity),
}


@lru_cache(maxsize=16384)  # hosts repeat: a list has far fewer hosts than links
def _answer(host: str, purpose: str) -> Site | None:
    """The site of the longest suffix of ``host`` that declares ``purpose`` (no paths)."""
    want = _WANTS[purpose]
    index = _by_host()
    for suffix in _suffixes(host):
        for site in index.get(suffix, ()):
            if not site.paths and want(site):
                return site
    return None


def rule_of(host: str) -> SiteRule | None:
    site = _answer(host, "rule")
    return site.rule if site is not None else None


def kind_for(host: str, path: str) -> LinkKind | None:
    """The declared kind of the host; sites limited to ``paths`` count only when nothing
    declares the host itself (a path is more specific only then)."""
    site = _answer(host, "kind")
    if site is not None:
        return site.kind
    index = _by_host()
    for suffix in _suffixes(host):
        for site in index.get(suffix, ()):
            if site.paths and site.kind is not None and path.startswith(site.paths):
                return site.kind
    return None


def wall_for(host: str) -> Site | None:
    """The declaration saying ``host`` walls off checkers (bot or login wall), if any."""
    return _answer(host, "wall")


def is_blocking_host(host: str) -> bool:
    """``host`` or one of its parent domains is declared a wall (``Site.wall``)."""
    return wall_for(host) is not None


def query_site(host: str) -> Site | None:
    """The declaration saying which query parameters of ``host`` track visitors, if any."""
    return _answer(host, "tracking")


def url_site(bare_host: str) -> Site | None:
    """The site whose ``parse`` reads URLs of this exact host (``www.`` already dropped)."""
    site = _by_url_host().get(bare_host)
    return site if site is not None and site.parse is not None else None

