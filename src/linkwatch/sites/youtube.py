"""YouTube videos: asked through the oEmbed endpoint, not through the watch page.

The watch page answers 200 for removed videos ("Video unavailable" is rendered by
script). oEmbed answers 200 with the title for a playable video, 404 (or 400 for
a malformed id) for one that does not exist, and 401/403 for a video that exists
but is private or may not be embedded: alive for the list, noted "restricted".
Channel, playlist and other YouTube links go the generic way.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..models import ErrorCode, LinkKind, LinkResult, UrlInfo, Verdict
from .base import Site, query_params
from .generic import GENERIC, result_from_page

if TYPE_CHECKING:
    from ..fetch import Fetcher

HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{6,}$")


def parse(host: str, path: str, query: str) -> dict[str, object]:
    parts = [p for p in path.split("/") if p]
    info: dict[str, object] = {"site": "youtube"}
    vid: str | None = None
    if host == "youtu.be":
        vid = parts[0] if parts else None
    elif parts and parts[0] == "watch":
        vid = query_params(query).get("v")
    elif len(parts) >= 2 and parts[0] in ("shorts", "embed", "v", "live"):
        vid = parts[1]
    if vid and _VIDEO_ID.match(vid):
        info["video_id"] = vid
    return info


def oembed_url(base: str, video_id: str) -> str:
    watch = f"https://www.youtube.com/watch?v={video_id}"
    return f"{base}?url={quote(watch, safe='')}&format=json"


def video_title(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    return str(answer.get("title") or "").strip() if isinstance(answer, dict) else ""


class YouTubeRule:
    """Video links through oEmbed; every other YouTube link as a plain page."""

    name = "youtube"

    async def check(self, info: UrlInfo, engine: Fetcher) -> LinkResult:
        if not info.video_id:
            return await GENERIC.check(info, engine)
        api = oembed_url(engine.settings.youtube_oembed_url, info.video_id)
        page = await engine.fetch(api, headers={"Accept": "application/json"})
        result = replace(result_from_page(info.normalized, page), final_url=None, chain=[])
        if page.failure is not None:
            return result
        if page.status == 200:
            title = video_title(page.body)
            reason = "YouTube: video available" + (f" “{title}”" if title else "")
            return replace(result, verdict=Verdict.ALIVE, error=None, reason=reason)
        if page.status in (400, 404):
            what = "video not found" if page.status == 404 else "invalid video id"
            return replace(
                result,
                verdict=Verdict.DEAD,
                error=ErrorCode.HTTP,
                reason=f"YouTube: {what} (oEmbed {page.status})",
            )
        if page.status in (401, 403):
            return replace(
                result,
                verdict=Verdict.ALIVE,
                error=None,
                reason=f"YouTube: video is private or not embeddable (oEmbed {page.status})",
                notes=[*result.notes, "restricted"],
            )
        return result


SITE = Site(
    "youtube",
    hosts=HOSTS,
    kind=LinkKind.VIDEO,
    rule=YouTubeRule(),
    parse=parse,
    url_hosts=HOSTS,
)
