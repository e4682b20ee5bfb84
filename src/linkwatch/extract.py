"""Markdown → links, entries and anchors, each with its exact place in the source.

markdown-it-py parses (CommonMark + tables, raw HTML on), but it only gives block
line maps. Positions are recovered in two steps:

1. the inline rules that create links, images, autolinks, raw HTML and code spans
   are wrapped so each token records where its construct (and, for links, the
   destination) sits inside the text of its inline token; reference definitions
   record their destination directly in source coordinates;
2. the inline token's text is mapped back onto the source: each of its lines is a
   suffix of one source line (container markers and indentation removed), or a
   cell of a table row (found left to right).

Every span is verified by slicing the source; one that does not verify is searched
for on its line instead, and dropped with a warning if that fails too, so
``data[link.start:link.end] == link.url.encode()`` always holds for valid UTF-8.

Speed: inline text of the common shapes (plain text, simple ``[x](url)``, code spans,
HTML tags) is tokenised by one regex pass instead of markdown-it's rule chain (a
property test holds the two equal), inline parsing runs block by block during the
walk, and block tokens are dropped once walked (see docs/benchmarks.md).

Bare URLs are found by linkify-it-py in the inline text with every link, code span
and HTML tag blanked out, then trimmed at CJK/full-width punctuation (``）】，。``).

Conventions: ``line`` and ``column`` are 1-based, ``column`` counts characters (not
bytes); ``start``/``end`` are byte offsets into the file as read from disk. A
reference-style link points at the URL in its definition (that is the text a fix
must rewrite); a definition nobody uses is reported once on its own.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .models import Anchor, Document, Entry, Link, LinkKind, Target, Venue
from .sites.registry import kind_for
from .venues import find_venue

MAX_BYTES = 10 * 1024 * 1024
"""Largest file read: twice the 5 MB benchmark list and far above any real awesome list."""


class InputError(Exception):
    """A file that cannot be read as a Markdown list; the message is one line."""


# ---------------------------------------------------------------- the parser


def _record_link(original: Callable[..., bool], image: bool) -> Callable[..., bool]:
    def rule(state: StateInline, silent: bool) -> bool:
        start, ntok = state.pos, len(state.tokens)
        if not original(state, silent):
            return False
        if not silent:
            want = "image" if image else "link_open"
            tok = next((t for t in state.tokens[ntok:] if t.type == want), None)
            if tok is not None:
                tok.meta.update(_link_meta(state, start, state.pos, image))
        return True

    return rule


def _link_meta(state: StateInline, start: int, end: int, image: bool) -> dict[str, Any]:
    """Where the destination of ``[x](dest)`` / ``![x](dest)`` or its reference label is."""
    src = state.src
    bracket = start + 1 if image else start
    label_end = state.md.helpers.parseLinkLabel(state, bracket, not image)
    pos = label_end + 1
    if label_end >= 0 and pos < end and src[pos] == "(":
        pos += 1
        while pos < end and src[pos] in " \t\n":
            pos += 1
        res = state.md.helpers.parseLinkDestination(src, pos, state.posMax)
        ds, de = (pos, res.pos) if res.ok else (pos, pos)
        if de > ds and src[ds] == "<":
            ds, de = ds + 1, de - 1
        return {"lw": "image" if image else "inline", "dest": (ds, de), "span": (start, end)}
    if label_end >= 0 and pos < end and src[pos] == "[" and end - 1 > pos + 1:
        label = src[pos + 1 : end - 1]
    else:
        label = src[bracket + 1 : label_end]
    return {"lw": "reference", "ref": normalizeReference(label), "span": (start, end)}


def _record_span(original: Callable[..., bool], kind: str) -> Callable[..., bool]:
    def rule(state: StateInline, silent: bool) -> bool:
        start, ntok = state.pos, len(state.tokens)
        if not original(state, silent):
            return False
        if not silent:
            tok = next((t for t in state.tokens[ntok:] if t.type == kind), None)
            if tok is not None:
                tok.meta["span"] = (start, state.pos)
                if kind == "link_open":  # autolink <https://…>
                    tok.meta.update(lw="autolink", dest=(start + 1, state.pos - 1))
        return True

    return rule


def _record_definition(original: Callable[..., bool]) -> Callable[..., bool]:
    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if not original(state, start_line, end_line, silent):
            return False
        if not silent:
            _definition(state, start_line)
        return True

    return rule


def _definition(state: StateBlock, line: int) -> None:
    """Remember where the destination of ``[label]: dest`` is (first definition wins)."""
    src, n = state.src, len(state.src)

    def line_start(ln: int) -> int:
        return state.bMarks[ln] + state.tShift[ln] if ln < state.lineMax else n

    first = line_start(line)
    i = first + 1
    while i < n and src[i] != "]":
        if src[i] == "\\":
            i += 1
        elif src[i] == "\n":
            line += 1
            i = line_start(line) - 1
        i += 1
    label = src[first + 1 : i]
    pos = i + 2
    while pos < n and src[pos] in " \t":
        pos += 1
    if pos < n and src[pos] == "\n":
        line += 1
        pos = line_start(line)
        while pos < n and src[pos] in " \t":
            pos += 1
    res = state.md.helpers.parseLinkDestination(src, pos, n)
    ds, de = (pos, res.pos) if res.ok else (pos, pos)
    if de > ds and src[ds] == "<":
        ds, de = ds + 1, de - 1
    state.env.setdefault("lw_defs", {}).setdefault(normalizeReference(label), (ds, de, label))


@dataclass(slots=True)
class _Tok:
    """The three token fields the walker reads; cheaper than ``markdown_it.token.Token``."""

    type: str
    content: str
    meta: dict[str, Any]


_NO_META: dict[str, Any] = {}  # shared by text tokens; nothing writes to it
_SIMPLE_LINK = re.compile(r"(!?)\[([^\[\]`<>\\*_~&]*)\]\(([^\s()<>\\`]*)\)")
_NOT_SIMPLE = re.compile(r"[`<\\*_~&]|\]\(")
_CODE_SPAN = re.compile(r"`([^`<>]+)`")


def _fast_children(content: str, refs: bool) -> list[_Tok] | None:
    """Inline tokens for the common shape ``Title (CVPR-2020)[[paper](url)][[code](url)]``.

    Handles plain text, ``[label](url)`` and ``![alt](url)`` without spaces,
    parentheses or escapes in the URL, single-backtick code spans and HTML tags.
    Returns None when anything could parse differently under CommonMark (escapes,
    entities, emphasis, titles, comments, a bracket that might be a reference…):
    markdown-it's inline parser handles those. A property test holds the two equal.
    """
    found: list[tuple[int, int, _Tok | None, re.Match[str] | None]] = []
    text = content
    if "`" in text:
        if "``" in text:
            return None
        codes = list(_CODE_SPAN.finditer(text))
        if 2 * len(codes) != text.count("`"):
            return None
        for m in codes:
            found.append(
                (m.start(), m.end(), _Tok("code_inline", m.group(1), {"span": m.span()}), None)
            )
        text = _blank(text, [m.span() for m in codes])
    if "<" in text:
        tags = []
        at = text.find("<")
        while at >= 0:
            m = HTML_TAG_RE.match(text, at)
            if m is None or text[at + 1] in "!?":
                return None
            tags.append(m.span())
            found.append(
                (m.start(), m.end(), _Tok("html_inline", m.group(0), {"span": m.span()}), None)
            )
            at = text.find("<", m.end())
        text = _blank(text, tags)
    for m in _SIMPLE_LINK.finditer(text):
        found.append((m.start(), m.end(), None, m))
    found.sort(key=lambda f: f[0])
    out: list[_Tok] = []
    rest: list[str] = []
    last = 0
    for s, e, tok, m in found:
        if s > last:
            out.append(_Tok("text", content[last:s], _NO_META))
            rest.append(content[last:s])
        last = e
        if tok is not None:
            out.append(tok)
            continue
        assert m is not None
        meta: dict[str, Any] = {"span": (s, e), "dest": m.span(3)}
        label = " ".join(m.group(2).split())
        if m.group(1):
            meta["lw"] = "image"
            out.append(_Tok("image", label, meta))
        else:
            meta["lw"] = "inline"
            out.append(_Tok("link_open", "", meta))
            out.append(_Tok("text", label, _NO_META))
            out.append(_Tok("link_close", "", _NO_META))
    out.append(_Tok("text", content[last:], _NO_META))
    rest.append(content[last:])
    joined = " ".join(rest)
    if _NOT_SIMPLE.search(joined) or (refs and "[" in joined):
        return None
    return out


def _children(md: MarkdownIt, content: str, env: dict[str, Any]) -> list[Any]:
    """Inline tokens of one block: the fast path, or markdown-it's inline parser."""
    fast = _fast_children(content, bool(env.get("references")))
    if fast is not None:
        return fast
    tokens: list[Token] = []
    md.inline.parse(content, md, env, tokens)
    return tokens


def _build_parser() -> MarkdownIt:
    # maxNesting: commonmark's 20 stops parsing (silently) below ~10 list levels
    md = MarkdownIt("commonmark", {"linkify": False, "maxNesting": 100})
    md.enable(["table", "strikethrough"])
    # We never render: keep every destination (javascript:, data:…) so it can be
    # reported as excluded, and skip the URL re-encoding work.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    rules = {r.name: r.fn for r in md.inline.ruler.__rules__}
    md.inline.ruler.at("link", _record_link(rules["link"], image=False))
    md.inline.ruler.at("image", _record_link(rules["image"], image=True))
    md.inline.ruler.at("autolink", _record_span(rules["autolink"], "link_open"))
    md.inline.ruler.at("html_inline", _record_span(rules["html_inline"], "html_inline"))
    md.inline.ruler.at("backticks", _record_span(rules["backticks"], "code_inline"))
    # Inline parsing happens in the walker, one block at a time, so the children of
    # only one block are alive at once (5 MB lists stay well under 200 MB).
    md.core.ruler.disable(["inline", "text_join"])
    block = {r.name: r for r in md.block.ruler.__rules__}
    md.block.ruler.at(
        "reference", _record_definition(block["reference"].fn), {"alt": block["reference"].alt}
    )
    return md


_MD = _build_parser()
_LINKIFY = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
_LINKIFY.add("//", None)

_NEWLINE = re.compile(r"\r\n|\r|\n")
_NEWLINE_B = re.compile(rb"\r\n|\r|\n")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_CLOSE_A = re.compile(r"</a\s*>", re.IGNORECASE)
_ATTR = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TRAILING = "?!.,:;*_~'\""
_SPACED_TARGET = re.compile(
    r"\[([^\[\]\n]*)\]\([ \t]*((?:https?|ftp)://[^()<>\s]*(?:[ \t]+[^()<>\s\"']+)+)[ \t]*\)"
)
_TITLE_END = re.compile(r"\[[^\[\]]*\]\(\s*(?:https?|ftp)://|(?:https?|ftp)://|mailto:")


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
    """The file as lines, with char ↔ byte bookkeeping.

    ``text`` is what markdown-it sees: lines joined by ``\\n``, NUL, invalid bytes and
    a leading BOM replaced one-for-one so character columns are unchanged.
    """

    def __init__(self, data: bytes) -> None:
        try:
            raw = data.decode("utf-8")
            self.bad_utf8 = False
        except UnicodeDecodeError:
            raw = data.decode("utf-8", "surrogateescape")
            self.bad_utf8 = True
        raw_lines = _NEWLINE.split(raw)
        text = "\n".join(raw_lines)
        if self.bad_utf8:
            text = _SURROGATE.sub("\ufffd", text)
        text = text.replace("\0", "\ufffd")
        if text.startswith("\ufeff"):
            text = " " + text[1:]
        self.text = text
        self.lines = text.split("\n")
        # for byte offsets; the same strings unless something was replaced above
        self.raw_lines = self.lines if text == "\n".join(raw_lines) else raw_lines
        self.starts = [0]
        for ln in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(ln) + 1)
        self.byte_starts = [0] + [m.end() for m in _NEWLINE_B.finditer(data)]

    def line_of(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def to_bytes(self, line: int, col: int) -> int:
        s = self.raw_lines[line]
        if s.isascii():
            return self.byte_starts[line] + col
        return self.byte_starts[line] + len(s[:col].encode("utf-8", "surrogateescape"))

    def byte_pos(self, pos: int) -> int:
        line = self.line_of(pos)
        return self.to_bytes(line, pos - self.starts[line])


class _Mapper:
    """Maps offsets in an inline token's text to offsets in ``_Source.text``."""

    def __init__(self, src: _Source, content: str, first_line: int, cursor: int | None) -> None:
        self.first_line = first_line
        self.line_starts: list[int] = []
        self.bases: list[int | None] = []
        self.end = cursor  # for table rows: where the next cell's search starts
        at = 0
        for j, c in enumerate(content.split("\n")):
            self.line_starts.append(at)
            at += len(c) + 1
            ln = first_line + j
            off = -1
            if ln < len(src.lines):
                s = src.lines[ln]
                if cursor is not None:  # a table cell: the next match left to right
                    off = s.find(c, max(0, cursor - src.starts[ln]))
                elif s.endswith(c):
                    off = len(s) - len(c)
                else:
                    rs = s.rstrip()
                    off = len(rs) - len(c) if rs.endswith(c) else s.find(c)
            base = src.starts[ln] + off if off >= 0 else None
            self.bases.append(base)
            if cursor is not None and base is not None:
                self.end = base + len(c)

    def pos(self, p: int) -> tuple[int | None, int]:
        """(absolute offset or None, source line) of content offset ``p``."""
        j = bisect_right(self.line_starts, p) - 1
        base = self.bases[j]
        ln = self.first_line + j
        return (None if base is None else base + p - self.line_starts[j]), ln


# ---------------------------------------------------------------- walking the tokens


@dataclass(slots=True)
class _Draft:
    """A link found but not yet final: its label and entry title may still grow."""

    order: int  # document order of the use (a reference's span is its definition)
    url: str
    line: int
    column: int
    start: int
    end: int
    label: str
    syntax: str
    section: str


@dataclass(slots=True)
class _Ctx:
    """A list item or table row being read."""

    line: int
    start: int
    end: int
    section: str
    row: bool
    cursor: int | None = None
    title_parts: list[str] = field(default_factory=list)
    title_done: bool = False
    venue: Venue | None = None
    drafts: list[_Draft] = field(default_factory=list)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _trim_bare(url: str) -> str:
    """GFM's trailing-punctuation rules plus a stop at CJK/full-width punctuation."""
    for i, ch in enumerate(url):
        if ord(ch) > 127 and unicodedata.category(ch)[0] in "PZS":
            url = url[:i]
            break
    while True:
        before = url
        url = url.rstrip(_TRAILING)
        if url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1]
        if url == before:
            return url


def _blank(content: str, spans: Sequence[tuple[int, int]]) -> str:
    """``content`` with every span replaced by spaces (same length)."""
    if not spans:
        return content
    parts, last = [], 0
    for s, e in sorted(spans):
        s = max(s, last)
        if e <= s:
            continue
        parts.append(content[last:s])
        parts.append(" " * (e - s))
        last = e
    parts.append(content[last:])
    return "".join(parts)


def _bare_urls(text: str) -> list[tuple[int, int]]:
    if "://" not in text and "mailto:" not in text.lower():
        return []
    found = []
    for m in _LINKIFY.match(text) or ():
        url = _trim_bare(text[m.index : m.last_index])
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?://)?[^\s/]", url):
            found.append((m.index, m.index + len(url)))
    return found


class _Walker:
    def __init__(self, src: _Source, file: str, env: dict[str, Any]) -> None:
        self.src = src
        self.file = file
        self.env = env
        self.defs: dict[str, tuple[int, int, str]] = env.get("lw_defs", {})
        self.used_defs: set[str] = set()
        self.headings: list[tuple[int, str]] = []
        self.skip_h1 = False
        self.section = ""
        self.section_marks: list[tuple[int, str]] = [(0, "")]
        self.slugs: dict[str, int] = {}
        self.stack: list[_Ctx] = []
        self.links: list[tuple[int, Link]] = []
        self.loose: list[_Draft] = []  # links outside any entry; labels may still grow
        self.entries: list[Entry] = []
        self.anchors: list[Anchor] = []
        self.warnings: list[str] = []
        self.order = 0

    # -- positions ------------------------------------------------------------

    def _draft(
        self, pos: int | None, url: str, line: int, label: str, syntax: str
    ) -> _Draft | None:
        """A link at absolute ``pos``, verified; searched for on ``line`` if it does not match."""
        text = self.src.text
        if pos is None or text[pos : pos + len(url)] != url:
            s = self.src.lines[line] if line < len(self.src.lines) else ""
            col = s.find(url)
            if col < 0:
                self.warnings.append(f"{self.file}:{line + 1}: could not locate {url!r}; skipped")
                return None
            pos = self.src.starts[line] + col
        line = self.src.line_of(pos)
        col = pos - self.src.starts[line]
        self.order += 1
        return _Draft(
            order=self.order,
            url=url,
            line=line + 1,
            column=col + 1,
            start=(start := self.src.to_bytes(line, col)),
            end=start + len(url) if url.isascii() else self.src.to_bytes(line, col + len(url)),
            label=label,
            syntax=syntax,
            section=self.section,
        )

    def _add(self, draft: _Draft | None) -> None:
        if draft is None:
            return
        ctx = self.stack[-1] if self.stack else None
        if ctx is None:
            self.loose.append(draft)
        else:
            ctx.drafts.append(draft)
            ctx.title_done = True

    def _link(self, d: _Draft, entry: str | None) -> Link:
        return Link(
            url=d.url,
            file=self.file,
            line=d.line,
            column=d.column,
            start=d.start,
            end=d.end,
            label=d.label,
            kind=link_kind(d.label, d.url),
            target=link_target(d.url),
            section=d.section,
            entry=entry,
            syntax=d.syntax,
        )

    # -- blocks ---------------------------------------------------------------

    def run(self, tokens: list[Token]) -> None:
        h1 = [t for t in tokens if t.type == "heading_open" and t.tag == "h1"]
        first = next((t for t in tokens if t.type == "heading_open"), None)
        self.skip_h1 = len(h1) == 1 and first is h1[0]
        heading_level = 0
        for i, tok in enumerate(tokens):
            tokens[i] = None  # type: ignore[call-overload]  # free block tokens as we go
            t = tok.type
            if t == "inline":
                text = self._inline(tok)
                if heading_level:
                    self._heading(heading_level, text, tok)
                    heading_level = 0
            elif t == "heading_open":
                heading_level = int(tok.tag[1])
            elif t in ("list_item_open", "tr_open") and tok.map:
                self._open(tok)
            elif t in ("list_item_close", "tr_close") and self.stack:
                self._close(self.stack.pop())
            elif t == "html_block" and tok.map:
                self._html_block(tok)
        self._unused_definitions()

    def _heading(self, level: int, text: str, tok: Token) -> None:
        line = tok.map[0] if tok.map else 0
        slug = base = slugify(text)
        while slug in self.slugs:
            self.slugs[base] += 1
            slug = f"{base}-{self.slugs[base]}"
        self.slugs[slug] = 0
        self.anchors.append(Anchor(self.file, slug, line + 1, "heading"))
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        if not (level == 1 and self.skip_h1):
            self.headings.append((level, _clean(text)))
        self.section = " > ".join(h for _, h in self.headings)
        self.section_marks.append((line, self.section))

    def _open(self, tok: Token) -> None:
        assert tok.map is not None
        first, last = tok.map[0], max(tok.map[0], tok.map[1] - 1)
        lines = self.src.lines
        while last > first and not lines[last].strip():
            last -= 1
        indent = len(lines[first]) - len(lines[first].lstrip())
        start = self.src.starts[first] + indent
        self.stack.append(
            _Ctx(
                line=first,
                start=start,
                end=self.src.starts[last] + len(lines[last]),
                section=self.section,
                row=tok.type == "tr_open",
                cursor=start if tok.type == "tr_open" else None,
            )
        )

    def _close(self, ctx: _Ctx) -> None:
        if not ctx.drafts:
            return
        title = _clean("".join(ctx.title_parts))
        title = _TITLE_END.split(title, maxsplit=1)[0]
        title = title.rstrip(" [(（【:：-–—|").strip()
        if not title:
            title = ctx.drafts[0].label
        links = tuple(self._link(d, title) for d in ctx.drafts)
        self.links.extend((d.order, link) for d, link in zip(ctx.drafts, links, strict=True))
        self.entries.append(
            Entry(
                file=self.file,
                line=ctx.line + 1,
                section=ctx.section,
                title=title,
                venue=ctx.venue,
                links=links,
                start=self.src.byte_pos(ctx.start),
                end=self.src.byte_pos(ctx.end),
            )
        )

    # -- inline ---------------------------------------------------------------

    def _inline(self, tok: Token) -> str:
        """Collect the links of one inline token; return its plain text."""
        ctx = self.stack[-1] if self.stack else None
        content = tok.content
        first_line = tok.map[0] if tok.map else (ctx.line if ctx else 0)
        cursor = ctx.cursor if ctx is not None and ctx.row else None
        mapper = _Mapper(self.src, content, first_line, cursor)
        if ctx is not None and ctx.row:
            ctx.cursor = mapper.end
            if "".join(ctx.title_parts).strip():  # a row's title is its first non-empty cell
                ctx.title_done = True
        plain: list[str] = []
        spans: list[tuple[int, int]] = []
        labels: list[tuple[_Draft | None, list[str]]] = []
        html_a: tuple[_Draft | None, list[str]] | None = None

        def text(s: str) -> None:
            plain.append(s)
            for _, parts in labels:
                parts.append(s)
            if html_a is not None:
                html_a[1].append(s)
            if ctx is not None and not ctx.title_done:
                ctx.title_parts.append(s)

        for ch in _children(_MD, content, self.env):
            t, meta = ch.type, ch.meta
            if t in ("text", "text_special", "code_inline"):
                text(ch.content)
                if "span" in meta:
                    spans.append(meta["span"])
            elif t in ("softbreak", "hardbreak"):
                text(" ")
            elif t == "link_open" and "lw" in meta:
                spans.append(meta["span"])
                d = self._dest(meta, content, mapper)
                labels.append((d, []))
                self._add(d)
            elif t == "link_close" and labels:
                d, parts = labels.pop()
                if d is not None:
                    d.label = _clean("".join(parts))
            elif t == "image" and "lw" in meta:
                spans.append(meta["span"])
                d = self._dest(meta, content, mapper)
                if d is not None:
                    d.label = _clean(ch.content)
                self._add(d)
                text(ch.content)
            elif t == "html_inline" and "span" in meta:
                s, e = meta["span"]
                spans.append((s, e))
                if _CLOSE_A.match(ch.content) and html_a is not None:
                    d, parts = html_a
                    if d is not None:
                        d.label = _clean("".join(parts))
                    html_a = None
                    continue
                for d, is_a in self._tag_links(ch.content, s, mapper):
                    if is_a:
                        html_a = (d, [])
                    self._add(d)
        # ``[x](https://a.org/my file.pdf)`` is not a link to CommonMark, but it is
        # what the author meant: report the whole target rather than its first word
        blanked = _blank(content, spans)
        if "](" in blanked:
            spaced = list(_SPACED_TARGET.finditer(blanked))
            for m in spaced:
                d = self._at(mapper, m.start(2), m.group(2), _clean(m.group(1)), "inline")
                self._add(d)
            blanked = _blank(blanked, [m.span() for m in spaced])
        # bare URLs in what is left once links, code and tags are blanked out
        for s, e in _bare_urls(blanked):
            self._add(self._at(mapper, s, content[s:e], "", "bare"))
        if ctx is not None and ctx.venue is None:
            ctx.venue = self._venue(blanked, mapper)
        return _clean("".join(plain))

    def _at(self, mapper: _Mapper, p: int, url: str, label: str, syntax: str) -> _Draft | None:
        pos, line = mapper.pos(p)
        return self._draft(pos, url, line, label, syntax)

    def _dest(self, meta: dict[str, Any], content: str, mapper: _Mapper) -> _Draft | None:
        if meta["lw"] == "reference":
            ref = self.defs.get(meta["ref"])
            if ref is None:
                return None
            ds, de, _ = ref
            self.used_defs.add(meta["ref"])
            url = self.src.text[ds:de]
            return self._draft(ds, url, self.src.line_of(ds), "", "reference")
        ds, de = meta["dest"]
        return self._at(mapper, ds, content[ds:de], "", meta["lw"])

    def _tag_links(
        self, tag_text: str, offset: int, mapper: _Mapper
    ) -> list[tuple[_Draft | None, bool]]:
        """``href``/``src`` links and ``name``/``id`` anchors of the tags in ``tag_text``."""
        out: list[tuple[_Draft | None, bool]] = []
        for tag in _TAG.finditer(tag_text):
            name = tag.group(1).lower()
            for attr in _ATTR.finditer(tag_text, tag.start(2), tag.end(2)):
                key = attr.group(1).lower()
                g = next(i for i in (2, 3, 4) if attr.group(i) is not None)
                value = attr.group(g)
                if key in ("href", "src"):
                    label = ""
                    if name == "img":
                        alt = re.search(r"""\balt\s*=\s*["']([^"']*)""", tag.group(2))
                        label = alt.group(1) if alt else ""
                    d = self._at(mapper, offset + attr.start(g), value, label, "html")
                    out.append((d, name == "a" and key == "href"))
                elif key == "id" or (key == "name" and name == "a"):
                    _, ln = mapper.pos(offset + attr.start(g))
                    self.anchors.append(Anchor(self.file, value, ln + 1, "html"))
        return out

    def _html_block(self, tok: Token) -> None:
        assert tok.map is not None
        content = tok.content
        mapper = _Mapper(self.src, content, tok.map[0], None)
        visible = _COMMENT.sub(lambda m: " " * len(m.group(0)), content)
        spans = [(m.start(), m.end()) for m in _TAG.finditer(visible)]
        for d, _ in self._tag_links(visible, 0, mapper):
            self._add(d)
        for s, e in _bare_urls(_blank(visible, spans)):
            self._add(self._at(mapper, s, content[s:e], "", "bare"))

    def _venue(self, blanked: str, mapper: _Mapper) -> Venue | None:
        m = find_venue(blanked)
        if m is None:
            return None
        start, _ = mapper.pos(m.start)
        if start is None or self.src.text[start : start + len(m.raw)] != m.raw:
            return None
        return Venue(
            m.name,
            m.year,
            m.raw,
            self.src.byte_pos(start),
            self.src.byte_pos(start + len(m.raw)),
        )

    def _unused_definitions(self) -> None:
        for key, (ds, de, label) in self.defs.items():
            if key in self.used_defs:
                continue
            line = self.src.line_of(ds)
            idx = bisect_right(self.section_marks, (line, "\uffff")) - 1
            self.section = self.section_marks[idx][1]
            d = self._draft(ds, self.src.text[ds:de], line, _clean(label), "reference")
            if d is not None:
                self.loose.append(d)

    def document(self) -> Document:
        self.links.extend((d.order, self._link(d, None)) for d in self.loose)
        self.links.sort(key=lambda pair: pair[0])
        self.entries.sort(key=lambda e: e.start)
        return Document(
            file=self.file,
            links=tuple(link for _, link in self.links),
            entries=tuple(self.entries),
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
    env: dict[str, Any] = {}
    tokens = _MD.parse(src.text, env)
    walker = _Walker(src, file, env)
    if src.bad_utf8:
        walker.warnings.append(f"{file}: invalid UTF-8, decoded with replacement characters")
    walker.run(tokens)
    return walker.document()


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
