"""Page bytes → text: BOM, header charset, <meta>, then sniffing (decoding.py)."""

from __future__ import annotations

import codecs

import pytest

from linkwatch.decoding import charset_of, decode_body

GBK_404 = '<html><head><meta charset="gbk"><title>页面不存在</title></head></html>'


def page(meta: str, title: str = "页面不存在") -> str:
    return f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body></body></html>"


@pytest.mark.parametrize(
    ("data", "content_type", "charset"),
    [
        (page('<meta charset="gbk">').encode("gbk"), "text/html", "gb18030"),
        (page("<meta charset='GB2312' />").encode("gbk"), "text/html", "gb18030"),
        (
            page('<meta http-equiv="Content-Type" content="text/html; charset=gbk">').encode(
                "gbk"
            ),
            "text/html",
            "gb18030",
        ),
        (page("").encode("utf-8"), "text/html; charset=gbk", "gb18030"),  # the header wins
        (page('<meta charset="gbk">').encode("utf-8"), "text/html; charset=UTF-8", "utf-8"),
        (codecs.BOM_UTF8 + page('<meta charset="gbk">').encode(), "text/html", "utf-8"),
        (page("", "Café").encode("latin-1"), "text/html; charset=iso-8859-1", "cp1252"),
        (page("").encode("utf-8"), "", "utf-8"),
        (page('<meta charset="no-such-charset">').encode(), "text/html; charset=bogus", "utf-8"),
    ],
)
def test_charset_order(data, content_type, charset):
    assert charset_of(data, content_type) == charset


def test_undeclared_gbk_is_sniffed():
    text = "抱歉，您访问的页面不存在或已被删除，请返回首页继续浏览其他内容。" * 3
    data = page("", "页面不存在").replace("<body>", f"<body><p>{text}</p>").encode("gbk")
    assert "页面不存在" in decode_body(data, "text/html")


def test_meta_only_gbk_decodes_readably_and_bom_is_dropped():
    assert "<title>页面不存在</title>" in decode_body(GBK_404.encode("gbk"), "text/html")
    assert decode_body(codecs.BOM_UTF8 + b"<p>x</p>", "").startswith("<p>")


def test_broken_bytes_are_replaced_not_raised():
    assert decode_body(b"ok \xff\xfe\xfa end", "text/html; charset=utf-8").startswith("ok ")
