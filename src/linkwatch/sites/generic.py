"""The generic rule: HEAD first, GET when HEAD is refused or unreliable; status → verdict.

``result_from_page`` is pure and shared: site rules call it after their own body
inspection found nothing site-specific to say.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from yarl import URL

from ..models import ErrorCode, LinkResult, RedirectKind, UrlInfo, Verdict
from ..redirects import resolve_location
from . import parked, soft404
from .botwall import blocked_result, check_wall
from .landing import judge_landing

if TYPE_CHECKING:
    from ..fetch import Fetcher, Page

HTML_ONLY = "html"  # checker.HTML_ONLY (not imported: checker imports the site rules)

PERMANENT = frozenset({301, 308})
STUB_PAGE = 2048  # bytes: client-side redirect stubs are a few hundred
_NETWORK_VERDICT = {
    ErrorCode.PRIVATE_ADDRESS: Verdict.EXCLUDED,
    ErrorCode.RATE_LIMITED: Verdict.UNVERIFIABLE,
}


def status_text(status: int) -> str:
    """``404`` → ``"404 Not Found"``."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def head_unreliable(page: Page) -> bool:
    """HEAD answers that a GET must confirm: every status but 2xx and 304 (refusals like
    405/501, servers that answer HEAD wrongly with 404/403/400/500, LinkedIn's 999, 3xx
    without a usable Location); 429 and 503 are throttling, retried as they are."""
    return (
        page.failure is None
        and page.status is not None
        and not 200 <= page.status < 300
        and page.status not in (304, 429, 503)
    )


def may_redirect_client_side(page: Page) -> bool:
    """A 2xx HEAD of an HTML page small enough to be a redirect stub (meta refresh or a
    one-line ``location`` script): only its body can tell, so it is read."""
    length = page.headers.get("Content-Length", "")
    return (
        page.method == "HEAD"
        and page.failure is None
        and page.status is not None
        and 200 <= page.status < 300
        and "html" in page.headers.get("Content-Type", "").lower()
        and length.isdigit()
        and int(length) <= STUB_PAGE
    )


def _host(url: str) -> str:
    try:
        return URL(url).host or url
    except ValueError:
        return url


def result_from_page(url: str, page: Page) -> LinkResult:
    """Status, chain and failure of ``page`` → a ``LinkResult`` for ``url`` (pure)."""
    redirected = len(page.chain) > 1
    result = LinkResult(
        url=url,
        verdict=Verdict.DEAD,
        status=page.status,
        final_url=page.final_url if redirected else None,
        attempts=page.attempts,
        duration_ms=page.elapsed_ms,
        chain=list(page.chain),
        etag=page.headers.get("ETag"),
        last_modified=page.headers.get("Last-Modified"),
    )
    permanent = redirected and page.chain[0][0] in PERMANENT
    status = page.status
    host = _host(page.final_url or url)
    if page.failure is not None:
        result.error, result.reason = page.failure
        result.verdict = _NETWORK_VERDICT.get(result.error, Verdict.DEAD)
    elif status is None:
        result.reason = "no response"
    elif 200 <= status < 300 or status == 304:
        if status == 304:
            result.notes.append("not modified")
        if page.client_redirect:
            result.notes.append(f"client-side redirect ({page.client_redirect})")
        result.verdict = Verdict.REDIRECT if permanent else Verdict.ALIVE
        if redirected:
            result.redirect_kind = RedirectKind.PERMANENT if permanent else RedirectKind.TEMPORARY
        if permanent:
            result.reason = f"moved permanently to {page.final_url}"
    elif status in (401, 403):
        result.verdict, result.error = Verdict.UNVERIFIABLE, ErrorCode.BLOCKED
        result.reason = f"{status} from {host}: the site blocks checkers"
    elif status == 429 or page.deferred_until is not None:  # 429, or 503 + long Retry-After
        result.verdict, result.error = Verdict.UNVERIFIABLE, ErrorCode.RATE_LIMITED
        result.reason = f"{status_text(status)} from {host} after {page.attempts} attempts"
        if page.deferred_until is not None:
            result.reason = f"rate limited by {host}: it asks for a longer pause than allowed"
    elif status >= 600:  # not HTTP: LinkedIn's 999 and other refusals of checkers
        result.verdict, result.error = Verdict.UNVERIFIABLE, ErrorCode.BLOCKED
        result.reason = f"non-standard status {status} from {host}: the site refuses checkers"
    elif status >= 500:
        result.error = ErrorCode.HTTP
        result.reason = f"{status_text(status)} after {page.attempts} attempts"
    elif status >= 400:
        result.error, result.reason = ErrorCode.HTTP, status_text(status)
    else:  # 1xx, or a 3xx that could not be followed (no Location, not following)
        result.error, result.reason = (
            ErrorCode.HTTP,
            f"{status_text(status)} without a usable Location",
        )
    return result


TARGET_NOTE = "target checked "


def target_checked_at(result: LinkResult) -> str | None:
    """When the target of a permanent redirect was last fetched (from the result's notes)."""
    for note in result.notes:
        if note.startswith(TARGET_NOTE):
            return note.removeprefix(TARGET_NOTE)
    return None


async def still_moved(url: str, known: LinkResult, engine: Fetcher) -> LinkResult | None:
    """The previous redirect verdict, when the first hop still answers the same permanent
    redirect; None when anything changed (then the link is checked in full)."""
    if len(known.chain) < 2 or judge_landing(url, known) is not known:
        return None  # a move to a home or sign-in page (judged so since) gets a full check
    page = await engine.fetch(url, method="GET", read_body=False, follow_redirects=False)
    location = page.headers.get("Location") if page.status in (301, 308) else None
    if location is None or _resolved(url, location) != known.chain[1][1]:
        return None
    checked = target_checked_at(known) or known.checked_at
    return LinkResult(
        url,
        Verdict.REDIRECT,
        # the final page's status, as the full check stored it: the first hop's 301 is
        # in the chain, and what is derived from the result must not tell them apart
        status=known.status,
        final_url=known.final_url,
        redirect_kind=RedirectKind.PERMANENT,
        reason=f"moved permanently to {known.final_url} (target last checked {checked[:10]})",
        attempts=page.attempts,
        chain=known.chain,
        notes=[n for n in known.notes if not n.startswith(TARGET_NOTE)] + [TARGET_NOTE + checked],
    )


def _resolved(url: str, location: str) -> str | None:
    try:
        return str(resolve_location(url, location))
    except (ValueError, TypeError):
        return None


class GenericRule:
    """Any host without a site module."""

    name = "generic"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        """One request where one suffices: once the host's soft-404 probe is known, GET
        alone (the body read only if it is HTML: a soft 404 or a client-side redirect
        stub shows only there), and GET at once for links that failed or moved last run.
        The host's first link: HEAD, and a GET when HEAD is unreliable, the host may hide
        a soft 404 behind a 200 (``soft404.body_needed``) or the page is small enough to
        be a redirect stub. Then bot walls, parked domains and soft 404s get their say."""
        known = engine.known_redirects.get(info.normalized)
        if known is not None:
            still = await still_moved(info.normalized, known, engine)
            if still is not None:
                return still
        if info.normalized in engine.get_first:
            page = await engine.fetch(info.normalized, method="GET")
        elif soft404.probe_cache(engine).honest(info.normalized) is not None:
            # the host's probe is known: one GET settles it, reading the body only if it
            # is HTML (a soft 404 or a client-side redirect stub can only be told there)
            page = await engine.fetch(info.normalized, method="GET", read_body=HTML_ONLY)
        else:
            page = await engine.fetch(info.normalized, method="HEAD", read_body=False)
            if (
                head_unreliable(page)
                or await soft404.body_needed(info, page, engine)
                or may_redirect_client_side(page)
            ):
                page = await engine.fetch(info.normalized, method="GET")
        page, walled = await check_wall(info, page, engine, retried=page.method == "GET")
        result = result_from_page(info.normalized, page)
        judged = judge_landing(info.normalized, result)  # a sign-in page may carry a captcha
        if judged is not result:
            return judged
        if walled:
            return blocked_result(result, info, page)
        result = parked.judge(info, page, result)
        return await soft404.detect(info, page, result, engine)


GENERIC = GenericRule()
