"""Markdown → links, entries and anchors, each with its exact place in the source.

pulldown-cmark (through pyromark) parses: CommonMark plus GFM tables,
strikethrough, task lists and footnotes, so ``[^1]: text`` is a footnote and not a
link definition. Every event comes with the UTF-8 byte range of its construct in
the text parsed, which is the file's bytes (a BOM and invalid bytes are accounted
for in ``_Source``), so spans need no recovery: a destination is read inside its
link's range and checked against the URL the parser decoded; one that does not
verify is searched for in that range, and dropped with a warning if that fails
too. ``data[link.start:link.end] == link.url.encode()`` holds for valid UTF-8.

Bare URLs are GFM's (``autolinks``): found in each run of plain text as written,
so ``~~https://x.org~~`` and ``_https://x.org_`` are found and nothing inside
links, code or HTML ``<pre>``/``<code>`` is. HTML blocks give their ``href``/``src``
links, ``name``/``id`` anchors and the bare URLs of their text; HTML comments give
inline ignore directives (``inline_ignore``).

Sections follow the heading tree by level: a heading closes every open heading of
its level or deeper. Lists that write one level for two (``### 2024`` directly
followed by ``### Conference``, ``### Journal`` … ``### 2023``) get the obvious
tree: when headings of one level under one parent are directly followed, at least
twice, by a same-level heading of the same text (``Conference``), those headings
are group headings that hold the same-level headings after them.

Conventions: ``line`` and ``column`` are 1-based, ``column`` counts characters (not
bytes); ``start``/``end`` are byte offsets into the file as read from disk. A
reference-style link points at the URL in its definition (that is the text a fix
must rewrite); a definition nobody uses is reported once on its own.
"""

from __future__ import annotations

import gc
import html
import re
import stat
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyromark

from . import autolinks
from .errors import UsageError
from .inline_ignore import Ignores
from .models import Anchor, Document, Entry, Link, LinkKind, Target, Venue
from .sites.registry import kind_for
from .venues import find_venue

MAX_BYTES = 10 * 1024 * 1024
"""Largest file read: twice the 5 MB benchmark list and far above any real awesome list."""


class InputError(UsageError):
    """A file that cannot be read as a Markdown list; the message is one line."""


_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_MATH  # GitHub renders $…$ as TeX: no links inside
)
_PARSER = pyromark.Markdown(options=_OPTIONS)

_NEWLINE_B = re.compile(rb"\r\n|\r|\n")
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CHAR_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG = re.compile(rb"<([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_CLOSE_A = re.compile(rb"</a\s*>", re.IGNORECASE)
_ATTR = re.compile(
    rb"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
)
_STRIPPED_TAGS = frozenset((b"link", b"script", b"meta", b"base", b"style"))  # GitHub drops them
_ALT = re.compile(rb"""\balt\s*=\s*["']([^"']*)""", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_VERBATIM = re.compile(rb"<(pre|code)\b[^>]*>.*?(?:</\1\s*>|$)", re.DOTALL | re.IGNORECASE)
_VERBATIM_TAG = re.compile(rb"<(/?)(?:pre|code)\b", re.IGNORECASE)
_SPACED_TARGET = re.compile(
    r"\[([^\[\]\n]*)\]\([ \t]*((?:https?|ftp)://[^()<>\s]*(?:[ \t]+[^()<>\s\"']+)+)[ \t]*\)"
)
_TITLE_END = re.compile(r"\[[^\[\]]*\]\(\s*(?:https?|ftp)://|(?:https?|ftp)://|mailto:")
_BARE_HINT = re.compile(rb"://|www\.|@")
_WWW_BEFORE = frozenset(b" \t\r\n*_~(")
_DEST_END = frozenset((b")", b" ", b"\t", b"\n", b"\r", b""))
buf_startswith = bytes.startswith


# ---------------------------------------------------------------- link kind and target


def link_target(url: str) -> Target:
    """web for http(s), local for relative paths, fragment for ``#x``, else excluded."""
    u = url.strip()
    if not u:
        return Target.EXCLUDED
    if u.startswith("#"):
        return Target.FRAGMENT
    m = _SCHEME.match(u)
    if m:
        return Target.WEB if m.group(1).lower() in ("http", "https") else Target.EXCLUDED
    if u.startswith("//"):
        return Target.WEB
    if "@" in u and "/" not in u:  # e-mail autolink <someone@example.org>
        return Target.EXCLUDED
    return Target.LOCAL


_LABEL_KINDS: tuple[tuple[LinkKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (LinkKind.PAPER, r"\b(paper|pdf|arxiv|openreview|doi|ieee|acm|springer|论文)\b|论文"),
        (
            LinkKind.CODE,
            r"\b(code|codes|github|gitlab|gitee|pytorch|tensorflow|tf|keras|mxnet|jax|"
            r"paddle|caffe|implementation|official|unofficial|repo|source)\b|代码",
        ),
        (LinkKind.VIDEO, r"\b(video|youtube|bilibili|talk|presentation|oral)\b|视频"),
        (
            LinkKind.BLOG,
            r"\b(blog|zhihu|medium|wechat|post|article|notes?|review|tutorial)\b|知乎|解读|"
            r"公众号|微信|博客",
        ),
        (LinkKind.DATASET, r"\b(dataset|datasets|data|benchmark)\b|数据集"),
        (LinkKind.PROJECT, r"\b(project|homepage|home page|website|page|demo|site)\b|主页"),
    )
)
_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)(?::\d+)?([^?#]*)")


def _host_kind(url: str) -> LinkKind | None:
    """The kind its site declares (``sites.registry``), else a paper for a ``.pdf`` path."""
    m = _HOST.match(url.strip())
    if not m:
        return None
    host, path = m.group(1).lower(), m.group(2)
    kind = kind_for(host, path)
    if kind is not None:
        return kind
    if path.lower().endswith(".pdf"):
        return LinkKind.PAPER
    return None


@lru_cache(maxsize=4096)
def _label_kind(label: str) -> LinkKind | None:
    for kind, pattern in _LABEL_KINDS:
        if pattern.search(label):
            return kind
    return None


def link_kind(label: str, url: str) -> LinkKind:
    """Kind from the label first (``[code]``), the host second; ``[Link]`` defers to the host."""
    text = label.strip()
    if text and text.lower() != "link":
        by_label = _label_kind(text)
        if by_label is not None:
            return by_label
    by_host = _host_kind(url)
    if by_host is not None:
        return by_host
    return LinkKind.BLOG if text.lower() == "link" else LinkKind.OTHER


# ---------------------------------------------------------------- anchors


def slugify(text: str) -> str:
    """GitHub's heading slug: lower-case, drop punctuation except ``-``/``_``, space → ``-``."""
    out = []
    for ch in text.strip().lower():
        if ch == " ":
            out.append("-")
        elif ch in "-_" or unicodedata.category(ch)[0] in "LMN":
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------- source coordinates


class _Source:
    """The file's bytes, the text the parser sees, and offset ↔ line/column bookkeeping.

    ``buf`` is ``text`` encoded, the bytes every parser range points into. It is
    the file itself unless the file starts with a BOM (not parsed: GitHub ignores
    it) or holds invalid UTF-8 (each bad byte becomes U+FFFD, three bytes in ``buf``);
    ``to_data`` maps a ``buf`` offset back to the file.
    """

    def __init__(self, data: bytes) -> None:
        self.bad_utf8 = False
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", "surrogateescape")
            self.bad_utf8 = True
        self.bom = text.startswith("\ufeff")
        if self.bom:
            text = text[1:]
        self.replaced: list[int] = []  # buf offsets just past each U+FFFD put for a bad byte
        if self.bad_utf8:
            at, last = 0, 0
            for m in _SURROGATE.finditer(text):
                at += len(text[last : m.start()].encode()) + 3
                self.replaced.append(at)
                last = m.end()
            text = _SURROGATE.sub("\ufffd", text)
        self.text = text
        self.buf = text.encode() if (self.bom or self.bad_utf8) else data
        self.size = len(data)
        self.line_starts = [0, *(m.end() for m in _NEWLINE_B.finditer(self.buf))]

    def to_data(self, off: int) -> int:
        if self.replaced:
            off -= 2 * bisect_right(self.replaced, off)
        return off + 3 if self.bom else off

    def line_col(self, off: int) -> tuple[int, int]:
        """0-based line and character column of ``buf`` offset ``off``."""
        line = bisect_right(self.line_starts, off) - 1
        start = self.line_starts[line]
        seg = self.buf[start:off]
        col = off - start if seg.isascii() else len(seg.decode("utf-8", "replace"))
        if line == 0 and self.bom:
            col += 1
        return line, col


def _unescape(raw: str) -> str:
    """A destination as CommonMark reads it: backslash escapes and entities resolved."""
    raw = _MD_ESCAPE.sub(r"\1", raw)
    return _CHAR_REF.sub(lambda m: html.unescape(m.group(0)), raw) if "&" in raw else raw


def _norm_label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _clean(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- walking the events


@dataclass(slots=True)
class _Draft:
    """A link found but not final: its label, section and entry come later."""

    pos: int  # buf offset of the URL text; -1 while not located
    end: int
    url: str
    label: str
    syntax: str
    heading: int  # index of the last heading before it, -1 for none
    target: Target | None = None  # set where the URL alone does not tell (``www.``)
    entry: str | None = None  # the title of its entry
    link: Link | None = None  # the final value


class _Ctx:
    """A list item or table row being read."""

    __slots__ = ("blanks", "drafts", "end", "heading", "row", "start", "title", "title_done",
                 "title_parts", "venue")  # fmt: skip

    def __init__(self, start: int, end: int, heading: int, row: bool) -> None:
        self.start = start
        self.end = end
        self.heading = heading
        self.row = row
        self.title_parts: list[str] = []
        self.title_done = False
        self.drafts: list[_Draft] = []
        self.blanks: list[tuple[int, int]] = []  # not searched for a venue
        self.title = ""
        self.venue: Venue | None = None


@dataclass(slots=True)
class _Heading:
    level: int
    text: str
    start: int
    content_after: bool = True  # False: the next heading follows with nothing between


@dataclass(slots=True)
class _LinkFrame:
    draft: _Draft | None
    kind: str  # Link | Image
    start: int
    end: int
    rng: Any
    parts: list[str] = field(default_factory=list)


class _Walker:
    def __init__(self, src: _Source, file: str) -> None:
        self.src = src
        self.buf = src.buf
        self.file = file
        self.defs: dict[str, tuple[str, int, int, str]] = {}
        for label, d in _PARSER.reference_definitions(src.text).items():
            key = _norm_label(label)
            if key not in self.defs:
                self.defs[key] = (d["dest"], d["span"]["start"], d["span"]["end"], label)
        self.def_pos: dict[str, tuple[int, int] | None] = {}
        self.used_defs: set[str] = set()
        self.headings: list[_Heading] = []
        self.heading: tuple[int, list[str], int] | None = None
        self.cur_heading = -1
        self.block_seen = False
        self.slugs: dict[str, int] = {}
        self.stack: list[_Ctx] = []
        self.ctx: _Ctx | None = None
        self.closed: list[_Ctx] = []
        self.drafts: list[_Draft] = []
        self.frames: list[_LinkFrame] = []
        self.html_a: tuple[_Draft, list[str]] | None = None
        self.html_pieces: list[tuple[int, int]] | None = None
        self.code_block = False
        self.verbatim = 0  # open inline <pre>/<code> tags of the current block
        self.in_image = 0
        self.anchors: list[Anchor] = []
        self.warnings: list[str] = []
        self.ignores = Ignores()
        self.sinks: list[list[str]] = []

    # -- the event loop -------------------------------------------------------

    def run(self) -> None:
        buf = self.buf
        sinks = self.sinks
        frames = self.frames
        drafts = self.drafts
        bare_hint = _BARE_HINT.search
        find = buf.find
        run_s = run_e = -1  # the current run of plain text, bytes [run_s, run_e)
        last: Any = None
        cur: Any = None
        for ev, rng in _PARSER.events_with_range(self.src.text):
            last, cur = cur, rng
            if ev.__class__ is str:  # SoftBreak, HardBreak, Rule
                if run_s >= 0:
                    if bare_hint(buf, run_s, run_e) or find(b"](", run_s, run_e) >= 0:
                        self._bare(run_s, run_e)
                    run_s = -1
                if ev == "Rule":
                    self.block_seen = True
                else:
                    for sink in sinks:
                        sink.append(" ")
                continue
            text = ev.get("Text")
            if text is not None:
                if self.code_block:
                    continue
                for sink in sinks:
                    sink.append(text)
                if frames or self.verbatim:
                    continue
                s = rng["start"]
                if run_s >= 0 and (s == run_e or (s == run_e + 1 and buf[run_e] == 0x5C)):
                    run_e = rng["end"]
                else:
                    if run_s >= 0 and (
                        bare_hint(buf, run_s, run_e) or find(b"](", run_s, run_e) >= 0
                    ):
                        self._bare(run_s, run_e)
                    run_s, run_e = s, rng["end"]
                continue
            if run_s >= 0:
                if bare_hint(buf, run_s, run_e) or find(b"](", run_s, run_e) >= 0:
                    self._bare(run_s, run_e)
                run_s = -1
            tag = ev.get("Start")
            if tag is not None:
                if tag.__class__ is dict:
                    info = tag.get("Link")
                    kind = "Link"
                    if info is None:
                        info = tag.get("Image")
                        kind = "Image"
                    if info is not None:
                        if info["link_type"] == "Inline" and not self.in_image:
                            # the common case inline: ``[label](url)`` written as parsed
                            dest = info["dest_url"]
                            raw = dest.encode()
                            e = rng["end"]
                            at = e - len(raw) - 1
                            if buf_startswith(buf, b"](" + raw + b")", at - 2):
                                syntax = "inline" if kind == "Link" else "image"
                                d = _Draft(at, e - 1, dest, "", syntax, self.cur_heading)
                                drafts.append(d)
                                ctx = self.ctx
                                if ctx is not None:
                                    ctx.drafts.append(d)
                                    ctx.blanks.append((rng["start"], e))
                                    if not ctx.title_done:
                                        ctx.title_done = True
                                        self._resink()
                                if kind == "Image":
                                    self.in_image += 1
                                frame = _LinkFrame(d, kind, rng["start"], e, rng)
                                frames.append(frame)
                                sinks.append(frame.parts)
                                continue
                        frame = self._open_link(kind, info, rng)
                        frames.append(frame)
                        sinks.append(frame.parts)
                        continue
                self._start(tag, rng)
                continue
            tag = ev.get("End")
            if tag is not None:
                if tag == "Link" or tag == "Image":
                    frame = frames.pop()
                    parts = frame.parts
                    if sinks and sinks[-1] is parts:
                        sinks.pop()
                    else:
                        self._resink()
                    d = frame.draft
                    if tag == "Link" and d is not None and d.pos >= 0:
                        d.label = " ".join("".join(parts).split())
                    else:
                        self._close_link(frame, last)
                    continue
                self._end(tag, rng)
                continue
            code = ev.get("Code")
            if code is not None:
                for sink in sinks:
                    sink.append(code)
                if self.ctx is not None:
                    self.ctx.blanks.append((rng["start"], rng["end"]))
                continue
            raw_html = ev.get("InlineHtml")
            if raw_html is not None:
                self._inline_html(rng["start"], rng["end"])
            elif "Html" in ev and self.html_pieces is not None:
                self.html_pieces.append((rng["start"], rng["end"]))
        self.ignores.finish(len(buf))

    def _text(self, s: str) -> None:
        for sink in self.sinks:
            sink.append(s)

    def _resink(self) -> None:
        """Which lists collect plain text now: heading, link labels, the entry's title."""
        sinks = [frame.parts for frame in self.frames]
        if self.heading is not None:
            sinks.append(self.heading[1])
        if self.html_a is not None:
            sinks.append(self.html_a[1])
        ctx = self.ctx
        if ctx is not None and not ctx.title_done:
            sinks.append(ctx.title_parts)
        self.sinks[:] = sinks

    def _start(self, tag: Any, rng: Any) -> None:
        if tag.__class__ is str:
            if tag == "Item":
                self._open(rng, row=False)
            elif tag in ("TableRow", "TableHead"):
                self._open(rng, row=True)
            elif tag == "HtmlBlock":
                self.html_pieces = []
                self.block_seen = True
            elif tag in ("Paragraph", "TableCell"):
                self.block_seen = True
                self.verbatim = 0
            return
        key, info = next(iter(tag.items()))
        if key == "Heading":
            if self.headings:
                self.headings[-1].content_after = self.block_seen
            self.heading = (int(info["level"][1]), [], rng["start"])
            self.verbatim = 0
            self._resink()
        else:  # List, BlockQuote, CodeBlock, Table, FootnoteDefinition, …
            self.block_seen = True
            if key == "CodeBlock":
                self.code_block = True

    def _end(self, tag: Any, rng: Any) -> None:
        if tag.__class__ is str:
            if tag in ("Item", "TableRow", "TableHead"):
                self._close(rng)
            elif tag == "TableCell":
                ctx = self.ctx
                if ctx is not None and ctx.row and "".join(ctx.title_parts).strip():
                    ctx.title_done = True
                    self._resink()
            elif tag == "CodeBlock":
                self.code_block = False
            elif tag == "HtmlBlock":
                self._html_block(rng["start"], rng["end"])
            return
        if "Heading" in tag and self.heading is not None:
            self._heading()

    # -- containers and headings ----------------------------------------------

    def _open(self, rng: Any, row: bool) -> None:
        s, e = rng["start"], rng["end"]
        e = s + len(self.buf[s:e].rstrip())
        self.block_seen = True
        parent = self.ctx
        ctx = _Ctx(s, e, self.cur_heading, row)
        self.stack.append(ctx)
        self.ctx = ctx
        if parent is not None and not parent.title_done:
            self._resink()
        else:
            self.sinks.append(ctx.title_parts)

    def _close(self, rng: Any) -> None:
        ctx = self.stack.pop()
        self.ctx = self.stack[-1] if self.stack else None
        if ctx.title_done and (self.ctx is None or self.ctx.title_done):
            pass  # neither collects title text: the sinks stay as they are
        else:
            self._resink()
        if self.ctx is not None:
            self.ctx.blanks.append((ctx.start, ctx.end))
        if not ctx.drafts:
            return
        title = _clean("".join(ctx.title_parts))
        if ":" in title:
            title = _TITLE_END.split(title, maxsplit=1)[0]
        title = title.rstrip(" [(（【:：-–—|").strip()
        ctx.title = title or ctx.drafts[0].label
        for d in ctx.drafts:
            d.entry = ctx.title
        ctx.venue = self._venue(ctx)
        self.closed.append(ctx)

    def _heading(self) -> None:
        assert self.heading is not None
        level, parts, start = self.heading
        self.heading = None
        self._resink()
        text = _clean("".join(parts))
        slug = base = slugify(text)
        while slug in self.slugs:
            self.slugs[base] += 1
            slug = f"{base}-{self.slugs[base]}"
        self.slugs[slug] = 0
        line, _ = self.src.line_col(start)
        self.anchors.append(Anchor(self.file, slug, line + 1, "heading"))
        self.headings.append(_Heading(level, text, start))
        self.cur_heading = len(self.headings) - 1
        self.block_seen = False

    # -- links ----------------------------------------------------------------

    def _add(
        self, pos: int, end: int, url: str, label: str, syntax: str, target: Target | None = None
    ) -> _Draft:
        d = _Draft(pos, end, url, label, syntax, self.cur_heading, target)
        self.drafts.append(d)
        ctx = self.ctx
        if ctx is not None:
            ctx.drafts.append(d)
            if not ctx.title_done:
                ctx.title_done = True
                self._resink()
        return d

    def _open_link(self, kind: str, info: dict[str, Any], rng: Any) -> _LinkFrame:
        s, e = rng["start"], rng["end"]
        link_type = info["link_type"]
        d: _Draft | None = None
        if self.in_image:  # an image's description is text (its alt), not links
            link_type = ""
        if kind == "Image":
            self.in_image += 1
        if link_type == "Inline":
            dest = info["dest_url"]
            raw = dest.encode()
            at = e - len(raw) - 1
            if buf_startswith(self.buf, b"](" + raw + b")", at - 2):  # as parsed, no title
                d = self._add(at, e - 1, dest, "", "image" if kind == "Image" else "inline")
            else:  # located once its label has been read
                d = self._add(-1, -1, dest, "", "image" if kind == "Image" else "inline")
        elif link_type in ("Autolink", "Email"):
            url = self.buf[s + 1 : e - 1].decode("utf-8", "replace")
            d = self._add(s + 1, e - 1, url, "", "autolink")
        elif link_type in ("Reference", "Collapsed", "Shortcut"):
            key = _norm_label(info["id"])
            where = self._definition(key)
            if where is not None:
                self.used_defs.add(key)
                a, b = where
                d = self._add(a, b, self.buf[a:b].decode("utf-8", "replace"), "", "reference")
        if self.ctx is not None:
            self.ctx.blanks.append((s, e))
        return _LinkFrame(d, kind, s, e, rng)

    def _close_link(self, frame: _LinkFrame, last: Any) -> None:
        if frame.kind == "Image":
            self.in_image -= 1
        d = frame.draft
        if d is None:
            return
        d.label = " ".join("".join(frame.parts).split())
        if d.pos >= 0:
            return
        buf, s, e = self.buf, frame.start, frame.end
        label_from = s + (2 if frame.kind == "Image" else 1)
        after = label_from if last is frame.rng else max(label_from, last["end"])
        close = buf.find(b"]", after, e)
        where = self._destination(close + 2, e, d.url) if close >= 0 else None
        if where is None or buf[close + 1 : close + 2] != b"(":
            at = buf.rfind(d.url.encode(), s, e)
            where = (at, at + len(d.url.encode())) if at >= 0 and d.url else None
        if where is None:
            line, _ = self.src.line_col(s)
            self.warnings.append(f"{self.file}:{line + 1}: could not locate {d.url!r}; skipped")
            self.drafts.remove(d)
            if self.ctx is not None and d in self.ctx.drafts:
                self.ctx.drafts.remove(d)
            return
        d.pos, d.end = where
        d.url = buf[d.pos : d.end].decode("utf-8", "replace")
        if self.ctx is not None:
            self.ctx.blanks.append(where)

    def _destination(self, p: int, limit: int, want: str) -> tuple[int, int] | None:
        """Bytes of the destination starting at or after ``p`` if it reads as ``want``."""
        buf = self.buf
        raw_want = want.encode()
        end = p + len(raw_want)
        if buf.startswith(raw_want, p) and buf[end : end + 1] in _DEST_END:
            return p, end  # the common case: written as parsed, right after the parenthesis
        newline = False
        while p < limit and (buf[p] in b" \t\r\n" or (newline and buf[p] == 0x3E)):
            newline = newline or buf[p] in b"\r\n"
            p += 1
        if p < limit and buf[p] == 0x3C:  # <dest>
            q = p + 1
            while q < limit and buf[q] != 0x3E and buf[q] not in b"\r\n":
                q += 2 if buf[q] == 0x5C else 1
            a, b = p + 1, min(q, limit)
        else:
            q, depth = p, 0
            while q < limit:
                c = buf[q]
                if c == 0x5C:
                    q += 2
                    continue
                if c <= 0x20:
                    break
                if c == 0x28:
                    depth += 1
                elif c == 0x29:
                    if depth == 0:
                        break
                    depth -= 1
                q += 1
            a, b = p, min(q, limit)
        raw = buf[a:b].decode("utf-8", "replace")
        return (a, b) if raw == want or _unescape(raw) == want else None

    def _definition(self, key: str) -> tuple[int, int] | None:
        """Where the destination of definition ``key`` is written (cached)."""
        if key in self.def_pos:
            return self.def_pos[key]
        found = self.defs.get(key)
        where = None
        if found is not None:
            dest, s, e, _ = found
            buf = self.buf
            q = s + 1
            while q < e and buf[q] != 0x5D:
                q += 2 if buf[q] == 0x5C else 1
            if buf[q + 1 : q + 2] == b":":
                where = self._destination(q + 2, e, dest)
        self.def_pos[key] = where
        return where

    # -- plain text -----------------------------------------------------------

    def _bare(self, s: int, e: int) -> None:
        """Bare URLs (and author-meant ``[x](a b.pdf)``) in one run of plain text."""
        buf = self.buf
        if not _BARE_HINT.search(buf, s, e) and buf.find(b"](", s, e) < 0:
            return
        chunk = buf[s:e]
        text = chunk.decode("utf-8", "replace")
        ascii_ = chunk.isascii()

        def at(i: int) -> int:
            return s + (i if ascii_ else len(text[:i].encode()))

        if "](" in text:
            # ``[x](https://a.org/my file.pdf)`` is not a link to CommonMark, but it is
            # what the author meant: report the whole target rather than its first word
            spaced = list(_SPACED_TARGET.finditer(text))
            for m in spaced:
                a = at(m.start(2))
                self._add(a, a + len(m.group(2).encode()), m.group(2), _clean(m.group(1)), "inline")
                if self.ctx is not None:
                    self.ctx.blanks.append((at(m.start()), at(m.end())))
            for m in reversed(spaced):
                text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
        www_ok = s == 0 or buf[s - 1] in _WWW_BEFORE
        for a, b in autolinks.find(text, www_ok):
            url = text[a:b]
            pa = at(a)
            pb = pa + len(url.encode())
            self._add(pa, pb, url, "", "bare", Target.WEB if url.startswith("www.") else None)
            if self.ctx is not None:
                self.ctx.blanks.append((pa, pb))

    # -- HTML -----------------------------------------------------------------

    def _inline_html(self, s: int, e: int) -> None:
        raw = self.buf[s:e]
        if self.ctx is not None:
            self.ctx.blanks.append((s, e))
        if raw.startswith(b"<!--"):
            self._comment(raw, s, e)
            return
        if _CLOSE_A.match(raw):
            if self.html_a is not None:
                d, parts = self.html_a
                d.label = _clean("".join(parts))
                self.html_a = None
                self._resink()
            return
        m = _VERBATIM_TAG.match(raw)
        if m is not None:
            self.verbatim = max(0, self.verbatim + (-1 if m.group(1) else 1))
        for d, is_a in self._tag_links(raw, s):
            if is_a:
                self.html_a = (d, [])
                self._resink()

    def _comment(self, raw: bytes, s: int, e: int) -> None:
        first, _ = self.src.line_col(s)
        last, _ = self.src.line_col(e)
        self.ignores.comment(raw, s, e, first, last)

    def _tag_links(self, text: bytes, offset: int) -> list[tuple[_Draft, bool]]:
        """``href``/``src`` links and ``name``/``id`` anchors of the tags in ``text``."""
        out: list[tuple[_Draft, bool]] = []
        for tag in _TAG.finditer(text):
            name = tag.group(1).lower()
            if name in _STRIPPED_TAGS:
                continue
            for attr in _ATTR.finditer(text, tag.start(2), tag.end(2)):
                key = attr.group(1).lower()
                g = next(i for i in (2, 3, 4) if attr.group(i) is not None)
                value = attr.group(g).decode("utf-8", "replace")
                a, b = offset + attr.start(g), offset + attr.end(g)
                if key in (b"href", b"src"):
                    label = ""
                    if name == b"img":
                        alt = _ALT.search(tag.group(2))
                        label = alt.group(1).decode("utf-8", "replace") if alt else ""
                    d = self._add(a, b, value, label, "html")
                    out.append((d, name == b"a" and key == b"href"))
                elif key == b"id" or (key == b"name" and name == b"a"):
                    line, _ = self.src.line_col(a)
                    self.anchors.append(Anchor(self.file, value, line + 1, "html"))
        return out

    def _html_block(self, s: int, e: int) -> None:
        """Links, anchors, bare URLs and ignore comments of one HTML block."""
        pieces, self.html_pieces = self.html_pieces or [], None
        block = bytearray(b" " * (e - s))  # container prefixes and line ends stay blank
        for a, b in pieces:
            block[a - s : b - s] = self.buf[a:b]
        if self.ctx is not None:
            self.ctx.blanks.append((s, e))

        def blank(m: re.Match[bytes]) -> None:
            block[m.start() : m.end()] = b" " * (m.end() - m.start())

        for m in list(_COMMENT.finditer(block)):
            self._comment(m.group(0), s + m.start(), s + m.end())
            blank(m)
        visible = bytes(block)
        self._tag_links(visible, s)  # <code><a href=…> is still a link on GitHub
        for m in list(_TAG.finditer(visible)):
            blank(m)
        for m in list(_VERBATIM.finditer(visible)):  # but text in <pre>/<code> is not
            blank(m)
        if not _BARE_HINT.search(block):
            return
        text = block.decode("utf-8", "replace")
        ascii_ = block.isascii()
        for a, b in autolinks.find(text):
            url = text[a:b]
            pa = s + (a if ascii_ else len(text[:a].encode()))
            www = url.startswith("www.")
            self._add(pa, pa + len(url.encode()), url, "", "bare", Target.WEB if www else None)

    # -- venues ---------------------------------------------------------------

    def _venue(self, ctx: _Ctx) -> Venue | None:
        """The venue in the entry's own text: links, code, HTML and sub-items left out."""
        s, e = ctx.start, ctx.end
        buf = self.buf
        chunk = buf[s:e]
        text = chunk.decode("utf-8", "replace")
        m = find_venue(text)
        if m is None:
            return None
        a = s + (m.start if chunk.isascii() else len(text[: m.start].encode()))
        b = a + len(m.raw.encode())
        if not any(x < b and a < y for x, y in ctx.blanks):  # the usual case: outside links
            to_data = self.src.to_data
            return Venue(m.name, m.year, m.raw, to_data(a), to_data(b))
        pieces: list[bytes] = []
        starts: list[int] = []
        at = s
        for a, b in sorted(ctx.blanks):
            if a > at:
                starts.append(at)
                pieces.append(buf[at : min(a, e)])
            if b > at:
                at = b
        if at < e:
            starts.append(at)
            pieces.append(buf[at:e])
        joined = b"\n".join(pieces)  # nothing matches across a left-out part
        text = joined.decode("utf-8", "replace")
        m = find_venue(text)
        if m is None:
            return None
        off = m.start if joined.isascii() else len(text[: m.start].encode())
        raw = m.raw.encode()
        for at, piece in zip(starts, pieces, strict=True):
            if off < len(piece):
                a = at + off
                if buf[a : a + len(raw)] != raw:
                    return None
                to_data = self.src.to_data
                return Venue(m.name, m.year, m.raw, to_data(a), to_data(a + len(raw)))
            off -= len(piece) + 1
        return None

    # -- the document ---------------------------------------------------------

    def _sections(self) -> list[str]:
        """The section path of every heading (see the module docstring)."""
        hs = self.headings
        h1 = [i for i, h in enumerate(hs) if h.level == 1]
        skip_h1 = len(h1) == 1 and h1[0] == 0
        parent: list[int] = []
        stack: list[int] = []
        for i, h in enumerate(hs):
            while stack and hs[stack[-1]].level >= h.level:
                stack.pop()
            parent.append(stack[-1] if stack else -1)
            stack.append(i)
        grouping = [
            i < len(hs) - 1 and not h.content_after and hs[i + 1].level == h.level
            for i, h in enumerate(hs)
        ]
        # the headings they head recur (Conference under 2024, 2023, …): a flat list
        # of sections, some of them empty, is not mistaken for groups
        heads = Counter(
            (parent[i], hs[i].level, hs[i + 1].text) for i in range(len(hs)) if grouping[i]
        )
        paths: list[str] = []
        open_: list[tuple[float, str]] = []
        for i, h in enumerate(hs):
            group = grouping[i] and heads[(parent[i], h.level, hs[i + 1].text)] >= 2
            level = h.level - 0.5 if group else h.level
            while open_ and open_[-1][0] >= level:
                open_.pop()
            if not (i == 0 and skip_h1):
                open_.append((level, h.text))
            paths.append(" > ".join(text for _, text in open_))
        return paths

    def _heading_at(self, pos: int) -> int:
        return bisect_right([h.start for h in self.headings], pos) - 1

    def document(self) -> Document:
        src = self.src
        for key, (_, ds, _, label) in self.defs.items():
            if key in self.used_defs:
                continue
            where = self._definition(key)
            if where is None:
                continue
            a, b = where
            d = _Draft(a, b, self.buf[a:b].decode("utf-8", "replace"), _clean(label),
                       "definition", self._heading_at(ds))  # fmt: skip
            self.drafts.append(d)
        paths = self._sections()
        ignores = self.ignores if self.ignores else None
        shifted = src.bom or bool(src.replaced)
        to_data = src.to_data
        buf, line_starts, file = self.buf, src.line_starts, self.file
        web = Target.WEB
        links: list[Link] = []
        for d in self.drafts:
            pos, url = d.pos, d.url
            line = bisect_right(line_starts, pos) - 1
            ls = line_starts[line]
            seg = buf[ls:pos]
            col = pos - ls if seg.isascii() else len(seg.decode("utf-8", "replace"))
            if line == 0 and src.bom:
                col += 1
            if d.target is not None:
                target = d.target
            elif url.startswith(("https://", "http://")):
                target = web
            else:
                target = link_target(url)
            reason = ignores.reason(pos, line) if ignores is not None else ""
            if reason:
                target = Target.EXCLUDED
            link = Link(
                url,
                file,
                line + 1,
                col + 1,
                to_data(pos) if shifted else pos,
                to_data(d.end) if shifted else d.end,
                d.label,
                link_kind(d.label, url),
                target,
                paths[d.heading] if d.heading >= 0 else "",
                d.entry,
                d.syntax,
                reason,
            )
            d.link = link
            links.append(link)
        entries = [
            Entry(
                file,
                bisect_right(line_starts, ctx.start),  # 1-based line of the item's first byte
                paths[ctx.heading] if ctx.heading >= 0 else "",
                ctx.title,
                ctx.venue,
                tuple([d.link for d in ctx.drafts]),  # type: ignore[misc]
                to_data(ctx.start) if shifted else ctx.start,
                to_data(ctx.end) if shifted else ctx.end,
            )
            for ctx in self.closed
        ]
        entries.sort(key=lambda entry: entry.start)
        return Document(
            file=self.file,
            links=tuple(links),
            entries=tuple(entries),
            anchors=tuple(self.anchors),
            warnings=tuple(self.warnings),
        )


# ---------------------------------------------------------------- public API


def extract_text(data: bytes, file: str) -> Document:
    """Every link, entry and anchor of one Markdown file's bytes. Pure; never raises."""
    if not data.strip():
        return Document(
            file=file, links=(), entries=(), anchors=(), warnings=(f"{file}: empty file",)
        )
    src = _Source(data)
    walker = _Walker(src, file)
    if src.bad_utf8:
        walker.warnings.append(f"{file}: invalid UTF-8, decoded with replacement characters")
    # hundreds of thousands of small objects and no reference cycles: the cyclic
    # collector would only rescan them over and over (a third of the time on 5 MB)
    collecting = gc.isenabled()
    gc.disable()
    try:
        walker.run()
        return walker.document()
    finally:
        if collecting:
            gc.enable()


def extract_file(path: Path, display_name: str | None = None) -> Document:
    """Read and extract one file; unusable input raises ``InputError`` with one line."""
    name = display_name or str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name}: is a directory, not a Markdown file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name}: not a regular file")
    if st.st_size > MAX_BYTES:
        raise InputError(
            f"{name}: {st.st_size / 2**20:.1f} MB is over the {MAX_BYTES // 2**20} MB limit"
            " for one Markdown list"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    if b"\0" in data:
        raise InputError(f"{name}: binary file (contains NUL bytes), not Markdown")
    return extract_text(data, name)
