"""Location resolution as browsers do it, and client-side redirects (redirects.py)."""

from __future__ import annotations

import pytest

from linkwatch.redirects import client_redirect, resolve_location

BASE = "https://example.org/docs/v1/page"


@pytest.mark.parametrize(
    ("location", "url"),
    [
        ("/über uns", "https://example.org/%C3%BCber%20uns"),
        ("/search?q=ä b", "https://example.org/search?q=%C3%A4%20b"),
        ("//cdn.example.net/x.pdf", "https://cdn.example.net/x.pdf"),
        ("../v2/", "https://example.org/docs/v2/"),
        ("?page=2", "https://example.org/docs/v1/page?page=2"),
        ("  /trimmed\t\n", "https://example.org/trimmed"),
        ("/a\\b?x=\\y", "https://example.org/a/b?x=\\y"),
        ("/caf\udce9", "https://example.org/caf%E9"),  # a raw Latin-1 byte in the header
        ("/already%20encoded", "https://example.org/already%20encoded"),
        ("http://other.org/p#frag", "http://other.org/p#frag"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("//bücher.example?q=/x", "https://xn--bcher-kva.example/?q=/x"),
    ],
)
def test_resolve_location(location, url):
    assert str(resolve_location(BASE, location)) == url


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<meta http-equiv="refresh" content="0; url=https://new.org/">', "https://new.org/"),
        ("<META HTTP-EQUIV='Refresh' CONTENT='3;URL=/next'>", "/next"),
        ('<meta content="0;url=\'/q?a=1&amp;b=2\'" http-equiv="refresh">', "/q?a=1&b=2"),
        ('<script>window.location.href = "/a";</script>', "/a"),
        ("<script>\n  window.location = '/b'\n</script>", "/b"),
        ("<script>location.replace('https://c.org/')</script>", "https://c.org/"),
        ("<script>document.location.assign('/d');</script>", "/d"),
    ],
)
def test_client_redirects_found(html, found):
    assert client_redirect(f"<html><head>{html}</head><body></body></html>")[1] == found


@pytest.mark.parametrize(
    "html",
    [
        '<meta http-equiv="refresh" content="600">',  # a reload
        '<meta http-equiv="refresh" content="1800; url=/logout">',  # a session timeout
        "<script>if (!ok) { window.location = '/b'; }</script>",  # application code
        "<script>var u = '/x'; location.href = u;</script>",
        '<p>window.location.href = "/not-a-script"</p>',
    ],
)
def test_not_client_redirects(html):
    assert client_redirect(f"<html><head></head><body>{html}</body></html>") is None


def test_big_pages_are_content_not_stubs():
    stub = '<meta http-equiv="refresh" content="0; url=/x">'
    assert client_redirect(stub + "<p>" + "text " * 5000 + "</p>") is None
