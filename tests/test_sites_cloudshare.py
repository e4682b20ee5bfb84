"""Cloud shares: the service's "deleted", "expired" and "no access" pages in its own words."""

from __future__ import annotations

import pytest

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import sites as s

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
DRIVE = "https://drive.google.com/file/d/"


@pytest.mark.parametrize(
    ("url", "page", "verdict", "error", "reason"),
    [
        (DRIVE + "1AbC/view", s.gdrive_file("weights.pth"), Verdict.ALIVE, None, ""),
        (
            DRIVE + "1GoNe/view",
            s.gdrive_missing(),
            Verdict.DEAD,
            ErrorCode.HTTP,
            "Google Drive: “Sorry, the file you have requested does not exist”",
        ),
        (
            "https://docs.google.com/document/d/1GoNe/edit",
            s.gdrive_missing(),
            Verdict.DEAD,
            ErrorCode.HTTP,
            "Google Drive: “Sorry, the file you have requested does not exist”",
        ),
        (
            DRIVE + "1PrIv/view",
            s.gdrive_need_access(),
            Verdict.UNVERIFIABLE,
            ErrorCode.BLOCKED,
            "Google Drive: “You need access”",
        ),
        (
            "https://www.dropbox.com/s/abc123/dataset.zip?dl=0",
            s.share_page("dataset.zip | Dropbox"),
            Verdict.ALIVE,
            None,
            "",
        ),
        (
            "https://www.dropbox.com/s/gone123/dataset.zip?dl=0",
            s.share_page("Dropbox", s.DROPBOX_DELETED),
            Verdict.DEAD,
            ErrorCode.SOFT404,
            "Dropbox: “This item was deleted”",
        ),
        (
            "https://www.dropbox.com/s/ban123/dataset.zip?dl=0",
            s.share_page("Dropbox - Link disabled", s.DROPBOX_DISABLED, 403),
            Verdict.DEAD,
            ErrorCode.HTTP,
            "Dropbox: “This link has been disabled”",
        ),
        (
            "https://onedrive.live.com/?cid=ABC&id=ABC%21123",
            s.share_page("OneDrive", s.ONEDRIVE_GONE),
            Verdict.DEAD,
            ErrorCode.SOFT404,
            "OneDrive: “This item might not exist or is no longer available”",
        ),
        (
            "https://pan.baidu.com/s/1AbCdEfG",
            s.share_page("models.zip_免费高速下载|百度网盘-分享无限制", lang="zh"),
            Verdict.ALIVE,
            None,
            "",
        ),
        (
            "https://pan.baidu.com/s/1DeLeTeD",
            s.share_page("百度网盘-链接不存在", s.BAIDU_GONE["deleted"], lang="zh"),
            Verdict.DEAD,
            ErrorCode.SOFT404,
            "Baidu Pan: “啊哦，你来晚了，分享的文件已经被删除了”",
        ),
        (
            "https://pan.baidu.com/s/1CaNcEl",
            s.share_page("百度网盘-链接不存在", s.BAIDU_GONE["cancelled"], lang="zh"),
            Verdict.DEAD,
            ErrorCode.SOFT404,
            "Baidu Pan: “分享的文件已经被取消了”",
        ),
        (
            "https://pan.baidu.com/s/1InFrInGe",
            s.share_page("百度网盘-链接不存在", s.BAIDU_GONE["infringing"], lang="zh"),
            Verdict.DEAD,
            ErrorCode.SOFT404,
            "Baidu Pan: “此链接分享内容可能因为涉及侵权”",
        ),
    ],
)
async def test_share_pages(simweb, url, page, verdict, error, reason) -> None:
    web = await simweb(Scenario().route(url, page))
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.reason) == (verdict, error, reason)
    assert len(web.log) == 1  # one GET


async def test_a_private_drive_file_is_a_sign_in_wall(simweb) -> None:
    url = DRIVE + "1PrIvAtE/view?usp=sharing"
    scenario = (
        Scenario().route(url, s.gdrive_private(url)).host("accounts.google.com", s.google_sign_in())
    )
    web = await simweb(scenario)
    [result] = await check_urls([url], SETTINGS, web.network())
    assert (result.verdict, result.error, result.reason, result.final_url) == (
        Verdict.UNVERIFIABLE,
        ErrorCode.BLOCKED,
        "Google Drive: sign-in required (the share is private)",
        None,
    )
