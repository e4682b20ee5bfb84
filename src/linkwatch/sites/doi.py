"""DOIs (doi.org, dx.doi.org): asked of the DOI handle API, not through the publisher.

``https://doi.org/10.…`` redirects to the publisher, and publishers wall off
checkers (403, challenge pages), so following it says "unverifiable" forever.
The handle API (``Settings.doi_api_url``, ``https://doi.org/api/handles/<doi>``)
answers a small JSON whose ``responseCode`` settles the DOI itself: 1 it is
registered (alive, the registered URL in the reason), 100 no such DOI (dead), 200
registered without values (alive). An API that does not answer in that format
leaves the link unverifiable. Links on doi.org that are not a DOI go the generic way.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from ..models import ErrorCode, LinkKind, LinkResult, UrlInfo, Verdict
from .base import Site
from .generic import GENERIC, result_from_page

if TYPE_CHECKING:
    from ..fetch import Fetcher

# A DOI: the 10. directory, a registrant code, a slash and any suffix.
_DOI = re.compile(r"^/?(10\.\d{4,9}(?:\.\d+)*/\S+)$")


def doi_of(path: str) -> str | None:
    """``/10.1145/3394171.3413000`` → ``10.1145/3394171.3413000``."""
    m = _DOI.match(unquote(path))
    return m.group(1) if m else None


def api_url(base: str, doi: str) -> str:
    return f"{base.rstrip('/')}/{quote(doi, safe='/:;()')}"


def parse_answer(body: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    code = answer.get("responseCode") if isinstance(answer, dict) else None
    return answer if isinstance(code, int) else None


def registered_url(answer: dict[str, Any]) -> str | None:
    """The value of the DOI's ``URL`` entry: where doi.org sends readers."""
    for value in answer.get("values") or ():
        if isinstance(value, dict) and value.get("type") == "URL":
            data = value.get("data")
            if isinstance(data, dict) and isinstance(data.get("value"), str):
                return data["value"]
    return None


def judge(doi: str, answer: dict[str, Any]) -> tuple[Verdict, ErrorCode | None, str]:
    code = answer["responseCode"]
    if code == 1:
        target = registered_url(answer)
        return Verdict.ALIVE, None, f"DOI {doi} registered" + (f" → {target}" if target else "")
    if code == 200:
        return Verdict.ALIVE, None, f"DOI {doi} registered (no URL on record)"
    if code == 100:
        return Verdict.DEAD, ErrorCode.HTTP, f"DOI {doi} not found (handle API responseCode 100)"
    return (
        Verdict.UNVERIFIABLE,
        ErrorCode.HTTP,
        f"DOI handle API answered responseCode {code} for {doi}",
    )


class DoiRule:
    """One GET to the handle API per DOI; the publisher is never asked."""

    name = "doi"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        doi = doi_of(urlsplit(info.normalized).path)
        if doi is None:
            return await GENERIC.check(info, engine)
        page = await engine.fetch(
            api_url(engine.settings.doi_api_url, doi), headers={"Accept": "application/json"}
        )
        result = replace(result_from_page(info.normalized, page), final_url=None, chain=[])
        if page.failure is not None:
            return result
        answer = parse_answer(page.body)
        if answer is None:
            return replace(
                result,
                verdict=Verdict.UNVERIFIABLE,
                error=ErrorCode.HTTP,
                reason=f"DOI handle API gave no answer for {doi} ({page.status})",
            )
        verdict, error, reason = judge(doi, answer)
        return replace(result, verdict=verdict, error=error, reason=reason, redirect_kind=None)


SITE = Site("doi", hosts=("doi.org",), kind=LinkKind.PAPER, rule=DoiRule())  # and dx.doi.org
