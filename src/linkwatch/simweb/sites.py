"""Site pages and APIs in their real shapes: what WeChat, Zhihu, Bilibili, YouTube and
GitHub answer for live, deleted and walled content, plus hosts that lie with 200.

Page builders return behaviours for ``Scenario.route``/``Scenario.host``; the
Bilibili view API and YouTube (oEmbed and watch pages) are whole virtual hosts
for ``Scenario.mount``. Texts are the ones the sites show, in Chinese where they
are Chinese, so the site rules are tested against what they will meet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import Literal
from urllib.parse import parse_qs, quote, urlsplit

from aiohttp import web

from linkwatch.simweb.behaviours import Html, Redirect, RouteState

# ---- WeChat (mp.weixin.qq.com) ------------------------------------------------------------

WECHAT_ERRORS: dict[str, tuple[str, str]] = {
    "deleted": ("该内容已被发布者删除", ""),
    "violation": (
        "此内容因违规无法查看",
        "由用户投诉并经平台审核，涉嫌违反相关法律法规和政策，查看对应规则",
    ),
    "banned": ("该公众号已被封禁", "此帐号已被封禁，内容无法查看"),
    "cancelled": ("此帐号已自主注销，内容无法查看", "账号已注销"),
    "expired": ("链接已过期", ""),
}
WeChatError = Literal["deleted", "violation", "banned", "cancelled", "expired"]


def wechat_article(title: str, account: str = "极市平台", text: str = "") -> Html:
    """A live article: og tags, the title block and the ``js_content`` body."""
    paragraphs = text or f"{title}。本文介绍了注意力机制在计算机视觉中的最新进展。"
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<meta property="og:title" content="{escape(title)}">'
        '<meta property="og:type" content="article">'
        f"<title>{escape(title)}</title></head>\n"
        '<body id="activity-detail" class="zh_CN mm_appmsg">'
        '<div class="rich_media_wrp" id="img-content">'
        f'<h1 class="rich_media_title" id="activity-name">{escape(title)}</h1>'
        f'<div id="meta_content"><span id="js_name">{escape(account)}</span></div>'
        f'<div class="rich_media_content" id="js_content"><p>{escape(paragraphs)}</p></div>'
        '</div>\n<script>var biz = "MzU2NDExMzE5Nw==";</script></body></html>\n'
    )


def _weui_message(title: str, desc: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1.0">'
        "<title></title>"
        '<link rel="stylesheet" href="//res.wx.qq.com/open/libs/weui/2.4.4/weui.min.css">'
        "</head>\n<body>"
        '<div class="weui-msg"><div class="weui-msg__icon-area">'
        '<i class="weui-icon-warn weui-icon_msg"></i></div>'
        f'<div class="weui-msg__text-area"><h2 class="weui-msg__title">{escape(title)}</h2>'
        f'<p class="weui-msg__desc">{escape(desc)}</p></div></div>\n</body></html>\n'
    )


def wechat_error(kind: WeChatError) -> Html:
    """The short 200 page WeChat shows instead of a removed article."""
    title, desc = WECHAT_ERRORS[kind]
    return Html(_weui_message(title, desc))


def wechat_verify() -> Html:
    """The captcha interstitial WeChat shows clients it distrusts."""
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>微信公众平台</title></head>\n'
        '<body><div class="weui-msg"><div class="weui-msg__text-area">'
        '<h2 class="weui-msg__title">环境异常</h2>'
        '<p class="weui-msg__desc">当前环境异常，完成验证后即可继续访问。</p></div>'
        '<div class="weui-msg__opr-area"><a class="weui-btn weui-btn_primary" '
        'id="js_verify">去验证</a></div></div>\n</body></html>\n'
    )


# ---- Zhihu (zhihu.com, zhuanlan.zhihu.com) -------------------------------------------------

ZHIHU_NOT_FOUND_TEXT = "你似乎来到了没有知识存在的荒原"


def zhihu_article(title: str) -> Html:
    return Html(
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - 知乎</title></head>\n<body>"
        f'<article class="Post-Main"><h1 class="Post-Title">{escape(title)}</h1>'
        '<div class="Post-RichTextContainer"><div class="RichText ztext Post-RichText">'
        "<p>本文解读了这篇论文的核心思想与实验结果。</p></div></div></article>\n</body></html>\n"
    )


def zhihu_not_found(status: int = 404) -> Html:
    """Zhihu's 404 page (also served with 200 for some deleted answers)."""
    return Html(
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        "<title>404 - 知乎</title></head>\n<body>"
        '<div class="ErrorPage"><div class="ErrorPage-container">'
        f'<h1 class="ErrorPage-title">{ZHIHU_NOT_FOUND_TEXT}</h1>'
        '<p class="ErrorPage-subtitle">你要找的页面不存在</p>'
        '<a class="Button ErrorPage-primaryButton" href="https://www.zhihu.com/">去往首页</a>'
        "</div></div>\n</body></html>\n",
        status,
    )


def zhihu_forbidden() -> Html:
    """What Zhihu answers clients it distrusts: 403, no content."""
    return Html(
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        "<title>403 - 知乎</title></head>\n<body>"
        '<div class="ErrorPage"><h1 class="ErrorPage-title">'
        "你当前请求存在异常，暂时限制本次访问。</h1>"
        '<p class="ErrorPage-subtitle">'
        "如有疑问，您可以通过手机摇一摇或登录后私信知乎小管家反馈。</p>"
        "</div>\n</body></html>\n",
        403,
    )


def zhihu_signin(url: str) -> Redirect:
    """302 to the sign-in page with ``next`` pointing back at ``url``."""
    return Redirect(302, f"https://www.zhihu.com/signin?next={quote(url, safe='')}")


def zhihu_signin_page() -> Html:
    return Html(
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        "<title>知乎 - 有问题，就会有答案</title></head>\n<body>"
        '<div class="SignFlow"><button class="SignFlow-submitButton">登录/注册</button></div>'
        "\n</body></html>\n"
    )


# ---- Bilibili view API (api.bilibili.com/x/web-interface/view) -----------------------------

BILIBILI_MESSAGES = {
    -400: "请求错误",
    -404: "啥都木有",
    -352: "风控校验失败",
    -412: "请求被拦截",
    62002: "稿件不可见",
    62004: "稿件审核中",
    62012: "仅UP主自己可见",
}
_BVID = re.compile(r"^BV1[0-9A-Za-z]{9}$")


@dataclass
class BiliVideo:
    title: str
    aid: int
    code: int = 0  # 0 visible, or one of BILIBILI_MESSAGES


@dataclass
class BilibiliApi:
    """``GET /x/web-interface/view?bvid=…|aid=…`` answering as api.bilibili.com does."""

    videos: dict[str, BiliVideo] = field(default_factory=dict)  # bvid → video
    refuse_all: int | None = None  # -352 / -412: the risk-control wall for every request

    def add(self, bvid: str, title: str, code: int = 0) -> BiliVideo:
        video = BiliVideo(title, aid=100_000 + len(self.videos), code=code)
        self.videos[bvid] = video
        return video

    def _find(self, query: dict[str, list[str]]) -> tuple[str, BiliVideo] | None:
        if "bvid" in query:
            bvid = query["bvid"][0]
            return (bvid, self.videos[bvid]) if bvid in self.videos else None
        aid = query["aid"][0]
        for bvid, video in self.videos.items():
            if str(video.aid) == aid:
                return bvid, video
        return None

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if request.path.rstrip("/") != "/x/web-interface/view":
            return _bili(-404)
        if self.refuse_all is not None:
            return _bili(self.refuse_all)
        query = parse_qs(request.query_string)
        bvid_ok = "bvid" in query and _BVID.match(query["bvid"][0])
        aid_ok = "aid" in query and query["aid"][0].isdigit()
        if not (bvid_ok or aid_ok):
            return _bili(-400)
        found = self._find(query)
        if found is None:
            return _bili(-404)
        bvid, video = found
        if video.code != 0:
            return _bili(video.code)
        data = {
            "bvid": bvid,
            "aid": video.aid,
            "videos": 1,
            "tid": 201,
            "tname": "科学科普",
            "title": video.title,
            "pubdate": 1577836800,
            "desc": "",
            "owner": {"mid": 9_000_001, "name": "AI科技评论"},
            "stat": {"aid": video.aid, "view": 12345, "danmaku": 67, "like": 890},
        }
        return web.json_response({"code": 0, "message": "0", "ttl": 1, "data": data})


def _bili(code: int) -> web.Response:
    """An error answer: HTTP 412 for the interception wall, 200 with a code otherwise."""
    body = {"code": code, "message": BILIBILI_MESSAGES.get(code, str(code)), "ttl": 1}
    status = 412 if code == -412 else 200
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


# ---- YouTube (www.youtube.com: /oembed and /watch) ------------------------------------------

YouTubeState = Literal["public", "private", "no_embed"]
_YOUTUBE_ID = re.compile(r"^[0-9A-Za-z_-]{11}$")


@dataclass
class YouTubeSite:
    """oEmbed as YouTube answers it, and watch pages that are 200 even for missing videos."""

    videos: dict[str, tuple[str, YouTubeState]] = field(default_factory=dict)

    def add(self, video_id: str, title: str, state: YouTubeState = "public") -> None:
        self.videos[video_id] = (title, state)

    @staticmethod
    def _video_id(url: str) -> str | None:
        parts = urlsplit(url)
        if parts.hostname == "youtu.be":
            return parts.path.lstrip("/") or None
        ids = parse_qs(parts.query).get("v")
        return ids[0] if ids else None

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/oembed":
            return self._oembed(request)
        if request.path == "/watch":
            return self._watch(request.query.get("v", ""))
        return web.Response(status=404, text="Not Found")

    def _oembed(self, request: web.Request) -> web.StreamResponse:
        video_id = self._video_id(request.query.get("url", ""))
        if video_id is None or not _YOUTUBE_ID.match(video_id):
            return web.Response(status=400, text="Bad Request")
        if video_id not in self.videos:
            return web.Response(status=404, text="Not Found")
        title, state = self.videos[video_id]
        if state == "private":
            return web.Response(status=401, text="Unauthorized")
        if state == "no_embed":
            return web.Response(status=403, text="Forbidden")
        return web.json_response(
            {
                "title": title,
                "author_name": "Yannic Kilcher",
                "author_url": "https://www.youtube.com/@YannicKilcher",
                "type": "video",
                "height": 113,
                "width": 200,
                "version": "1.0",
                "provider_name": "YouTube",
                "provider_url": "https://www.youtube.com/",
                "thumbnail_url": f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg",
                "html": f'<iframe src="https://www.youtube.com/embed/{video_id}?feature=oembed">'
                "</iframe>",
            }
        )

    def _watch(self, video_id: str) -> web.StreamResponse:
        known = self.videos.get(video_id)
        if known is None:
            status = '{"status":"ERROR","reason":"This video isn\'t available anymore"}'
            title = "YouTube"
        else:
            status = '{"status":"OK"}'
            title = f"{known[0]} - YouTube"
        page = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f'<title>{escape(title)}</title></head>\n<body><div id="player"></div>'
            f'<script>var ytInitialPlayerResponse = {{"playabilityStatus":{status}}};</script>'
            "\n</body></html>\n"
        )
        return web.Response(text=page, content_type="text/html")


# ---- GitHub HTML pages (github.com) ---------------------------------------------------------

ARCHIVED_BANNER = (
    "This repository has been archived by the owner on Jan 5, 2024. It is now read-only."
)


def github_page(full_name: str, subpath: str = "", *, archived: bool = False) -> Html:
    """A repository page (or a blob/tree page under it), with the archived banner if so."""
    banner = (
        f'<div class="flash flash-warn flash-full border-top-0 text-center text-bold py-2">'
        f"{ARCHIVED_BANNER}</div>"
        if archived
        else ""
    )
    where = f"{full_name}/{subpath}" if subpath else full_name
    return Html(
        '<!DOCTYPE html>\n<html lang="en" data-color-mode="auto"><head><meta charset="utf-8">'
        f"<title>GitHub - {escape(where)}</title></head>\n<body>"
        f'<div id="repository-container-header">{banner}'
        f'<strong itemprop="name"><a href="/{escape(full_name)}">{escape(full_name)}</a></strong>'
        '</div><div id="readme" class="Box-body"><article class="markdown-body">'
        "<p>Official implementation.</p></article></div>\n</body></html>\n"
    )


def github_not_found() -> Html:
    return Html(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Page not found · GitHub · GitHub</title></head>\n<body>"
        '<div class="container"><img alt="404 “This is not the web page you are looking for”" '
        'src="/_error/404.png"></div>\n</body></html>\n',
        404,
    )


# ---- Hosts that lie with 200, and walls ----------------------------------------------------


@dataclass(frozen=True)
class SoftNotFound:
    """200 for every path with a "not found" page echoing the path (as many CMSs do).

    ``in_title`` puts "Page not found" in the ``<title>``; otherwise only the body
    says so and the title is the site name, so only a probe comparison tells.
    """

    site: str = "Example Research Blog"
    in_title: bool = True

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        title = f"Page not found – {self.site}" if self.in_title else self.site
        page = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head>\n<body>"
            f'<header class="site-header"><a href="/">{escape(self.site)}</a></header>'
            '<main><div class="error-404">'
            "<p>Oops! That page can’t be found. It looks like nothing was found at "
            f"<code>{escape(request.path)}</code>. Maybe try a search?</p>"
            '<form role="search" action="/"><input type="search" name="s"></form>'
            "</div></main>\n</body></html>\n"
        )
        return web.Response(text=page, content_type="text/html")


@dataclass(frozen=True)
class LocalNotFound:
    """200 for every path with the site's own not-found page in its own language: the
    title is the site's name, the message says nothing a word list knows, the path is
    echoed (as most CMSs do)."""

    site: str = "ბლოგი"
    message: str = "გვერდი ვერ მოიძებნა"  # Georgian: "page could not be found"
    lang: str = "ka"

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        page = (
            f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
            f"<title>{escape(self.site)}</title></head>\n<body>"
            f'<header><a href="/">{escape(self.site)}</a></header>'
            f'<main><p class="error">{escape(self.message)}: <code>{escape(request.path)}</code>'
            "</p></main>\n</body></html>\n"
        )
        return web.Response(text=page, content_type="text/html")


def blog_post(site: str, title: str) -> Html:
    """A real post on the same kind of host (its title and size differ from the 404)."""
    body = " ".join(["<p>Attention mechanisms let a network focus on what matters.</p>"] * 20)
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)} – {escape(site)}</title></head>\n<body>"
        f'<header class="site-header"><a href="/">{escape(site)}</a></header>'
        f'<main><article><h1 class="entry-title">{escape(title)}</h1>{body}</article></main>'
        "\n</body></html>\n"
    )


def request_rejected() -> Html:
    """The F5 ASM page some publishers serve with 200 to non-browsers."""
    return Html(
        "<html><head><title>Request Rejected</title></head><body>"
        "The requested URL was rejected. Please consult with your administrator.<br><br>"
        "Your support ID is: 1234567890123456789<br><br>"
        '<a href="javascript:history.back();">[Go Back]</a></body></html>'
    )


# ---- Parked and for-sale domains -------------------------------------------------------------

ParkingShape = Literal["sedo", "lander_script", "godaddy", "ads_for_domains", "frame", "for_sale"]


def parked_page(domain: str, shape: ParkingShape) -> Html:
    """What a lapsed domain serves for every path, in the shapes parking services use."""
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
    if shape == "sedo":  # Sedo's parking template: its scripts and a sale banner
        body = (
            f"<title>{domain}</title>"
            '<script src="//img.sedoparking.com/templates/js/jquery-1.11.2.min.js"></script>'
            '<script src="//img.sedoparking.com/templates/js/main.js"></script></head>\n'
            f'<body><div id="header"><h2>{domain}</h2></div>'
            '<div id="related">Related Searches: Machine Learning · Deep Learning</div>'
            '<div id="footer"><a href="https://sedo.com/search/details/?domain='
            f'{domain}">Buy this domain</a></div></body></html>\n'
        )
    elif shape == "lander_script":  # Bodis and others: a one-line script to /lander
        body = (
            f"<title>{domain}</title>"
            '<script>window.onload=function(){window.location.href="/lander"}</script>'
            "</head><body></body></html>\n"
        )
    elif shape == "godaddy":  # GoDaddy's parking lander app
        body = (
            f"<title>{domain}</title>"
            '<script src="https://img1.wsimg.com/parking-lander/static/js/main.7d3c2a1b.js">'
            '</script></head><body><div id="root"></div></body></html>\n'
        )
    elif shape == "ads_for_domains":  # ParkingCrew and others: Google's ads for domains
        body = (
            f"<title>{domain}</title>"
            '<script src="https://www.google.com/adsense/domains/caf.js"></script></head>'
            '<body><div id="ads"></div><div id="rs"></div>'
            '<script>var pageOptions = {"pubId": "dp-parkingcrew22_3ph", "domainRegistrant":'
            ' "as-drid-2351749742621707"};</script></body></html>\n'
        )
    elif shape == "frame":  # the old-school frame around the parking host
        body = (
            f"<title>{domain}</title></head>"
            f'<frameset rows="100%,*"><frame src="http://ww1.{domain}/?sub1=20240101">'
            "</frameset></html>\n"
        )
    else:  # a registrar's own "for sale" page
        body = (
            f"<title>{domain} is for sale</title></head><body>"
            f"<h1>The domain name {domain} is for sale</h1>"
            "<p>Make an offer today. Secure payments, fast transfers.</p></body></html>\n"
        )
    return Html(head + body)


def marketplace_redirect(domain: str) -> Redirect:
    """302 from every path to the marketplace's page for the domain (HugeDomains)."""
    return Redirect(302, f"https://www.hugedomains.com/domain_profile.cfm?d={domain}")


def marketplace_page() -> Html:
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        "<title>Domain is for sale | HugeDomains</title></head><body>"
        '<h1 class="domain-title">This domain is for sale</h1>'
        "<p>Buy now for $2,995 or make monthly payments.</p></body></html>\n"
    )


def article_about_domain_sales(title: str = "What I learned selling my side project") -> Html:
    """A live post that mentions a domain sale in its text (must stay alive)."""
    text = (
        "<p>When the project ended I put a notice saying this domain is for sale on the old "
        'site, listed it on <a href="https://dan.com/">Dan</a> and Sedo, and eventually sold '
        "it. Parked domains earn almost nothing from ads.</p>"
    ) * 3
    return blog_post_with(title, text)


def blog_post_with(title: str, paragraphs: str) -> Html:
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body><article>"
        f"<h1>{escape(title)}</h1>{paragraphs}</article>\n</body></html>\n"
    )


# ---- Challenge pages of bot-protection services ---------------------------------------------

ChallengeService = Literal["cloudflare", "akamai", "datadome", "perimeterx", "aws_waf"]


def challenge(service: ChallengeService, host: str = "www.example.com") -> Html:
    """The page (status and headers as the service sends them) a non-browser gets."""
    if service == "cloudflare":
        return Html(
            '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
            '<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">'
            f'<h1 class="zone-name-title h1">{host}</h1><h2>Verifying you are human. This may '
            "take a few seconds.</h2></div><script>(function(){window._cf_chl_opt={cvId: '3',"
            "cZone: '" + host + "',cType: 'managed'};var a = document.createElement('script');"
            "a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b2c3d';"
            "document.getElementsByTagName('head')[0].appendChild(a);}());</script>"
            "</body></html>",
            403,
            {"Server": "cloudflare", "cf-mitigated": "challenge", "CF-RAY": "8a1b2c3d-FRA"},
        )
    if service == "akamai":
        return Html(
            "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
            f'You don\'t have permission to access "http&#58;&#47;&#47;{host}&#47;" on this '
            "server.<P>\nReference&#32;&#35;18&#46;4f2d3517&#46;1732503600&#46;1a2b3c4d\n"
            "</BODY>\n</HTML>\n",
            403,
            {"Server": "AkamaiGHost", "Mime-Version": "1.0"},
        )
    if service == "datadome":
        return Html(
            f"<html><head><title>{host}</title></head><body style=\"margin:0\">"
            '<p id="cmsg">Please enable JS and disable any ad blocker</p>'
            "<script data-cfasync=\"false\">var dd={'rt':'c','cid':'AHrlqAAAAAMA1x0',"
            "'hsh':'2211F522B61E269B869FA6EAFFB5E1','t':'fe','s':17434,"
            "'host':'geo.captcha-delivery.com'}</script>"
            '<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script>'
            "</body></html>\n",
            403,
            {
                "Server": "nginx",
                "X-DataDome": "protected",
                "X-DD-B": "1",
                "Set-Cookie": "datadome=abc; Max-Age=31536000; Path=/; Secure; SameSite=Lax",
            },
        )
    if service == "perimeterx":
        return Html(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>Access to this page has been denied</title></head><body>"
            '<div class="px-captcha-container"><div class="px-captcha-header">Before we '
            'continue...</div><div class="px-captcha-message">Press &amp; Hold to confirm you '
            'are a human (and not a bot).</div><div id="px-captcha"></div></div>'
            "<script>window._pxAppId = 'PXu6b0qd2S';window._pxJsClientSrc = "
            "'/u6b0qd2S/init.js';</script><script src=\"https://captcha.px-cdn.net/PXu6b0qd2S/"
            'captcha.js?a=c&m=0"></script></body></html>\n',
            403,
        )
    return Html(  # AWS WAF: 202 and a script challenge the client must run
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title></title>'
        '<script type="text/javascript">window.awsWafCookieDomainList = [];'
        'window.gokuProps = {"key":"AQIDAHjcYu/GjX+QlghicBgQ/7bFaQZ+m5FKCMDnO+vTbNg96AE","iv":'
        '"D549hAEAAAWt","context":"Q6l1k1+n"};</script>'
        '<script src="https://3f8c2a91b7e4.5d2e1a7c.us-east-1.token.awswaf.com/3f8c2a91b7e4/'
        '9b1c0de2f3a4/challenge.js"></script></head><body><div id="challenge-container"></div>'
        "<script>AwsWafIntegration.checkForceRefresh().then((forceRefresh) => {});</script>"
        "</body></html>\n",
        202,
        {"x-amzn-waf-action": "challenge", "Server": "awselb/2.0"},
    )


def cloudflare_site_page(title: str) -> Html:
    """An ordinary page of a site behind Cloudflare: its headers and bot-detection script."""
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>"
        "<p>Attention modules for detection and segmentation.</p></article>"
        "<script>(function(){var a=document.createElement('script');a.src="
        "'/cdn-cgi/challenge-platform/scripts/jsd/main.js';document.head.appendChild(a);})();"
        "</script></body></html>\n",
        headers={"Server": "cloudflare", "CF-RAY": "8a1b2c3d4e5f-AMS", "CF-Cache-Status": "HIT"},
    )


# ---- Social networks' login walls ------------------------------------------------------------


@dataclass(frozen=True)
class MovedHost:
    """``code`` to the same path and query on ``host`` (twitter.com → x.com)."""

    host: str
    code: int = 301

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        target = f"https://{self.host}{request.path_qs}"
        return web.Response(status=self.code, headers={"Location": target})


@dataclass(frozen=True)
class LoginRedirect:
    """302 to the site's login page with the requested URL as ``next``, as Facebook and
    Instagram (``/accounts/login/``) and LinkedIn (``/authwall``) send visitors."""

    login_path: str = "/login/"
    param: str = "next"

    async def __call__(self, request: web.Request, state: RouteState) -> web.StreamResponse:
        back = quote(str(request.url), safe="")
        target = f"https://{request.host}{self.login_path}?{self.param}={back}"
        return web.Response(status=302, headers={"Location": target})


def x_shell() -> Html:
    """What x.com serves a client without JavaScript or session, for any path."""
    return Html(
        '<!DOCTYPE html><html dir="ltr" lang="en"><head><meta charset="utf-8">'
        "<title>X</title></head><body><noscript><div><h1>JavaScript is not available.</h1>"
        "<p>We’ve detected that JavaScript is disabled in this browser. Please enable "
        "JavaScript or switch to a supported browser to continue using x.com.</p></div>"
        '</noscript><div id="react-root"></div></body></html>\n',
        headers={"x-response-time": "23", "x-connection-hash": "5b1f3c"},
    )


def linkedin_999() -> Html:
    """LinkedIn's answer to clients it distrusts: status 999 and a script back to the site."""
    return Html(
        '<html><head><script type="text/javascript">window.onload = function() {'
        'var x = "https://www.linkedin.com"; window.location.href = x;}</script></head></html>',
        999,
    )


def social_public_page(title: str, site: str) -> Html:
    """A page the network serves without a login (a public company or group page)."""
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<meta property="og:title" content="{escape(title)}">'
        f"<title>{escape(title)} | {escape(site)}</title></head><body>"
        f"<main><h1>{escape(title)}</h1><p>Computer vision research group. 12,345 followers."
        "</p></main></body></html>\n"
    )


def social_gone(message: str) -> Html:
    """The network's own 200 page for a removed post or profile."""
    return Html(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Facebook</title></head>'
        f"<body><div><h2>{escape(message)}</h2><p>The link you followed may be broken, or the "
        "page may have been removed.</p></div></body></html>\n"
    )


# ---- The DOI handle API and resolver (doi.org) ---------------------------------------------


@dataclass
class DoiSite:
    """doi.org: ``/api/handles/<doi>`` in the handle API's JSON, ``/<doi>`` the resolver's
    302 to the publisher. DOI names are case-insensitive, as on doi.org."""

    dois: dict[str, str] = field(default_factory=dict)  # DOI (upper-case) → registered URL

    def add(self, doi: str, url: str) -> None:
        self.dois[doi.upper()] = url

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        path = request.path  # decoded, as the DOI is written
        if path.startswith("/api/handles/"):
            return self._handle(path.removeprefix("/api/handles/"))
        doi = path.lstrip("/")
        url = self.dois.get(doi.upper())
        if url is None:
            page = "<html><head><title>Error: DOI Not Found</title></head><body>" + (
                f"<h1>DOI Not Found</h1><p>{escape(doi)}</p></body></html>"
            )
            return web.Response(status=404, text=page, content_type="text/html")
        return web.Response(status=302, headers={"Location": url})

    def _handle(self, doi: str) -> web.StreamResponse:
        url = self.dois.get(doi.upper())
        if url is None:
            return web.json_response({"responseCode": 100, "handle": doi}, status=404)
        values = [
            {
                "index": 1,
                "type": "URL",
                "data": {"format": "string", "value": url},
                "ttl": 86400,
                "timestamp": "2020-10-12T07:24:13Z",
            },
            {
                "index": 700050,
                "type": "700050",
                "data": {"format": "string", "value": "20201012"},
                "ttl": 86400,
                "timestamp": "2020-10-12T07:24:13Z",
            },
            {
                "index": 100,
                "type": "HS_ADMIN",
                "data": {
                    "format": "admin",
                    "value": {"handle": "0.na/10.1145", "index": 200, "permissions": "1111"},
                },
                "ttl": 86400,
                "timestamp": "2020-10-12T07:24:13Z",
            },
        ]
        return web.json_response({"responseCode": 1, "handle": doi, "values": values})


# ---- Cloud shares: Google Drive and Docs, Dropbox, OneDrive, Baidu Pan --------------------

GDRIVE_MISSING = "Sorry, the file you have requested does not exist."
DROPBOX_DELETED = "This item was deleted"
DROPBOX_DISABLED = "This link has been disabled"
ONEDRIVE_GONE = "This item might not exist or is no longer available"
BAIDU_GONE = {
    "deleted": "啊哦，你来晚了，分享的文件已经被删除了，下次要早点哟。",
    "cancelled": "啊哦，你来晚了，分享的文件已经被取消了，下次要早点哟。",
    "infringing": "此链接分享内容可能因为涉及侵权、色情、反动、低俗等信息，无法访问！",
}


def share_page(title: str, message: str = "", status: int = 200, lang: str = "en") -> Html:
    """A share page of a cloud service: its title and, for errors, its one message."""
    text = f'<div class="error-message"><h1>{escape(message)}</h1></div>' if message else (
        '<div class="file-preview"><a class="download" href="#">Download</a></div>'
    )
    return Html(
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>{text}"
        '<script src="/static/app.js"></script></body></html>\n',
        status,
    )


def gdrive_file(name: str) -> Html:
    return share_page(f"{name} - Google Drive")


def gdrive_missing() -> Html:
    """Google Drive's 404 for a deleted file (Docs answers the same)."""
    return Html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Google Drive - Page Not Found</title></head><body>"
        '<div id="af-error-container"><a href="//www.google.com/"><span id="logo" '
        f'aria-label="Google"></span></a><p><b>404.</b> <ins>That’s an error.</ins></p><p>'
        f"{GDRIVE_MISSING}</p><p>Make sure that you have the correct URL and the file exists."
        "</p></div></body></html>\n",
        404,
    )


def gdrive_private(url: str) -> Redirect:
    """A private file: 302 to the Google sign-in page, the file's URL as ``continue``."""
    back = quote(url, safe="")
    return Redirect(
        302,
        f"https://accounts.google.com/ServiceLogin?service=wise&passive=1209600&continue={back}"
        f"&followup={back}",
    )


def google_sign_in() -> Html:
    return share_page("Sign in - Google Accounts")


def gdrive_need_access() -> Html:
    """What a signed-in visitor without permission sees (and some embeds show)."""
    return Html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Google Drive: Sign-in</title></head><body><h1>You need access</h1>"
        "<p>Ask for access, or switch to an account with access.</p>"
        '<button id="request-access">Request access</button></body></html>\n',
        401,
    )
