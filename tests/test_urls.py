"""URL normal forms, tracking stripping and site classification."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkwatch.urls import classify, normalize, strip_tracking

WECHAT_LONG = (
    "https://mp.weixin.qq.com/s?__biz=MzU2NDExMzE5Nw==&mid=2247485243&idx=2"
    "&sn=4cf73ac84bdf064b649f6bf0aa8b3930&chksm=fc4ebd79cb39&mpshare=1&scene=1"
    "&srcid=1010LkNbbYg5EzUcwB7gHcjE&sharer_sharetime=1602303490397"
    "&sharer_shareid=fd8c7684b39b2eac07b5e0c63bf1346a&key=14893ff72db1&ascene=1"
    "&uin=Mjg1Mzg0ODMzMA%3D%3D&devicetype=Windows+10+x64&version=6300002f&lang=zh_CN"
    "&exportkey=ASBpO%2BjtjEg7X6MctgYfDKI%3D&pass_ticket=Cz67wUTL3RpVi0NH&wx_header=0#rd"
)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTPS://Example.COM", "https://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a%7e%2f?q=%c3%a9", "https://example.com/a~%2F?q=%C3%A9"),
        ("https://example.com/a#frag", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a/"),  # trailing slash kept
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),  # order kept
        (
            "https://zh.wikipedia.org/wiki/注意力",
            "https://zh.wikipedia.org/wiki/%E6%B3%A8%E6%84%8F%E5%8A%9B",
        ),
        ("https://example.org/my slides.pdf", "https://example.org/my%20slides.pdf"),
        ("https://example.org/a\\_b", "https://example.org/a_b"),  # Markdown escape
        ("https://example.org/?a=1&amp;b=2", "https://example.org/?a=1&b=2"),  # HTML entity
        ("https://example.org/?lang=zh&copy=1", "https://example.org/?lang=zh&copy=1"),
        ("src/Datasets.md#x", "src/Datasets.md"),
    ],
)
def test_normalize(url: str, key: str) -> None:
    assert normalize(url) == key


def test_http_and_https_are_not_merged() -> None:
    assert normalize("http://example.org/paper") != normalize("https://example.org/paper")


def test_percent_forms_dedupe() -> None:
    assert normalize("https://zh.wikipedia.org/wiki/注意力") == normalize(
        "https://zh.wikipedia.org/wiki/%e6%b3%a8%e6%84%8f%e5%8a%9b"
    )


def test_strip_tracking_wechat_keeps_article_identity() -> None:
    assert strip_tracking(WECHAT_LONG) == (
        "https://mp.weixin.qq.com/s?__biz=MzU2NDExMzE5Nw==&mid=2247485243&idx=2"
        "&sn=4cf73ac84bdf064b649f6bf0aa8b3930"
    )


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        (
            "https://github.com/google-research/google-research/tree/master/performer?utm_source=catalyzex.com",
            "https://github.com/google-research/google-research/tree/master/performer",
        ),
        ("https://a.org/p?x=1&fbclid=abc&gclid=d#s", "https://a.org/p?x=1#s"),
        ("https://a.org/p?spm=1.2&from=2020&to=2021", "https://a.org/p?from=2020&to=2021"),
        ("https://zhuanlan.zhihu.com/p/1?from=timeline&scene=x", "https://zhuanlan.zhihu.com/p/1"),
        ("https://a.org/p?q=1", "https://a.org/p?q=1"),
        ("https://a.org/p?utm_source=x&amp;q=1", "https://a.org/p?q=1"),  # from an HTML href
        (
            "https://mp.weixin.qq.com/s/FlA1YrR0sLQGJoJZnSXpRw",
            "https://mp.weixin.qq.com/s/FlA1YrR0sLQGJoJZnSXpRw",
        ),
    ],
)
def test_strip_tracking(url: str, clean: str) -> None:
    assert strip_tracking(url) == clean


@pytest.mark.parametrize(
    ("url", "arxiv_id", "version"),
    [
        ("https://arxiv.org/abs/2010.03045", "2010.03045", None),
        ("https://arxiv.org/abs/2010.03045v2", "2010.03045", 2),
        ("https://arxiv.org/pdf/2010.03045v3.pdf", "2010.03045", 3),
        ("https://arxiv.org/pdf/2010.03045", "2010.03045", None),
        ("https://arxiv.org/html/2402.12345v1", "2402.12345", 1),
        ("http://arxiv.org/abs/1412.6980", "1412.6980", None),
        ("https://arxiv.org/abs/2010.123", None, None),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001", None),
        ("https://export.arxiv.org/abs/math.GT/0309136v2", "math.GT/0309136", 2),
        ("https://arxiv.org/list/cs.CV/recent", None, None),
    ],
)
def test_classify_arxiv(url: str, arxiv_id: str | None, version: int | None) -> None:
    info = classify(url)
    assert (info.site, info.arxiv_id, info.arxiv_version) == ("arxiv", arxiv_id, version)


@pytest.mark.parametrize(
    ("url", "kind", "owner", "repo", "subpath"),
    [
        ("https://github.com/YimianDai/open-aff", "repo", "YimianDai", "open-aff", None),
        ("https://github.com/HRNet", "org_or_user", "HRNet", None, None),
        ("https://github.com/a/b.git", "repo", "a", "b", None),
        (
            "https://github.com/google-research/google-research/tree/master/performer/fast_self_attention",
            "tree",
            "google-research",
            "google-research",
            "tree/master/performer/fast_self_attention",
        ),
        ("https://github.com/a/b/blob/main/README.md", "blob", "a", "b", "blob/main/README.md"),
        ("https://github.com/a/b/issues/3", "repo", "a", "b", "issues/3"),
        ("https://gist.github.com/someone/0123abcd", "gist", "someone", None, "0123abcd"),
        ("https://github.com/features", "other", None, None, None),
        ("https://github.com/orgs/x/people", "other", None, None, None),
        ("https://github.com/topics/attention", "other", None, None, None),
    ],
)
def test_classify_github(url, kind, owner, repo, subpath) -> None:
    info = classify(url)
    assert info.site == "github"
    assert (info.github_kind, info.github_owner, info.github_repo, info.github_subpath) == (
        kind,
        owner,
        repo,
        subpath,
    )


@pytest.mark.parametrize(
    ("url", "site", "video_id", "post_id"),
    [
        (
            "https://mp.weixin.qq.com/s/FlA1YrR0sLQGJoJZnSXpRw",
            "wechat",
            None,
            "FlA1YrR0sLQGJoJZnSXpRw",
        ),
        (WECHAT_LONG, "wechat", None, "4cf73ac84bdf064b649f6bf0aa8b3930"),
        ("https://zhuanlan.zhihu.com/p/102984842", "zhihu", None, "102984842"),
        ("https://www.zhihu.com/question/123", "zhihu", None, "123"),
        ("https://www.zhihu.com/question/123/answer/456", "zhihu", None, "456"),
        ("https://www.bilibili.com/video/BV1WJ41197dh?t=508", "bilibili", "BV1WJ41197dh", None),
        ("https://www.bilibili.com/video/av170001", "bilibili", "av170001", None),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1", "youtube", "dQw4w9WgXcQ", None),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", None),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", None),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", None),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", None),
        ("https://example.org/watch?v=dQw4w9WgXcQ", None, None, None),
    ],
)
def test_classify_sites(url, site, video_id, post_id) -> None:
    info = classify(url)
    assert (info.site, info.video_id, info.post_id) == (site, video_id, post_id)


def test_classify_keeps_fragment_and_host() -> None:
    info = classify("HTTPS://WWW.Example.org:443/a#Section-1")
    assert (info.normalized, info.fragment, info.host) == (
        "https://www.example.org/a",
        "Section-1",
        "www.example.org",
    )
    local = classify("#performance")
    assert (local.normalized, local.fragment, local.host, local.site) == (
        "",
        "performance",
        "",
        None,
    )


_URL_PART = st.text(alphabet="aZ09-._~!$'()*+,;=:@/?%&#\\ é", max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTP://"]),
    st.sampled_from(["a.org", "A.org", "a.org.", "a.org:443", "x-y.a.org"]),
    _URL_PART,
)
def test_already_normal_shortcut_agrees_with_the_full_parse(scheme: str, host: str, rest: str):
    from linkwatch.urls import _NORMAL, _normalize_parsed

    url = f"{scheme}{host}/{rest}"
    if _NORMAL.fullmatch(url):
        assert _normalize_parsed(url) == url
