"""Soft-404 detection on generic hosts: pages that answer 200 but say the thing is gone."""

from __future__ import annotations

import pytest
from aiohttp import web as aioweb

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b
from linkwatch.simweb import sites as s
from linkwatch.sites.soft404 import not_found_heading

SETTINGS = Settings(allow_private=True, retry_backoff=0.01, host_spacing=0.0, per_host=4)
BLOG = "https://blog.example.org"
NOTES = "https://notes.example.net"


def probes(web, host: str) -> list[str]:
    return [r.path for r in web.requests(host) if r.path.startswith("/linkwatch-probe-")]


async def test_host_answering_200_not_found_everywhere(simweb) -> None:
    """Title says "Page not found": the missing pages are dead without any probe."""
    scenario = (
        Scenario()
        .host("blog.example.org", s.SoftNotFound(in_title=True))
        .route(f"{BLOG}/2020/10/triplet-attention", s.blog_post("Example", "Triplet attention"))
        .route(f"{BLOG}/2021/01/performers", s.blog_post("Example", "Performers"))
    )
    web = await simweb(scenario)
    urls = [
        f"{BLOG}/2020/10/triplet-attention",
        f"{BLOG}/2021/01/performers",
        f"{BLOG}/2019/05/deleted-post",
        f"{BLOG}/2018/renamed",
    ]
    alive1, alive2, dead1, dead2 = await check_urls(urls, SETTINGS, web.network())
    assert alive1.verdict is Verdict.ALIVE and alive2.verdict is Verdict.ALIVE
    for dead in (dead1, dead2):
        assert (dead.verdict, dead.error, dead.status) == (Verdict.DEAD, ErrorCode.SOFT404, 200)
        assert dead.reason == "soft 404: page says “Page not found – Example Research Blog”"
    assert len(probes(web, "blog.example.org")) == 1  # once per host and run


async def test_host_whose_title_does_not_tell_is_compared_with_one_probe(simweb) -> None:
    """Only the body hints; the page equals what a random path gets → dead. Real pages,
    with their own titles, stay alive; the host is probed once for the whole run."""
    site = "Notes on Attention"
    scenario = (
        Scenario()
        .host("notes.example.net", s.SoftNotFound(site=site, in_title=False))
        .route(f"{NOTES}/posts/se-net", s.blog_post(site, "SE-Net explained"))
        .route(f"{NOTES}/posts/cbam", s.blog_post(site, "CBAM explained"))
    )
    web = await simweb(scenario)
    urls = [f"{NOTES}/posts/se-net", f"{NOTES}/posts/cbam"] + [
        f"{NOTES}/posts/gone-{i}" for i in range(4)
    ]
    results = await check_urls(urls, SETTINGS, web.network())
    assert [r.verdict for r in results] == [Verdict.ALIVE] * 2 + [Verdict.DEAD] * 4
    for dead in results[2:]:
        assert dead.error is ErrorCode.SOFT404
        assert dead.reason == "soft 404: same page as a random path on notes.example.net"
    assert len(probes(web, "notes.example.net")) == 1


async def test_deep_links_redirected_to_the_home_page(simweb) -> None:
    home = "https://lab.example.com/"
    scenario = (
        Scenario()
        .host("lab.example.com", b.Redirect(302, "/"))
        .route(home, b.Ok("Vision Lab – home"))
        .route(f"{home}projects/gct", s.blog_post("Vision Lab", "Gated Channel Transformation"))
    )
    web = await simweb(scenario)
    gone, real = await check_urls(
        [f"{home}people/former-student", f"{home}projects/gct"], SETTINGS, web.network()
    )
    assert (gone.verdict, gone.error) == (Verdict.DEAD, ErrorCode.SOFT404)
    assert real.verdict is Verdict.ALIVE


async def test_pages_that_mention_404_on_honest_hosts_stay_alive(simweb) -> None:
    """A hint in the text triggers a probe; a host with real 404s clears the page."""
    url = "https://docs.example.org/http-errors"
    page = b.Ok("HTTP status codes", "<p>A 404 means the page was not found.</p>")
    web = await simweb(Scenario().route(url, page).host("docs.example.org", b.not_found()))
    [result] = await check_urls([url], SETTINGS, web.network())
    assert result.verdict is Verdict.ALIVE
    assert len(probes(web, "docs.example.org")) == 1


async def test_single_page_apps_are_not_called_dead_without_a_hint(simweb) -> None:
    web = await simweb(Scenario().host("app.example.io", b.Ok("Leaderboard")))
    results = await check_urls(
        ["https://app.example.io/", "https://app.example.io/missing"], SETTINGS, web.network()
    )
    assert [r.verdict for r in results] == [Verdict.ALIVE, Verdict.ALIVE]


async def test_pdfs_are_not_read_for_soft_404s(simweb) -> None:
    url = "https://hangzhang.org/files/resnest.pdf"
    web = await simweb(Scenario().route(url, b.Ok("Page not found")))
    [result] = await check_urls([url], SETTINGS, web.network())
    assert result.verdict is Verdict.ALIVE
    assert [r.method for r in web.requests("hangzhang.org")] == ["HEAD"]


@pytest.mark.parametrize(
    ("html", "heading"),
    [
        ("<title>页面不存在 - 某某博客</title>", "页面不存在 - 某某博客"),
        ("<title>Blog</title><h1>抱歉，找不到页面</h1>", "抱歉，找不到页面"),
        ("<title>Error 404</title>", "Error 404"),
        ("<title>Seite nicht gefunden</title>", "Seite nicht gefunden"),
        ("<title>Page introuvable</title>", "Page introuvable"),
        ("<title>ページが見つかりません</title>", "ページが見つかりません"),
        ("<title>Oops, this page doesn’t exist</title>", "Oops, this page doesn’t exist"),
        ("<title>Attention Is All You Need</title><h1>Abstract</h1>", None),
        ("<title>Error-404 free routing in GNNs</title>", None),
    ],
)
def test_not_found_headings_in_several_languages(html: str, heading: str | None) -> None:
    assert not_found_heading(html) == heading


@pytest.mark.parametrize(
    "heading",
    [
        "Страница не найдена",
        "Сторінку не знайдено",
        "Página no encontrada",
        "Página não encontrada",
        "Pagina non trovata",
        "Pagina niet gevonden",
        "Nie znaleziono strony",
        "Sayfa bulunamadı",
        "Không tìm thấy trang",
        "Halaman tidak ditemukan",
        "الصفحة غير موجودة",
        "お探しのページは存在しません",
        "Diese Seite existiert nicht",
        "您访问的页面不存在",
        "找不到網頁",
        "존재하지 않는 페이지입니다",
        "La page demandée n’existe pas",
    ],
)
def test_not_found_headings_in_the_major_languages(heading: str) -> None:
    assert not_found_heading(f"<title>{heading}</title>") == heading


@pytest.mark.parametrize(
    "title", ["God bestaat niet", "Gott existiert nicht", "Бог не существует", "正解は存在しません"]
)
def test_titles_saying_something_does_not_exist_are_not_not_found_pages(title: str) -> None:
    assert not_found_heading(f"<title>{title}</title>") is None


async def test_a_not_found_page_in_any_language_is_told_by_the_probe(simweb) -> None:
    """No word list knows Georgian; the host's own not-found page, which names the path it
    was asked for like the probe's page does, decides. Real posts stay alive."""
    host = "https://blog.example.ge"
    scenario = (
        Scenario()
        .host("blog.example.ge", s.LocalNotFound())
        .route(f"{host}/posts/attention", s.blog_post("ბლოგი", "ყურადღების მექანიზმი"))
    )
    web = await simweb(scenario)
    alive, dead = await check_urls(
        [f"{host}/posts/attention", f"{host}/posts/removed"], SETTINGS, web.network()
    )
    assert (alive.verdict, alive.error, alive.reason) == (Verdict.ALIVE, None, "")
    assert (dead.verdict, dead.error, dead.reason) == (
        Verdict.DEAD,
        ErrorCode.SOFT404,
        "soft 404: same page as a random path on blog.example.ge",
    )
    assert len(probes(web, "blog.example.ge")) == 1


async def test_a_shell_that_carries_its_url_in_tags_is_not_an_error_page(simweb) -> None:
    """A canonical link or og:url naming the path is not the host saying "nothing here"."""

    async def shell(request, state):
        url = f"https://spa.example.io{request.path}"
        page = (
            f'<!DOCTYPE html><html><head><title>Leaderboard</title><link rel="canonical" '
            f'href="{url}"><meta property="og:url" content="{url}"></head>'
            '<body><div id="root"></div><script src="/app.js"></script></body></html>'
        )
        return aioweb.Response(text=page, content_type="text/html")

    web = await simweb(Scenario().host("spa.example.io", shell))
    results = await check_urls(
        [  # paths as long as the probe's, so only the sign of an error page tells
            "https://spa.example.io/leaderboards/cvpr-2021-attention",
            "https://spa.example.io/leaderboards/iccv-2021-attention",
        ],
        SETTINGS,
        web.network(),
    )
    assert [r.verdict for r in results] == [Verdict.ALIVE, Verdict.ALIVE]
    assert len(probes(web, "spa.example.io")) == 1  # the probe was made, and did not decide
async def test_one_request_per_page_once_the_hosts_probe_is_known(simweb) -> None:
    """Once a host's probe is known, each page is one GET (no HEAD first), whose body is
    read only if it is HTML: a PDF met by such a GET is not read."""
    scenario = (
        Scenario()
        .host("blog.example.org", default=b.ok(title="Blog"))  # 200 for any path
        .host("notes.example.net")  # 404 for unknown paths
    )
    article = "<p>" + "A note long enough not to be a redirect stub. " * 60 + "</p>"
    for i in range(5):  # pages over 2 KB: no client-side redirect stub to read them for
        page = f"<html><head><title>Note {i}</title></head><body>{article}</body></html>"
        scenario.route(f"{NOTES}/note/{i}", b.ok(body=page, content_type="text/html"))
    web = await simweb(scenario)
    settings = Settings(allow_private=True, host_spacing=0.0, per_host=1)
    urls = [f"{BLOG}/post/{i}" for i in range(5)] + [f"{BLOG}/paper.pdf"]
    urls += [f"{NOTES}/note/{i}" for i in range(5)]
    results = await check_urls(urls, settings, web.network())
    assert {r.verdict for r in results} == {Verdict.ALIVE}
    blog = [(r.method, r.path) for r in web.requests("blog.example.org")]
    assert blog[0] == ("HEAD", "/post/0") and blog[1][1].startswith("/linkwatch-probe-")
    assert blog[2:] == [("GET", f"/post/{i}") for i in range(5)] + [("GET", "/paper.pdf")]
    notes = [(r.method, r.path) for r in web.requests("notes.example.net")]
    assert notes[0] == ("HEAD", "/note/0") and notes[1][1].startswith("/linkwatch-probe-")
    assert notes[2:] == [("GET", f"/note/{i}") for i in range(1, 5)]  # then one GET each
