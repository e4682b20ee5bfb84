"""Site rules: how a URL's host turns responses into a verdict.

The engine stays generic; a site with quirks (soft-404 pages, APIs that answer
better than pages, bot walls, login walls) gets a module here that declares it
(``registry.Site``) with its rule::

    class WechatRule:
        name = "wechat"
        async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult: ...

    SITE = Site("wechat", hosts=("mp.weixin.qq.com",), kind=LinkKind.BLOG, rule=WechatRule())

Rules see the engine only through ``fetch.Fetcher``. Hosts without a rule get
``generic.GENERIC``.
"""

from __future__ import annotations

from ..models import UrlInfo
from .base import SiteRule
from .registry import rule_of


def rule_for(info: UrlInfo) -> SiteRule:
    """The rule declared for the longest suffix of ``info.host``, else the generic one."""
    rule = rule_of(info.host)
    if rule is not None:
        return rule
    from .generic import GENERIC

    return GENERIC
