"""``--check-fragments``: do the ``#fragment``s of links to other sites' pages exist?

Opt-in, because it costs one GET per page linked with a fragment. It runs after
the link checks, only for pages that are alive, and reports what is missing as
``missing_fragment`` findings at the link's line: the page itself is fine, so
the verdict does not change. Fragments that are not anchors (GitHub line ranges,
``#!/`` and ``#/`` app routes, text fragments, PDF ``#page=``) are left alone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

from ..checker import Engine
from ..config import Settings
from ..models import Document, Finding, Link, LinkResult, Target, Verdict
from ..net import Network
from ..urls import normalize
from .soft404 import is_html

_ID = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_NOT_ANCHOR = re.compile(r"^(?:L\d+(?:C\d+)?(?:-L\d+(?:C\d+)?)?|[!/].*|:~:.*|page=\d+.*)$")
# GitHub renders Markdown heading ids as "user-content-<slug>"; links use "<slug>".
_GITHUB_PREFIX = "user-content-"


def anchor_ids(html: str) -> set[str]:
    """Every ``id``/``name`` of the page, percent-decoded and case-folded, prefix-free too."""
    ids: set[str] = set()
    for m in _ID.finditer(html):
        value = unquote(next(g for g in m.groups() if g is not None)).casefold()
        ids.add(value)
        ids.add(value.removeprefix(_GITHUB_PREFIX))
    return ids


def is_anchor_fragment(fragment: str) -> bool:
    return bool(fragment) and _NOT_ANCHOR.match(unquote(fragment)) is None


def fragment_links(
    documents: Iterable[Document], results: Mapping[str, LinkResult]
) -> dict[str, list[tuple[Link, str]]]:
    """Alive pages (by normal form) → the links to them that carry an anchor fragment."""
    wanted: dict[str, list[tuple[Link, str]]] = {}
    for doc in documents:
        for link in doc.links:
            if link.target is not Target.WEB:
                continue
            fragment = urlsplit(link.url).fragment
            key = normalize(link.url)
            result = results.get(key)
            alive = result is not None and result.verdict in (Verdict.ALIVE, Verdict.REDIRECT)
            if alive and is_anchor_fragment(fragment):
                wanted.setdefault(key, []).append((link, fragment))
    return wanted


async def check_external_fragments(
    documents: Iterable[Document],
    results: Mapping[str, LinkResult],
    settings: Settings,
    network: Network,
    *,
    engine: Engine | None = None,
) -> list[Finding]:
    """``missing_fragment`` findings for fragments absent from the pages they point into.

    ``results`` are the run's results keyed by normal form. Pages that cannot be
    read in full (not HTML, failed, cut at the body cap) are given the benefit of
    the doubt.
    """
    wanted = fragment_links(documents, results)
    if not wanted:
        return []
    if engine is not None:  # the run's engine: its politeness state covers these too
        pages = await asyncio.gather(*(engine.fetch(url) for url in wanted))
    else:
        async with Engine(settings, network) as own:
            pages = await asyncio.gather(*(own.fetch(url) for url in wanted))
    findings: list[Finding] = []
    for (url, links), page in zip(wanted.items(), pages, strict=True):
        readable = page.failure is None and page.status == 200 and not page.truncated
        if not (readable and is_html(page)):
            continue
        ids = anchor_ids(page.text)
        for link, fragment in links:
            if unquote(fragment).casefold() not in ids:
                findings.append(
                    Finding(
                        kind="missing_fragment",
                        file=link.file,
                        line=link.line,
                        message=f"{link.url}: #{fragment} is not an anchor on {url}",
                    )
                )
    return sorted(findings, key=lambda f: (f.file, f.line, f.message))
