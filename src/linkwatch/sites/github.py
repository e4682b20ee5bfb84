"""GitHub HTML pages (blob/tree paths, gists, repos): the 404 page and the archived banner.

github.com answers a real 404 for a missing repository, branch or file, so the
status is trusted. An archived repository stays alive (its code is still there)
but the list's maintainers want to know: the result carries the note "archived".
Repository metadata proper comes from the GitHub API in ``enrich/github.py``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

from ..models import LinkKind, LinkResult, UrlInfo, Verdict
from .base import Site
from .generic import result_from_page

if TYPE_CHECKING:
    from ..fetch import Fetcher

ARCHIVED_MARKER = "This repository has been archived by the owner"
# First path segments of github.com that are not owners.
_RESERVED = frozenset(
    [
        "about",
        "account",
        "apps",
        "blog",
        "collections",
        "contact",
        "customer-stories",
        "codespaces",
        "dashboard",
        "enterprise",
        "events",
        "explore",
        "features",
        "gist",
        "github-copilot",
        "issues",
        "join",
        "login",
        "logout",
        "marketplace",
        "new",
        "notifications",
        "nonprofit",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "readme",
        "search",
        "security",
        "settings",
        "site",
        "sponsors",
        "stars",
        "team",
        "topics",
        "trending",
        "users",
        "watching",
    ]
)
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def parse(host: str, path: str, query: str) -> dict[str, object]:
    parts = [unquote(p) for p in path.split("/") if p]
    info: dict[str, object] = {"site": "github", "github_kind": "other"}
    if host == "gist.github.com":
        info["github_kind"] = "gist"
        if parts:
            info["github_owner"] = parts[0]
        if len(parts) > 1:
            info["github_subpath"] = parts[1]
        return info
    if host == "raw.githubusercontent.com":
        if len(parts) >= 2:
            info.update(github_owner=parts[0], github_repo=parts[1])
            info["github_subpath"] = "/".join(parts[2:]) or None
        return info
    if not parts or parts[0].lower() in _RESERVED or not _OWNER.match(parts[0]):
        return info
    info["github_owner"] = parts[0]
    if len(parts) == 1:
        info["github_kind"] = "org_or_user"
        return info
    repo = parts[1].removesuffix(".git")
    info["github_repo"] = repo
    rest = parts[2:]
    info["github_kind"] = rest[0] if rest and rest[0] in ("blob", "tree") else "repo"
    info["github_subpath"] = "/".join(rest) or None
    return info


class GitHubRule:
    """GET the page (the banner is in the HTML); 404 → dead by the generic mapping."""

    name = "github"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        page = await engine.fetch(info.normalized)
        result = result_from_page(info.normalized, page)
        if page.failure is None and page.status == 404:
            return replace(result, reason="GitHub: 404 page not found")
        alive = result.verdict in (Verdict.ALIVE, Verdict.REDIRECT)
        if alive and ARCHIVED_MARKER in page.text:  # the whole page: the banner sits deep
            archived = "archived by the owner (read-only)"
            return replace(
                result,
                reason=f"{result.reason}; {archived}" if result.reason else archived,
                notes=[*result.notes, "archived"],
            )
        return result


SITE = Site(
    "github",
    hosts=("github.com",),  # and gist.github.com
    kind=LinkKind.CODE,
    rule=GitHubRule(),
    parse=parse,
    url_hosts=("github.com", "gist.github.com", "raw.githubusercontent.com"),
)
