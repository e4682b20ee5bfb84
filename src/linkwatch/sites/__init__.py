"""Site rules: how a URL's host turns responses into a verdict.

The engine stays generic; a site with quirks (soft-404 pages, APIs that answer
better than pages, bot walls) gets a module here that registers a rule for its
hosts at import time::

    class WechatRule:
        name = "wechat"
        async def check(self, info: UrlInfo, engine: Engine) -> LinkResult: ...

    register(WechatRule(), hosts=["mp.weixin.qq.com"])

Every module in this package (but ``local``) is imported on the first ``rule_for``
call, so a new site needs no edit here. Hosts match by suffix (``github.com`` covers
``gist.github.com``); the longest registered suffix wins; hosts without a rule get
``generic.GENERIC``.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Protocol

from ..models import LinkResult, UrlInfo

if TYPE_CHECKING:
    from ..checker import Engine


class SiteRule(Protocol):
    name: str

    async def check(self, info: UrlInfo, engine: Engine) -> LinkResult:
        """Fetch through ``engine.fetch`` and decide the verdict for ``info``."""
        ...


_RULES: dict[str, SiteRule] = {}
_NOT_RULES = {"local"}  # fragments and files next to the list: checked without the engine
_loaded = False


def register(rule: SiteRule, hosts: list[str]) -> None:
    """Use ``rule`` for these hosts and their subdomains."""
    for host in hosts:
        _RULES[host.lower().strip(".")] = rule


def _load_site_modules() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in pkgutil.iter_modules(__path__):
            if module.name not in _NOT_RULES:
                importlib.import_module(f"{__name__}.{module.name}")


def rule_for(info: UrlInfo) -> SiteRule:
    """The rule registered for the longest suffix of ``info.host``, else the generic one."""
    _load_site_modules()
    host = info.host.lower().rstrip(".")
    labels = host.split(".")
    for i in range(len(labels)):
        rule = _RULES.get(".".join(labels[i:]))
        if rule is not None:
            return rule
    from .generic import GENERIC

    return GENERIC
