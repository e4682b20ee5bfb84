"""GitHub HTML pages (blob/tree paths, gists, repos): the 404 page and the archived banner.

github.com answers a real 404 for a missing repository, branch or file, so the
status is trusted. An archived repository stays alive (its code is still there)
but the list's maintainers want to know: the result carries the note "archived".
Repository metadata proper comes from the GitHub API in ``enrich/github.py``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..models import LinkResult, UrlInfo, Verdict
from . import register
from .generic import result_from_page

if TYPE_CHECKING:
    from ..checker import Engine

HOSTS = ["github.com"]  # and gist.github.com
ARCHIVED_MARKER = "This repository has been archived by the owner"


class GitHubRule:
    """GET the page (the banner is in the HTML); 404 → dead by the generic mapping."""

    name = "github"

    async def check(self, info: UrlInfo, engine: Engine) -> LinkResult:
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


register(GitHubRule(), hosts=HOSTS)
