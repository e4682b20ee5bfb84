"""Extraction: every construct of issue 3 at its exact line:column, spans that slice the source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkwatch.data import example_list_path
from linkwatch.extract import (
    MAX_BYTES,
    InputError,
    extract_file,
    extract_text,
    link_kind,
    link_target,
    slugify,
)
from linkwatch.models import Document, LinkKind, Target

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def spans_exact(doc: Document, data: bytes) -> None:
    for link in doc.links:
        assert data[link.start : link.end] == link.url.encode(), link
        line = data.split(b"\n")[link.line - 1].decode()
        assert line[link.column - 1 :].startswith(link.url), link
    for entry in doc.entries:
        if entry.venue:
            assert data[entry.venue.start : entry.venue.end].decode() == entry.venue.raw


def found(name: str) -> list[tuple[str, int, int]]:
    path = FIXTURES / name
    doc = extract_file(path)
    spans_exact(doc, path.read_bytes())
    return [(link.url, link.line, link.column) for link in doc.links]


# ---------------------------------------------------------------- one fixture per construct

CASES = {
    "nested_brackets.md": [
        ("https://arxiv.org/abs/2010.03045", 3, 16),
        ("#x", 3, 68),
    ],
    "fullwidth_punct.md": [
        ("https://arxiv.org/abs/2010.00516", 3, 6),
        ("https://github.com/HRNet/HRNet", 4, 6),
        ("https://zhuanlan.zhihu.com/p/102984842", 5, 6),
    ],
    "space_in_target.md": [("https://example.org/my slides.pdf", 3, 16)],
    "empty_target.md": [("", 3, 19), ("", 3, 30)],
    "odd_chars.md": [
        ("https://en.wikipedia.org/wiki/Attention_(machine_learning)", 3, 10),
        ("https://example.org/api/{id}/items", 4, 9),
        ("https://example.org/a\\b\\c", 5, 9),
        ("https://en.wikipedia.org/wiki/Transformer_(deep_learning)", 6, 8),
    ],
    "angle_target.md": [("https://example.org/a b", 3, 8), ("src/My File.md", 3, 43)],
    "nonascii_fragment.md": [
        ("#性能-对比", 5, 10),
        ("https://zh.wikipedia.org/wiki/注意力#历史", 5, 28),
    ],
    "http_https.md": [
        ("http://example.org/paper", 3, 7),
        ("https://example.org/paper", 3, 37),
    ],
    "same_url_twice.md": [
        ("https://arxiv.org/abs/2009.14082", 3, 38),
        ("https://arxiv.org/abs/2009.14082", 3, 81),
    ],
    "local_and_fragment.md": [("src/Datasets.md", 3, 29), ("#performance", 5, 26)],
    "excluded_schemes.md": [
        ("mailto:someone@example.org", 3, 10),
        ("tel:+4912345", 3, 44),
        ("javascript:void(0)", 3, 63),
        ("ftp://ftp.example.org/x", 3, 89),
        ("data:text/plain,hi", 3, 121),
        ("someone@example.org", 4, 4),
    ],
    "references.md": [
        ("https://arxiv.org/abs/1709.01507", 6, 7),
        ("https://github.com/hujie-frank/SENet", 7, 8),
        ("https://example.org/shortcut", 9, 3),
        ("https://example.org/unused", 10, 11),
    ],
    "autolinks_and_bare.md": [
        ("https://github.com/implus/SKNet", 3, 11),
        ("https://arxiv.org/abs/1903.06586", 3, 53),
        ("https://example.org/in-parens", 4, 2),
        ("www.example.org", 4, 37),
    ],
    "images.md": [
        ("https://example.org/logo.png", 3, 9),
        ("https://github.com/org/repo", 4, 48),
        ("https://img.shields.io/badge/x.svg", 4, 11),
    ],
    "html.md": [
        ("https://ieeexplore.ieee.org/document/9156481", 3, 69),
        ("https://example.org/inline", 4, 16),
        ("https://example.org/i.png", 4, 71),
        ("https://example.org/block", 7, 12),
        ("https://example.org/block.png", 7, 49),
    ],
    "code_ignored.md": [
        ("https://arxiv.org/abs/1711.07971", 3, 16),
        ("https://example.org/after", 13, 57),
    ],
    "table.md": [
        ("https://arxiv.org/abs/1709.01507", 5, 29),
        ("https://github.com/hujie-frank/SENet", 5, 72),
        ("https://arxiv.org/abs/1807.06521", 6, 32),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_construct_url_line_column(name: str) -> None:
    assert found(name) == CASES[name]


def test_every_fixture_has_a_case() -> None:
    assert {p.name for p in FIXTURES.glob("*.md")} - {"entries.md"} == set(CASES)


def test_targets_and_syntax() -> None:
    doc = extract_file(FIXTURES / "excluded_schemes.md")
    assert {link.target for link in doc.links} == {Target.EXCLUDED}
    doc = extract_file(FIXTURES / "local_and_fragment.md")
    assert [link.target for link in doc.links] == [Target.LOCAL, Target.FRAGMENT]
    assert [link.label for link in doc.links] == ["this page", "the leaderboard"]
    doc = extract_file(FIXTURES / "empty_target.md")
    assert all(link.target is Target.EXCLUDED and link.start == link.end for link in doc.links)
    syntax = [link.syntax for link in extract_file(FIXTURES / "images.md").links]
    assert syntax == ["image", "inline", "image"]
    refs = extract_file(FIXTURES / "references.md").links
    assert [link.syntax for link in refs] == ["reference"] * 3 + ["definition"]  # unused
    assert [link.entry for link in refs] == ["Full", "Full", "Full", None]
    auto = extract_file(FIXTURES / "autolinks_and_bare.md").links
    assert [link.syntax for link in auto] == ["autolink", "bare", "bare", "bare"]
    assert auto[-1].target is Target.WEB  # www. links are web links, as GitHub renders them


def test_html_labels_and_anchors() -> None:
    doc = extract_file(FIXTURES / "html.md")
    assert [link.label for link in doc.links[1:3]] == ["the site", "pic"]
    assert [(a.name, a.line, a.source) for a in doc.anchors if a.source == "html"] == [
        ("D-ConvNet", 3, "html"),
        ("results", 8, "html"),
    ]
    assert doc.entries[0].title == "[HAttMatting] Matting (CVPR)"


def test_link_kind_from_label_then_host() -> None:
    assert link_kind("paper", "https://example.org/x") is LinkKind.PAPER
    assert link_kind("Pytorch", "https://example.org/x") is LinkKind.CODE
    assert link_kind("code", "https://arxiv.org/abs/1") is LinkKind.CODE
    assert link_kind("知乎解读", "https://example.org") is LinkKind.BLOG
    assert link_kind("Link", "https://github.com/a/b") is LinkKind.CODE
    assert link_kind("Link", "https://example.org") is LinkKind.BLOG
    assert link_kind("", "https://www.bilibili.com/video/BV1WJ41197dh") is LinkKind.VIDEO
    assert link_kind("", "https://openaccess.thecvf.com/x.pdf") is LinkKind.PAPER
    assert link_kind("", "https://mp.weixin.qq.com/s/abc") is LinkKind.BLOG
    assert link_kind("Some title", "https://example.org/") is LinkKind.OTHER
    assert link_target("HTTPS://x.org") is Target.WEB
    assert link_target("  ") is Target.EXCLUDED
    assert link_target("../README.md#top") is Target.LOCAL


# ---------------------------------------------------------------- entries, sections, anchors


def test_entries_title_venue_section_continuation() -> None:
    doc = extract_file(FIXTURES / "entries.md")
    got = [
        (e.line, e.title, e.section, e.venue and (e.venue.name, e.venue.year, e.venue.raw))
        for e in doc.entries
    ]
    assert got == [
        (6, "DCANet (ECCV-2020)", "Papers > 2020", ("ECCV", 2020, "(ECCV-2020)")),
        (8, "Big Model [NeurIPS 2021]", "Papers > 2020", ("NeurIPS", 2021, "[NeurIPS 2021]")),
        (9, "Follow-up ICCV'19", "Papers > 2020", ("ICCV", 2019, "ICCV'19")),
        (11, "Title Is The Link", "Papers > 2020", ("arXiv", 2021, "arXiv 2021")),
    ]
    # the "Research on this paper" continuation line belongs to the item above it
    assert [link.line for link in doc.entries[0].links] == [6, 7]
    assert {link.entry for link in doc.entries[0].links} == {"DCANet (ECCV-2020)"}
    data = (FIXTURES / "entries.md").read_bytes()
    first = data[doc.entries[0].start : doc.entries[0].end].decode()
    assert first.startswith("- DCANet") and first.endswith("xJgL3t63ipfv2JYsOZpeYg)]")


def test_table_rows_are_entries() -> None:
    doc = extract_file(FIXTURES / "table.md")
    assert [(e.title, e.venue and e.venue.raw) for e in doc.entries] == [
        ("SENet", "CVPR 2018"),
        ("CBAM | v2", "ECCV'18"),
    ]
    assert doc.entries[0].section == ""  # the only h1 is the document's title, not a section


def test_heading_slugs_follow_github() -> None:
    text = (
        "# Title\n## Hello, World!\n## Hello, World!\n"
        "## 性能 对比 (2020)\n## a_b-c `x`\n## Hello, World!\n"
    )
    doc = extract_text(text.encode(), "r.md")
    assert [a.name for a in doc.anchors] == [
        "title",
        "hello-world",
        "hello-world-1",
        "性能-对比-2020",
        "a_b-c-x",
        "hello-world-2",
    ]
    assert slugify("What's New? 🎉") == "whats-new-"


def test_section_keeps_h1_when_there_are_several() -> None:
    doc = extract_text(b"# A\n- x [p](https://a.org)\n# B\n## C\n- y [p](https://b.org)\n", "s.md")
    assert [e.section for e in doc.entries] == ["A", "B > C"]


# ---------------------------------------------------------------- the bundled example list

URL_RE = re.compile(r"https?://[^\s)\]<>\"'`]+")


def test_example_list_every_url_extracted() -> None:
    path = example_list_path()
    data = path.read_bytes()
    text = data.decode()
    text = re.sub(r"```.*?```|`[^`\n]*`|<!--.*?-->", "", text, flags=re.DOTALL)
    expected = sorted(URL_RE.findall(text))
    doc = extract_file(path)
    spans_exact(doc, data)
    got = sorted(link.url for link in doc.links if link.target is Target.WEB)
    assert got == expected
    assert len(got) == 51


def test_example_list_spot_checks() -> None:
    doc = extract_file(example_list_path(), display_name="README.md")
    by_url = {}
    for link in doc.links:
        by_url.setdefault(link.url, []).append(link)
    (blog,) = by_url["https://mp.weixin.qq.com/s/FlA1YrR0sLQGJoJZnSXpRw"]
    assert (blog.file, blog.line, blog.column, blog.kind) == ("README.md", 22, 23, LinkKind.BLOG)
    assert [(x.line, x.column) for x in by_url["https://arxiv.org/abs/2009.14082"]] == [
        (43, 38),
        (43, 81),
    ]
    (senet,) = by_url["https://github.com/moskomule/senet.pytorch"]
    assert (senet.line, senet.kind, senet.section) == (77, LinkKind.CODE, "Papers > 2018")
    assert senet.entry == "Squeeze-and-Excitation Networks(CVPR-2018)"
    (perf,) = by_url["#performance"]
    assert (perf.line, perf.target) == (36, Target.FRAGMENT)
    (local,) = by_url["src/Datasets.md"]
    assert (local.line, local.target) == (28, Target.LOCAL)
    wechat = [x for x in doc.links if x.url.startswith("https://mp.weixin.qq.com/s?__biz")]
    assert [x.line for x in wechat] == [42, 44]


def test_example_list_entries() -> None:
    doc = extract_file(example_list_path())
    entries = {e.line: e for e in doc.entries}
    dcanet = entries[55]
    assert dcanet.title.startswith("DCANet: Learning Connected Attentions")
    assert dcanet.section == "Papers > 2020"
    assert (dcanet.venue.name, dcanet.venue.year, dcanet.venue.raw) == ("ECCV", 2020, "(ECCV-2020)")
    assert len(dcanet.links) == 2  # the paper and the "Research on this paper" line below
    nonlocal_nets = entries[73]
    assert nonlocal_nets.venue.raw == "(CVPR 2018)" and nonlocal_nets.venue.year == 2018
    cbam = entries[79]
    assert cbam.title == "[CBAM] Convolutional Block Attention Module (ECCV)"
    assert (cbam.venue.name, cbam.venue.year) == ("ECCV", None)
    assert entries[38].section == "Papers > arXiv papers"
    assert entries[38].venue is None
    assert len(entries[77].links) == 4
    anchors = [a.name for a in doc.anchors]
    assert {"misc", "datasets", "papers", "leaderboard", "arxiv-papers", "2020"} <= set(anchors)
    assert anchors.count("SANet") == 2


# ---------------------------------------------------------------- bytes, encodings, bad input


def test_crlf_bom_and_multibyte_offsets() -> None:
    data = "\ufeff# T\r\n\r\n- 论文 [paper](https://a.org/x)\r\n- b <https://b.org>\r\n".encode()
    doc = extract_text(data, "w.md")
    spans_exact_crlf = [data[x.start : x.end].decode() for x in doc.links]
    assert spans_exact_crlf == ["https://a.org/x", "https://b.org"]
    assert [(x.line, x.column) for x in doc.links] == [(3, 14), (4, 6)]
    assert doc.anchors[0].name == "t"


def test_invalid_utf8_warns_once_and_keeps_offsets() -> None:
    data = b"# T\n\n- bad \xff\xfe bytes [p](https://a.org/p) \xff\n"
    doc = extract_text(data, "bad.md")
    assert len(doc.warnings) == 1 and "invalid UTF-8" in doc.warnings[0]
    (link,) = doc.links
    assert data[link.start : link.end] == b"https://a.org/p"


def test_empty_file_gives_empty_document_and_warning(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    doc = extract_file(path)
    assert doc.links == () and doc.entries == () and doc.warnings == (f"{path}: empty file",)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.mkdir(), p)[1], "is a directory"),
        (lambda p: (p.write_bytes(b"PK\x03\x04\x00\x00binary"), p)[1], "binary file"),
        (lambda p: (p.write_bytes(b"x"), p.open("r+b").truncate(20 * 2**20), p)[2], "20.0 MB"),
    ],
    ids=["missing", "directory", "binary", "20MB"],
)
def test_bad_input_one_line(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path / "README.md")
    with pytest.raises(InputError) as err:
        extract_file(path, display_name="README.md")
    text = str(err.value)
    assert message in text and "\n" not in text and text.startswith("README.md: ")


def test_size_limit_is_above_the_benchmark() -> None:
    assert 5 * 10**6 < MAX_BYTES < 20 * 2**20


# ---------------------------------------------------------------- property test

_words = st.sampled_from(
    ["attention", "网络", "注意力机制", "（CVPR-2020）", "**bold**", "_em_", "x", "100%", "&amp;"]
)
_urls = st.sampled_from(
    [
        "https://arxiv.org/abs/2010.03045",
        "https://github.com/a/b",
        "https://example.org/a_(b)",
        "https://zh.wikipedia.org/wiki/注意力",
        "#section",
        "src/Datasets.md",
        "mailto:a@b.org",
        "",
    ]
)


@st.composite
def _inline(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 15))
        word, url = draw(_words), draw(_urls)
        parts.append(
            [
                word,
                f"[{word}]({url})",
                f"[[{word}]({url})]",
                f"![{word}]({url})",
                f"<{url}>" if url.startswith("http") else word,
                f"{url}）" if url.startswith("http") else word,
                f"`{url}`",
                f'<a href="{url}">{word}</a>',
                f"[{word}](<{url}>)",
                f"<!-- {url} -->",
                f"~~{url}~~ _{url}_",
                f"www.example.org/{word}",
                "<!-- linkwatch-disable-line -->",
                f"[^{word}]",
                f"[{word}][ref] [ref]",
                f"$x$ {url}",
            ][kind]
        )
    return " ".join(parts)


@st.composite
def _document(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        block = draw(st.integers(0, 9))
        text = draw(_inline())
        if block == 0:
            lines.append("#" * draw(st.integers(1, 4)) + " " + text)
        elif block in (1, 2):
            lines.append("  " * draw(st.integers(0, 3)) + draw(st.sampled_from("-*+")) + " " + text)
        elif block == 3:
            lines += ["```", text, "```"]
        elif block == 4:
            lines += ["| a | b |", "|---|---|", f"| {text} | x |"]
        elif block == 5:
            lines.append("> " + text)
        elif block == 6:
            lines.append(f"[ref]: {draw(_urls) or 'https://r.org'}")
        elif block == 7:
            lines += ["<div>", text, "<pre>", text, "</pre>", "</div>"]
        elif block == 8:
            lines.append(f"[^{draw(_words)}]: {text}")
        else:
            lines.append(text)
        lines.append(draw(st.sampled_from(["", "", "\r"])))
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.binary(max_size=8))
def test_property_never_raises_and_spans_slice_exactly(text: str, noise: bytes) -> None:
    for data in (text.encode(), text.encode() + noise):
        doc = extract_text(data, "gen.md")
        if doc.warnings and "invalid UTF-8" in doc.warnings[0]:
            continue  # a URL may then contain replacement characters
        lines = re.split(r"\r\n|\r|\n", data.decode())
        for link in doc.links:
            assert data[link.start : link.end] == link.url.encode()
            assert lines[link.line - 1][link.column - 1 :].startswith(link.url), link
        for entry in doc.entries:
            assert 0 <= entry.start <= entry.end <= len(data)
            if entry.venue:
                assert data[entry.venue.start : entry.venue.end] == entry.venue.raw.encode()


# ---------------------------------------------------------------- issue 15: defects fixed


def urls(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    doc = extract_text(data, "d.md")
    spans_exact(doc, data)
    return [link.url for link in doc.links]


def test_bare_www_links_are_web_links() -> None:
    data = b"- see www.commonmark.org/help, and (www.example.org/a_(b)).\n- no: xwww.a.org\n"
    doc = extract_text(data, "w.md")
    spans_exact(doc, data)
    assert [(x.url, x.target, x.syntax) for x in doc.links] == [
        ("www.commonmark.org/help", Target.WEB, "bare"),
        ("www.example.org/a_(b)", Target.WEB, "bare"),
    ]


def test_bare_url_after_strikethrough_or_underscore() -> None:
    assert urls("- ~~https://old.example.com/tool~~ (moved)\n- _https://u.example/x_ y\n") == [
        "https://old.example.com/tool",
        "https://u.example/x",
    ]


def test_bare_url_keeps_non_ascii_symbols() -> None:
    assert urls("- https://en.wikipedia.org/wiki/°C is a unit\n") == [
        "https://en.wikipedia.org/wiki/°C"
    ]
    # full-width punctuation right after a URL still ends it
    assert urls("- 论文：https://arxiv.org/abs/2010.00516，代码\n") == [
        "https://arxiv.org/abs/2010.00516"
    ]


def test_no_urls_from_html_pre_or_code() -> None:
    text = (
        "<pre>\nhttps://pre.example/a\n</pre>\n\n<code>\nhttps://code.example/b\n</code>\n\n"
        "Text <code>https://inline-code.example/c</code> and https://after.example/d\n\n"
        '<p><code><a href="https://tag-in-code.example/e">x</a></code></p>\n'
    )
    # an element inside <code> is still rendered as a link; text inside is not
    assert urls(text) == ["https://after.example/d", "https://tag-in-code.example/e"]


def test_one_word_footnote_is_not_a_link_definition() -> None:
    text = "- A claim[^1] and [ref].\n\n[^1]: Wikipedia\n\n[ref]: https://r.example/\n"
    doc = extract_text(text.encode(), "f.md")
    assert [(x.url, x.syntax) for x in doc.links] == [("https://r.example/", "reference")]


def test_crlf_raw_html_attribute_across_a_line_break() -> None:
    data = (
        b'# T\r\n\r\n- a <a\r\n  href="https://h.example/x">t</a>\r\n\r\n'
        b'<div\r\nid="d"><img\r\nsrc="https://i.example/y.png"></div>\r\n'
    )
    doc = extract_text(data, "c.md")
    assert [data[x.start : x.end] for x in doc.links] == [
        b"https://h.example/x",
        b"https://i.example/y.png",
    ]
    assert [(x.line, x.column) for x in doc.links] == [(4, 9), (8, 6)]


@pytest.mark.parametrize("depth", [60, 200])
def test_deep_nesting_is_parsed(depth: int) -> None:
    lists = "".join(f"{'  ' * i}- item [l{i}](https://n.example/{i})\n" for i in range(depth))
    quotes = ">" * depth + " [q](https://q.example/)\n\n"
    text = lists + "\n" + quotes + "after [z](https://z.example/)\n"
    got = urls(text)
    assert got == [f"https://n.example/{i}" for i in range(depth)] + [
        "https://q.example/",
        "https://z.example/",
    ]
    doc = extract_text(text.encode(), "deep.md")
    assert len(doc.entries) == depth and doc.warnings == ()


def test_links_inside_an_image_description_are_its_text() -> None:
    assert urls("![foo [bar](/url)](/url2) [![badge](b.svg)](https://x.example/)\n") == [
        "/url2",
        "https://x.example/",
        "b.svg",
    ]


# ---------------------------------------------------------------- issue 16: sections by level

_INCONSISTENT = """\
# Awesome Counting

## Papers
### arXiv papers
- A [p](https://a.example/1)

## 2025
### Conference
- B (ICCV) [p](https://a.example/2)

### 2024
### Conference
- C [p](https://a.example/3)
### Journal
- D [p](https://a.example/4)
### 2019
### Conference
- E (ICCV) [p](https://a.example/5)

## Leaderboard
#### Deep
- F [p](https://a.example/6)
##### Deeper
- G [p](https://a.example/7)
### Shallower
- H [p](https://a.example/8)
"""


def test_sections_follow_the_heading_levels() -> None:
    doc = extract_text(_INCONSISTENT.encode(), "README.md")
    assert [(e.title.split()[0], e.section) for e in doc.entries] == [
        ("A", "Papers > arXiv papers"),
        ("B", "2025 > Conference"),
        ("C", "2025 > 2024 > Conference"),
        ("D", "2025 > 2024 > Journal"),
        ("E", "2025 > 2019 > Conference"),
        ("F", "Leaderboard > Deep"),
        ("G", "Leaderboard > Deep > Deeper"),
        ("H", "Leaderboard > Shallower"),  # closes the deeper #### and #####
    ]
    assert [x.section for x in doc.links] == [e.section for e in doc.entries]


def test_sections_with_years_one_level_down() -> None:
    text = "## 2025\n### 2024\n#### Conference\n- A [p](https://a.example/1)\n### 2008\n" \
        "#### Conference\n- B [p](https://a.example/2)\n"  # fmt: skip
    doc = extract_text(text.encode(), "y.md")
    assert [e.section for e in doc.entries] == [
        "2025 > 2024 > Conference",
        "2025 > 2008 > Conference",
    ]


def test_empty_headings_do_not_swallow_their_siblings() -> None:
    text = "## Foo\n## Bar\n- A [p](https://a.example/1)\n## Baz\n- B [p](https://a.example/2)\n"
    doc = extract_text(text.encode(), "e.md")
    assert [e.section for e in doc.entries] == ["Bar", "Baz"]
    # a flat table of contents-like run where several sections are empty
    text = "".join(f"### {n}\n" + (f"- E{n} [p](https://a.example/{n})\n" if n % 2 else "")
                   for n in range(1, 7))  # fmt: skip
    doc = extract_text(text.encode(), "flat.md")
    assert [e.section for e in doc.entries] == ["1", "3", "5"]


# ---------------------------------------------------------------- inline ignore comments

_IGNORED = """\
# Ignore

- kept [a](https://kept.example/1)
<!-- linkwatch-disable -->
- off [b](https://off.example/1) and https://off.example/2
<!-- linkwatch-enable -->
- kept again [c](https://kept.example/2)
- this line [d](https://off.example/3) <!-- linkwatch-disable-line -->
<!-- markdown-link-check-disable-next-line -->
- next line [e](https://off.example/4)
- after [f](https://kept.example/3)
<!--markdown-link-check-disable-->
- rest [g](https://off.example/5)
<!-- not-a-directive linkwatch-enable -->
- still off [h](https://off.example/6)
"""


def test_inline_ignore_comments_exclude_with_a_reason() -> None:
    data = _IGNORED.encode()
    doc = extract_text(data, "i.md")
    spans_exact(doc, data)
    got = {x.url: (x.target, x.excluded_reason) for x in doc.links}
    assert len(got) == len(doc.links) == 9
    for url, (target, reason) in got.items():
        if "kept" in url:
            assert (target, reason) == (Target.WEB, ""), url
        else:
            assert target is Target.EXCLUDED and reason.startswith("disabled by inline comment")
    assert "disable-line" in got["https://off.example/3"][1]
    assert "disable-next-line" in got["https://off.example/4"][1]


def test_ignore_comment_inside_code_is_not_a_directive() -> None:
    text = "```\n<!-- linkwatch-disable -->\n```\n\n- [a](https://a.example/)\n"
    (link,) = extract_text(text.encode(), "c.md").links
    assert link.target is Target.WEB and link.excluded_reason == ""


# ---------------------------------------------------------------- shared test material

# shared/ sits next to the checkout (work/main, CI's clone) or two levels up (worktrees)
EXTSUITE = next(
    (
        p / "shared" / "extsuite" / "cases"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "extsuite" / "cases").is_dir()
    ),
    Path("shared/extsuite/cases"),
)

# Cases where linkwatch reads Markdown the way GitHub does (GFM), and the suite does not.
KNOWN_DIFFERENT = {
    "cm-604": "GFM autolinks the bare URL; CommonMark alone does not",
    "cm-610": "GFM autolinks the bare URL; CommonMark alone does not",
    "cm-613": "GFM autolinks the bare URL; CommonMark alone does not",
    "cm-614": "GFM autolinks the bare e-mail address; CommonMark alone does not",
    "ly-unit-underscore_in_urls_end": "GFM drops a trailing _ from a bare URL",
    "ly-fix-TEST_SCHEMES.md": "GFM autolinks http(s)/ftp/www/mailto only, not slack://",
}
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _as_read(link) -> str:
    """A link's URL the way the suite's reference is written (see its README)."""
    import html
    from urllib.parse import unquote

    url = link.url
    if link.syntax in ("inline", "reference", "definition", "image"):
        url = html.unescape(_ESCAPE.sub(r"\1", url))
    elif link.syntax == "html":
        url = html.unescape(url)
    elif url.startswith("www."):
        url = "http://" + url
    elif "@" in url and ":" not in url:
        url = "mailto:" + url
    return unquote(url)


def _suite_failures(name: str) -> list[str]:
    import html
    import json
    from collections import Counter
    from urllib.parse import unquote

    def read(url: str) -> str:
        return unquote(html.unescape(url))

    failures = []
    for case in json.loads((EXTSUITE / f"{name}.json").read_text(encoding="utf-8"))["cases"]:
        doc = extract_text(case["markdown"].encode(), "case.md")
        got = Counter(_as_read(x) for x in doc.links if not x.excluded_reason)
        want = Counter(read(u) for u in case["expected"])
        optional = {read(u) for u in case.get("optional", [])}
        unused_defs = Counter(
            _as_read(x) for x in doc.links if x.syntax == "definition"
        )
        if case["compare"] == "set":
            ok = set(want) <= set(got) and all(u in want or u in optional for u in got)
        else:
            extra = Counter({u: n for u, n in (got - want).items() if u not in optional})
            ok = not (want - got) and not (extra - unused_defs)
        if not ok:
            failures.append(case["id"])
    return failures


@pytest.mark.skipif(not EXTSUITE.is_dir(), reason="shared/extsuite is not on this machine")
@pytest.mark.parametrize("suite", ["commonmark", "gfm", "lychee", "mlc"])
def test_extsuite_cases(suite: str) -> None:
    """Every case of the public test material extracts what its suite expects, but the
    named few where GitHub's reading (GFM) differs from the suite's."""
    failures = _suite_failures(suite)
    expected = sorted(k for k in KNOWN_DIFFERENT if k.startswith({"commonmark": "cm-", "gfm": "gfm",
                      "lychee": "ly-", "mlc": "mlc-"}[suite]))  # fmt: skip
    assert sorted(failures) == expected
