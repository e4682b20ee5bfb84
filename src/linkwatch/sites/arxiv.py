"""arXiv (arxiv.org): which paper a URL names. Its metadata and verdicts come from the
arXiv API (``enrich/arxiv.py``); pages the API cannot settle go the generic way."""

from __future__ import annotations

import re

from ..models import LinkKind
from .base import Site

_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})"
_PATH = re.compile(rf"^/(?:abs|pdf|html|format|ps)/(?:{_NEW}|{_OLD})(?:v(?P<v>\d+))?(?:\.pdf)?/?$")


def parse(host: str, path: str, query: str) -> dict[str, object]:
    m = _PATH.match(path)
    if not m:
        return {"site": "arxiv"}
    return {
        "site": "arxiv",
        "arxiv_id": m.group("new") or m.group("old"),
        "arxiv_version": int(m.group("v")) if m.group("v") else None,
    }


SITE = Site(
    "arxiv",
    hosts=("arxiv.org",),
    kind=LinkKind.PAPER,
    parse=parse,
    url_hosts=("arxiv.org", "export.arxiv.org"),
)
