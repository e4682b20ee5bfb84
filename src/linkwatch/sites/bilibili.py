"""Bilibili videos: asked through the view API by BV/av id, not through the page.

The video page answers 200 for removed videos and is heavy and script-rendered;
``x/web-interface/view`` answers a small JSON with a code: 0 the video exists,
-404 it does not, 62002/62004/62012 it exists but nobody else may see it (dead
for readers of the list), -352/-412 the API refused the checker (unverifiable).
Short b23.tv share links are resolved with one HEAD (not followed) to their video
id; links without a video id (spaces, columns) go the generic way.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

from ..models import ErrorCode, LinkKind, LinkResult, UrlInfo, Verdict
from .base import CN_SHARE_PARAMS, Site
from .generic import GENERIC, result_from_page

if TYPE_CHECKING:
    from ..fetch import Fetcher

_VIDEO_ID = re.compile(r"^(BV[0-9A-Za-z]{10}|av\d+)$", re.IGNORECASE)
# Share links: b23.tv/<code> redirects to the video page, whose id then goes to the API.
SHORT_HOST = "b23.tv"
# code → (verdict, error, meaning); the API's own message is appended to the reason.
CODES: dict[int, tuple[Verdict, ErrorCode | None, str]] = {
    0: (Verdict.ALIVE, None, "video available"),
    -400: (Verdict.DEAD, ErrorCode.SOFT404, "invalid video id"),
    -404: (Verdict.DEAD, ErrorCode.SOFT404, "video not found"),
    62002: (Verdict.DEAD, ErrorCode.SOFT404, "video not visible"),
    62004: (Verdict.DEAD, ErrorCode.SOFT404, "video under review, not visible"),
    62012: (Verdict.DEAD, ErrorCode.SOFT404, "video visible only to its uploader"),
    -352: (Verdict.UNVERIFIABLE, ErrorCode.BLOCKED, "the API refused the checker"),
    -412: (Verdict.UNVERIFIABLE, ErrorCode.BLOCKED, "the API refused the checker"),
}


def parse(host: str, path: str, query: str) -> dict[str, object]:
    parts = [p for p in path.split("/") if p]
    info: dict[str, object] = {"site": "bilibili"}
    if len(parts) >= 2 and parts[0] == "video" and _VIDEO_ID.match(parts[1]):
        info["video_id"] = parts[1]
    return info


def api_query(video_id: str) -> str:
    """``bvid=BV…`` or ``aid=123`` for an ``av123`` id."""
    if video_id[:2].lower() == "av" and video_id[2:].isdigit():
        return urlencode({"aid": video_id[2:]})
    return urlencode({"bvid": video_id})


def parse_answer(body: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return answer if isinstance(answer, dict) and isinstance(answer.get("code"), int) else None


def judge(answer: dict[str, Any]) -> tuple[Verdict, ErrorCode | None, str]:
    code = answer["code"]
    message = str(answer.get("message") or "").strip()
    verdict, error, meaning = CODES.get(
        code, (Verdict.UNVERIFIABLE, ErrorCode.HTTP, "unexpected API answer")
    )
    if code == 0:
        title = str((answer.get("data") or {}).get("title") or "").strip()
        return verdict, error, f"Bilibili: {meaning}" + (f" “{title}”" if title else "")
    detail = f"{code} {message}" if message and message != str(code) else str(code)
    return verdict, error, f"Bilibili: {meaning} ({detail})"


async def short_link_target(url: str, engine: Fetcher) -> str | None:
    """The video id a b23.tv link redirects to, or None (broken or not a video)."""
    hop = await engine.fetch(url, method="HEAD", read_body=False, follow_redirects=False)
    location = hop.headers.get("Location") if hop.failure is None else None
    if not location:
        return None
    video_id = parse("", urlsplit(urljoin(url, location)).path, "").get("video_id")
    return str(video_id) if video_id else None


class BilibiliRule:
    """Video links through the view API; every other Bilibili link as a plain page."""

    name = "bilibili"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        video_id = info.video_id
        if video_id is None and info.host == SHORT_HOST:
            video_id = await short_link_target(info.normalized, engine)
        if video_id is None:
            return await GENERIC.check(info, engine)
        api = f"{engine.settings.bilibili_api_url}?{api_query(video_id)}"
        page = await engine.fetch(api, headers={"Accept": "application/json"})
        result = replace(result_from_page(info.normalized, page), final_url=None, chain=[])
        answer = parse_answer(page.body) if page.failure is None else None
        if answer is None:
            if page.status == 412:
                return replace(
                    result,
                    verdict=Verdict.UNVERIFIABLE,
                    error=ErrorCode.BLOCKED,
                    reason="Bilibili: the API refused the checker (412)",
                )
            return result
        verdict, error, reason = judge(answer)
        return replace(result, verdict=verdict, error=error, reason=reason)


SITE = Site(
    "bilibili",
    hosts=("bilibili.com", "b23.tv"),
    kind=LinkKind.VIDEO,
    rule=BilibiliRule(),
    parse=parse,
    url_hosts=("bilibili.com", "b23.tv"),
    tracking=CN_SHARE_PARAMS,
)
