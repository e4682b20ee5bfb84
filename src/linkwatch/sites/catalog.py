"""Sites with no rule of their own: what kind of link they are, and which wall off checkers.

Paper venues, code and video hosts, blogs and datasets give a link its kind when
its label does not (``extract.link_kind``). Publishers and blog platforms that
answer non-browsers with 403, 429 or a challenge page are ``wall="bot"``: their
refusals are ``unverifiable`` (``botwall``). A site with quirks gets a module of its
own instead of a line here.
"""

from __future__ import annotations

from ..models import LinkKind
from .base import CN_SHARE_PARAMS, Site

PAPER, CODE, VIDEO, BLOG, DATASET = (
    LinkKind.PAPER,
    LinkKind.CODE,
    LinkKind.VIDEO,
    LinkKind.BLOG,
    LinkKind.DATASET,
)


def _sites(kind: LinkKind | None, *hosts: str, wall: bool = False) -> tuple[Site, ...]:
    return tuple(
        Site(host, hosts=(host,), kind=kind, wall="bot" if wall else None) for host in hosts
    )


SITES: tuple[Site, ...] = (
    *_sites(
        PAPER,
        "openaccess.thecvf.com",
        "openreview.net",
        "proceedings.neurips.cc",
        "papers.nips.cc",
        "proceedings.mlr.press",
        "aclanthology.org",
        "ecva.net",
        "ojs.aaai.org",
        "ijcai.org",
        "semanticscholar.org",
    ),
    *_sites(PAPER, "ieeexplore.ieee.org", "dl.acm.org", "link.springer.com", wall=True),
    *_sites(CODE, "gitlab.com", "gitee.com", "bitbucket.org"),
    *_sites(VIDEO, "vimeo.com"),
    *_sites(BLOG, "blog.csdn.net", "cnblogs.com"),
    *_sites(BLOG, "medium.com", "towardsdatascience.com", wall=True),
    *_sites(DATASET, "kaggle.com"),
    Site(
        "paperswithcode-datasets", hosts=("paperswithcode.com",), kind=DATASET, paths=("/dataset",)
    ),
    *_sites(
        None,
        "researchgate.net",
        "sciencedirect.com",
        "onlinelibrary.wiley.com",
        "tandfonline.com",
        "jstor.org",
        "academic.oup.com",
        "pubs.acs.org",
        "iopscience.iop.org",
        "quora.com",
        wall=True,
    ),
    Site("jianshu.com", hosts=("jianshu.com",), kind=BLOG, wall="bot", tracking=CN_SHARE_PARAMS),
    Site("csdn.net", hosts=("csdn.net",), wall="bot", tracking=CN_SHARE_PARAMS),
    Site("qq.com", hosts=("qq.com",), tracking=CN_SHARE_PARAMS),
    Site("weibo.com", hosts=("weibo.com",), tracking=CN_SHARE_PARAMS),
)
