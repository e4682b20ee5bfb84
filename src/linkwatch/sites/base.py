"""What a site declaration holds: everything linkwatch knows about one site.

A site module declares its hosts, the kind of link it is (paper, code, video …),
whether it walls off checkers, its rule, the wordings of its not-found page, how
its URLs name objects and which of their parameters only track, in one ``Site``;
``registry`` collects them. This module imports no rule and no registry, so every
site module can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import unquote

from ..models import LinkKind, LinkResult, UrlInfo

if TYPE_CHECKING:
    from ..fetch import Fetcher

Wall = Literal["bot", "login"]  # refuses non-browsers / shows a login page to visitors
# (host, path, query) of a URL → UrlInfo fields (``site`` and what the URL names)
Parser = Callable[[str, str, str], Mapping[str, object]]


class SiteRule(Protocol):
    name: str

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        """Fetch through ``engine.fetch`` and decide the verdict for ``info``."""
        ...


@dataclass(frozen=True)
class Site:
    name: str
    hosts: tuple[str, ...]
    kind: LinkKind | None = None
    paths: tuple[str, ...] = ()  # only URLs under these path prefixes (link kind only)
    wall: Wall | None = None
    rule: SiteRule | None = None
    not_found: tuple[str, ...] = ()  # the site's own "gone" wordings (soft-404 markers)
    parse: Parser | None = None
    url_hosts: tuple[str, ...] = ()
    tracking: tuple[str, ...] = ()  # query keys that only say how a visitor got here
    identity: tuple[str, ...] = ()  # the keys naming the object; the rest is session state
    session_fragments: tuple[str, ...] = ()  # fragments that are session state too


# Share parameters of Chinese platforms: tracking there, possibly real elsewhere.
CN_SHARE_PARAMS = ("from", "scene", "share_source", "share_medium", "share_from")


def query_params(query: str) -> dict[str, str]:
    """``a=1&b=2`` → ``{"a": "1", "b": "2"}``, the first value of a repeated key."""
    out: dict[str, str] = {}
    for pair in query.split("&"):
        k, _, v = pair.partition("=")
        out.setdefault(unquote(k), unquote(v))
    return out


def site_of(host: str, declared: tuple[Site, ...]) -> Site:
    """Which of a module's own ``declared`` sites ``host`` (or a parent domain) belongs to."""
    labels = host.lower().rstrip(".").split(".")
    suffixes = {".".join(labels[i:]) for i in range(len(labels))}
    return next(site for site in declared if suffixes & set(site.hosts))
