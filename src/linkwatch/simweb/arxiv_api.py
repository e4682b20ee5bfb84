"""Simulated arXiv API (``export.arxiv.org/api/query``) answering in arXiv's Atom format.

Behaves like the real endpoint where linkwatch depends on it: ``id_list`` answers
in the order asked and leaves unknown well-formed ids out; a malformed id makes the
whole request fail with HTTP 400 and arXiv's error feed; ``search_query`` supports
field terms (``ti:``, ``au:``, ``abs:``, ``id:``, ``cat:``, ``jr:``, ``co:``,
``all:``), quoted phrases, ``AND``/``OR``/``ANDNOT`` and parentheses. Request
counting is left to simweb's own log.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

ATOM_CONTENT_TYPE = "application/atom+xml"
# What the real API accepts as an id (it is looser than the real id scheme:
# "0808.05394" is "well-formed" and simply absent).
_API_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?$")
_VERSION = re.compile(r"v(\d+)$")
_TOKEN = re.compile(r"\w+")
_FIELDS = {
    "ti": ("title",),
    "au": ("authors",),
    "abs": ("abstract",),
    "co": ("comment",),
    "jr": ("journal_ref",),
    "cat": ("categories",),
    "id": ("id",),
    "all": ("title", "authors", "abstract", "comment", "journal_ref"),
}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _split_version(raw: str) -> tuple[str, int | None]:
    m = _VERSION.search(raw)
    if m is None:
        return raw, None
    return raw[: m.start()], int(m.group(1))


# --- search_query: a small recursive-descent parser producing a predicate --------------

Paper = dict[str, Any]
Predicate = Callable[[Paper], bool]


class QueryError(ValueError):
    """A search_query the simulated API cannot parse (the real one answers 400 too)."""


_QUERY_TOKEN = re.compile(r'\s*(\(|\)|[A-Za-z]+:"[^"]*"|[A-Za-z]+:[^\s()]+|"[^"]*"|[^\s()]+)')


def _lex(query: str) -> list[str]:
    out: list[str] = []
    pos = 0
    query = query.strip()
    while pos < len(query):
        m = _QUERY_TOKEN.match(query, pos)
        if m is None:
            raise QueryError(f"cannot parse query near {query[pos:]!r}")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(query) and query[pos].isspace():
            pos += 1
    return out


def _field_text(paper: Paper, name: str) -> str:
    value = paper.get(name)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def _term(field: str, value: str) -> Predicate:
    if field not in _FIELDS:
        raise QueryError(f"unknown field {field!r}")
    value = value.strip('"')
    if field == "id":
        wanted = _split_version(value)[0]
        return lambda p: p["id"] == wanted
    wanted_tokens = _tokens(value)
    if not wanted_tokens:
        raise QueryError(f"empty term {field}:{value!r}")
    names = _FIELDS[field]

    def match(paper: Paper) -> bool:
        for name in names:
            have = _tokens(_field_text(paper, name))
            n = len(wanted_tokens)
            if any(have[i : i + n] == wanted_tokens for i in range(len(have) - n + 1)):
                return True
        return False

    return match


class _Parser:
    """``expr := unit ((AND|OR|ANDNOT)? unit)*`` left-associative; adjacency means AND."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def parse(self) -> Predicate:
        pred = self._expr()
        if self.pos != len(self.tokens):
            raise QueryError(f"unexpected {self.tokens[self.pos]!r}")
        return pred

    def _expr(self) -> Predicate:
        left = self._unit()
        while self.pos < len(self.tokens) and self.tokens[self.pos] != ")":
            op = self.tokens[self.pos]
            if op in {"AND", "OR", "ANDNOT"}:
                self.pos += 1
            else:
                op = "AND"
            right = self._unit()
            left = _combine(op, left, right)
        return left

    def _unit(self) -> Predicate:
        if self.pos >= len(self.tokens):
            raise QueryError("query ends too early")
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "(":
            inner = self._expr()
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != ")":
                raise QueryError("unbalanced parentheses")
            self.pos += 1
            return inner
        if tok in {")", "AND", "OR", "ANDNOT"}:
            raise QueryError(f"unexpected {tok!r}")
        field, sep, value = tok.partition(":")
        if not sep or field not in _FIELDS:
            return _term("all", tok)
        return _term(field, value)


def _combine(op: str, left: Predicate, right: Predicate) -> Predicate:
    if op == "OR":
        return lambda p: left(p) or right(p)
    if op == "ANDNOT":
        return lambda p: left(p) and not right(p)
    return lambda p: left(p) and right(p)


def parse_query(query: str) -> Predicate:
    """A predicate over paper records for an arXiv ``search_query`` string."""
    return _Parser(_lex(query)).parse()


# --- Atom rendering -------------------------------------------------------------------

_FEED_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_entry(paper: Paper) -> str:
    """One ``<entry>`` exactly as arXiv writes it (element order of the 2025+ API)."""
    vid = f"{paper['id']}v{paper['version']}"
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(paper['title'])}</title>",
        f"    <updated>{paper['updated']}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"'
        ' title="pdf"/>',
    ]
    if paper.get("doi"):
        parts.append(
            f'    <link href={quoteattr("https://doi.org/" + paper["doi"])} rel="related"'
            ' title="doi"/>'
        )
    parts.append(f"    <summary>{escape(paper['abstract'])}</summary>")
    for cat in paper.get("categories") or [paper["primary_category"]]:
        parts.append(
            f'    <category term={quoteattr(cat)} scheme="http://arxiv.org/schemas/atom"/>'
        )
    parts.append(f"    <published>{paper['published']}</published>")
    if paper.get("comment"):
        parts.append(f"    <arxiv:comment>{escape(paper['comment'])}</arxiv:comment>")
    if paper.get("journal_ref"):
        parts.append(f"    <arxiv:journal_ref>{escape(paper['journal_ref'])}</arxiv:journal_ref>")
    if paper.get("doi"):
        parts.append(f"    <arxiv:doi>{escape(paper['doi'])}</arxiv:doi>")
    parts.append(f"    <arxiv:primary_category term={quoteattr(paper['primary_category'])}/>")
    for author in paper["authors"]:
        parts.append(f"    <author>\n      <name>{escape(author)}</name>\n    </author>")
    parts.append("  </entry>")
    return "\n".join(parts) + "\n"


def render_feed(
    papers: Iterable[Paper], *, query: str, total: int, start: int, per_page: int
) -> str:
    """A result page: feed header with opensearch counts, then the entries."""
    digest = hashlib.sha1(query.encode()).digest().hex()[:27]
    head = [
        _FEED_OPEN,
        f"  <id>https://arxiv.org/api/{digest}</id>\n",
        f"  <title>arXiv Query: {escape(query)}</title>\n",
        f"  <updated>{_now()}</updated>\n",
        f"  <link href={quoteattr('https://arxiv.org/api/query?' + query)}"
        ' type="application/atom+xml"/>\n',
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n",
    ]
    return "".join(head) + "".join(render_entry(p) for p in papers) + "</feed>\n"


def render_error(message: str, anchor: str) -> str:
    """arXiv's error feed: one entry titled ``Error`` whose summary says what was wrong."""
    now = _now()
    url = f"https://arxiv.org/api/errors#{anchor}"
    return (
        _FEED_OPEN + "  <id>https://arxiv.org/</id>\n"
        "  <title>arXiv Search Results</title>\n"
        f"  <updated>{now}</updated>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        "  <entry>\n"
        f"    <id>{escape(url)}</id>\n"
        "    <title>Error</title>\n"
        f"    <updated>{now}</updated>\n"
        f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>\n'
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n</feed>\n"
    )


# --- the endpoint ---------------------------------------------------------------------


class BadRequest(ValueError):
    """A request the real API rejects with HTTP 400 and an error feed."""

    def __init__(self, message: str, anchor: str) -> None:
        super().__init__(message)
        self.anchor = anchor


def _int_param(params: Any, name: str, default: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer", f"{name}_must_be_an_integer") from None
    if value < 0:
        raise BadRequest(f"{name} must be non-negative", f"{name}_must_be_non-negative")
    return value


_SORT_KEYS = {"relevance", "lastUpdatedDate", "submittedDate"}


@dataclass
class SimArxiv:
    """The arXiv query API over a set of paper records (see ``example_papers`` for the keys).

    ``hang=True`` makes every query wait without answering until the client gives up.
    """

    papers: list[Paper] | None = None
    hang: bool = False

    def __post_init__(self) -> None:
        self._by_id: dict[str, Paper] = {p["id"]: p for p in self.papers or []}

    def add(self, paper: Paper) -> None:
        self._by_id[paper["id"]] = paper

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for every path of the virtual host ``export.arxiv.org``."""
        if request.path != "/api/query":
            return web.Response(status=404, text="Not Found")
        if self.hang:
            # Never answer, but stop once the client has gone so servers can shut down.
            while request.transport is not None and not request.transport.is_closing():
                await asyncio.sleep(0.05)
            return web.Response(status=504, text="client gave up")  # nobody reads this
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        try:
            body = self.answer(params)
        except BadRequest as exc:
            return web.Response(
                status=400, text=render_error(str(exc), exc.anchor), content_type=ATOM_CONTENT_TYPE
            )
        return web.Response(text=body, content_type=ATOM_CONTENT_TYPE)

    def answer(self, params: dict[str, str]) -> str:
        """The Atom body for one query's parameters; raises ``BadRequest`` like a 400."""
        search_query = params.get("search_query", "")
        raw_ids = [s.strip() for s in params.get("id_list", "").split(",") if s.strip()]
        start = _int_param(params, "start", 0)
        max_results = _int_param(params, "max_results", 10)
        sort_by = params.get("sortBy") or "relevance"
        sort_order = params.get("sortOrder") or "descending"
        if sort_by not in _SORT_KEYS:
            raise BadRequest(f"unknown sortBy {sort_by}", "unknown_sortBy")
        if sort_order not in {"ascending", "descending"}:
            raise BadRequest(f"unknown sortOrder {sort_order}", "unknown_sortOrder")
        for raw in raw_ids:
            if not _API_ID.match(raw):
                raise BadRequest(f"incorrect id format for {raw}", f"incorrect_id_format_for_{raw}")
        try:
            predicate = parse_query(search_query) if search_query.strip() else None
        except QueryError as exc:
            raise BadRequest(str(exc), "malformed_query") from None

        if raw_ids:
            matches = []
            for raw in raw_ids:
                base, version = _split_version(raw)
                paper = self._by_id.get(base)
                if paper is None or (version is not None and version > paper["version"]):
                    continue
                if predicate is None or predicate(paper):
                    matches.append(paper if version is None else {**paper, "version": version})
        elif predicate is not None:
            matches = [p for p in self._by_id.values() if predicate(p)]
            matches = self._sorted(matches, search_query, sort_by, sort_order)
        else:
            matches = []
        query = (
            f"search_query={search_query}&id_list={','.join(raw_ids)}"
            f"&start={start}&max_results={max_results}"
        )
        return render_feed(
            matches[start : start + max_results],
            query=query,
            total=len(matches),
            start=start,
            per_page=max_results,
        )

    @staticmethod
    def _sorted(papers: list[Paper], query: str, sort_by: str, order: str) -> list[Paper]:
        if sort_by == "relevance":
            # Closest title first: fewest title words the query does not mention.
            wanted = set(_tokens(query))
            return sorted(papers, key=lambda p: len(set(_tokens(p["title"])) - wanted))
        key = "updated" if sort_by == "lastUpdatedDate" else "published"
        return sorted(papers, key=lambda p: p[key], reverse=order == "descending")


# --- the demo's papers ----------------------------------------------------------------


def _paper(
    arxiv_id: str,
    title: str,
    authors: list[str],
    abstract: str,
    published: str,
    *,
    version: int = 1,
    updated: str | None = None,
    categories: tuple[str, ...] = ("cs.CV",),
    comment: str | None = None,
    journal_ref: str | None = None,
    doi: str | None = None,
) -> Paper:
    return {
        "id": arxiv_id,
        "version": version,
        "title": title,
        "authors": authors,
        "abstract": abstract,
        "published": published,
        "updated": updated or published,
        "journal_ref": journal_ref,
        "doi": doi,
        "comment": comment,
        "primary_category": categories[0],
        "categories": list(categories),
    }


def example_papers() -> list[Paper]:
    """Every arXiv paper of the bundled awesome-cv-attention list, plus papers that the
    list links only through CVF/IEEE pages (so title search has something to find)."""
    return [
        _paper(
            "2010.03045",
            "Rotate to Attend: Convolutional Triplet Attention Module",
            ["Diganta Misra", "Trikay Nalamada", "Ajay Uppili Arasanipalai", "Qibin Hou"],
            "We study lightweight attention that captures cross-dimension interaction with a"
            " three-branch structure and rotation, adding negligible parameters to backbones.",
            "2020-10-06T17:52:21Z",
            version=2,
            updated="2020-11-04T09:12:44Z",
            comment="WACV 2021",
        ),
        _paper(
            "2010.00516",
            "Neural encoding with visual attention",
            ["Meenakshi Khosla", "Gia H. Ngo", "Keith Jamison", "Amy Kuceyeski", "Mert R. Sabuncu"],
            "We propose a neural encoding model of visual cortex responses that uses trainable"
            " soft attention learned from gaze data to select the relevant image regions.",
            "2020-10-01T16:04:25Z",
            categories=("cs.CV", "q-bio.NC"),
            comment="NeurIPS 2020",
        ),
        _paper(
            "1908.07919",
            "Deep High-Resolution Representation Learning for Visual Recognition",
            [
                "Jingdong Wang",
                "Ke Sun",
                "Tianheng Cheng",
                "Borui Jiang",
                "Chaorui Deng",
                "Yang Zhao",
                "Dong Liu",
                "Yadong Mu",
                "Mingkui Tan",
                "Xinggang Wang",
                "Wenyu Liu",
                "Bin Xiao",
            ],
            "High-resolution representations are maintained through the whole network by"
            " connecting high-to-low resolution convolution streams in parallel and exchanging"
            " information across resolutions repeatedly.",
            "2019-08-20T16:33:19Z",
            version=2,
            updated="2020-03-13T02:01:12Z",
            comment="To appear in TPAMI",
            journal_ref="IEEE Transactions on Pattern Analysis and Machine Intelligence, 2020",
            doi="10.1109/TPAMI.2020.2983686",
        ),
        _paper(
            "2009.14082",
            "Attentional Feature Fusion",
            ["Yimian Dai", "Fabian Gieseke", "Stefan Oehmcke", "Yiquan Wu", "Kobus Barnard"],
            "Feature fusion by summation or concatenation ignores context; we propose a"
            " multi-scale channel attention module that fuses features of inconsistent"
            " semantics and scales, applied iteratively.",
            "2020-09-29T15:10:18Z",
            version=2,
            updated="2020-11-14T06:39:27Z",
            comment="Accepted by WACV 2021",
        ),
        _paper(
            "2009.14794",
            "Rethinking Attention with Performers",
            [
                "Krzysztof Choromanski",
                "Valerii Likhosherstov",
                "David Dohan",
                "Xingyou Song",
                "Andreea Gane",
                "Tamas Sarlos",
                "Peter Hawkins",
                "Jared Davis",
                "Afroz Mohiuddin",
                "Lukasz Kaiser",
                "David Belanger",
                "Lucy Colwell",
                "Adrian Weller",
            ],
            "Performers are Transformer architectures that estimate full-rank softmax attention"
            " with provable accuracy in linear space and time, using positive orthogonal random"
            " features.",
            "2020-09-30T17:09:09Z",
            version=4,
            updated="2022-11-19T18:51:23Z",
            categories=("cs.LG", "cs.CL", "stat.ML"),
            comment="Published as a conference paper + oral presentation at ICLR 2021",
        ),
        _paper(
            "2007.05099",
            "DCANet: Learning Connected Attentions for Convolutional Neural Networks",
            [
                "Xu Ma",
                "Jingda Guo",
                "Sihai Tang",
                "Zhinan Qiao",
                "Qi Chen",
                "Qing Yang",
                "Song Fu",
            ],
            "Attention blocks usually learn each feature map in isolation; deep connected"
            " attention links adjacent attention blocks so that information flows between them.",
            "2020-07-09T23:16:52Z",
        ),
        _paper(
            "1909.03402",
            "Squeeze-and-Attention Networks for Semantic Segmentation",
            [
                "Zilong Zhong",
                "Zhong Qiu Lin",
                "Rene Bidart",
                "Xiaodan Hu",
                "Ibrahim Ben Daya",
                "Zhifeng Li",
                "Wei-Shi Zheng",
                "Jonathan Li",
                "Alexander Wong",
            ],
            "We treat segmentation as pixel-wise prediction plus pixel grouping and introduce a"
            " squeeze-and-attention module that accounts for spatial-channel inter-dependencies.",
            "2019-09-08T07:40:15Z",
            version=4,
            updated="2020-04-01T04:13:50Z",
            comment="CVPR 2020",
        ),
        _paper(
            "1909.11519",
            "Gated Channel Transformation for Visual Recognition",
            ["Zongxin Yang", "Linchao Zhu", "Yu Wu", "Yi Yang"],
            "A gated channel transformation layer models channel relationships with a"
            " normalization component and gating, improving recognition at tiny cost.",
            "2019-09-25T14:02:56Z",
            version=2,
            updated="2020-03-26T07:27:17Z",
            comment="Accepted by CVPR 2020",
        ),
        _paper(
            "1903.06586",
            "Selective Kernel Networks",
            ["Xiang Li", "Wenhai Wang", "Xiaolin Hu", "Jian Yang"],
            "Neurons adaptively adjust their receptive field size with a selective kernel unit"
            " that fuses multiple branches with different kernel sizes under softmax attention.",
            "2019-03-15T14:43:36Z",
            version=2,
            updated="2019-03-18T14:32:08Z",
            journal_ref="CVPR 2019",
        ),
        _paper(
            "1711.07971",
            "Non-local Neural Networks",
            ["Xiaolong Wang", "Ross Girshick", "Abhinav Gupta", "Kaiming He"],
            "Non-local operations compute the response at a position as a weighted sum of the"
            " features at all positions, capturing long-range dependencies in video and images.",
            "2017-11-21T18:59:01Z",
            version=3,
            updated="2018-04-13T22:14:53Z",
            comment="CVPR 2018, code is available at:"
            " https://github.com/facebookresearch/video-nonlocal-net",
            journal_ref="CVPR 2018",
        ),
        _paper(
            "1809.02983",
            "Dual Attention Network for Scene Segmentation",
            [
                "Jun Fu",
                "Jing Liu",
                "Haijie Tian",
                "Yong Li",
                "Yongjun Bao",
                "Zhiwei Fang",
                "Hanqing Lu",
            ],
            "Position and channel attention modules on top of a dilated FCN model semantic"
            " inter-dependencies in the spatial and channel dimensions for scene segmentation.",
            "2018-09-09T15:27:25Z",
            version=4,
            updated="2019-04-21T04:47:08Z",
            comment="Accepted by CVPR 2019",
        ),
        _paper(
            "1709.01507",
            "Squeeze-and-Excitation Networks",
            ["Jie Hu", "Li Shen", "Samuel Albanie", "Gang Sun", "Enhua Wu"],
            "The squeeze-and-excitation block adaptively recalibrates channel-wise feature"
            " responses by explicitly modelling interdependencies between channels.",
            "2017-09-05T17:59:58Z",
            version=4,
            updated="2019-05-16T15:25:21Z",
            comment="journal version of the CVPR 2018 paper, accepted by TPAMI",
            journal_ref="IEEE Transactions on Pattern Analysis and Machine Intelligence,"
            " 42(8):2011-2023, 2020",
            doi="10.1109/TPAMI.2019.2913372",
        ),
        _paper(
            "1807.06521",
            "CBAM: Convolutional Block Attention Module",
            ["Sanghyun Woo", "Jongchan Park", "Joon-Young Lee", "In So Kweon"],
            "Given an intermediate feature map, the module infers attention maps along the"
            " channel and spatial dimensions in sequence and multiplies them with the input.",
            "2018-07-17T16:12:45Z",
            version=2,
            updated="2018-07-18T07:28:50Z",
            comment="Accepted to ECCV 2018",
        ),
        _paper(
            "1611.05594",
            "SCA-CNN: Spatial and Channel-wise Attention in Convolutional Networks for Image"
            " Captioning",
            [
                "Long Chen",
                "Hanwang Zhang",
                "Jun Xiao",
                "Liqiang Nie",
                "Jian Shao",
                "Wei Liu",
                "Tat-Seng Chua",
            ],
            "SCA-CNN incorporates spatial and channel-wise attention in a CNN to dynamically"
            " modulate the sentence-generation context in multi-layer feature maps.",
            "2016-11-17T08:46:31Z",
            version=2,
            updated="2017-04-12T11:01:31Z",
            comment="CVPR 2017",
        ),
        _paper(
            "2004.08955",
            "ResNeSt: Split-Attention Networks",
            [
                "Hang Zhang",
                "Chongruo Wu",
                "Zhongyue Zhang",
                "Yi Zhu",
                "Haibin Lin",
                "Zhi Zhang",
                "Yue Sun",
                "Tong He",
                "Jonas Mueller",
                "R. Manmatha",
                "Mu Li",
                "Alexander Smola",
            ],
            "A modular split-attention block enables attention across feature-map groups;"
            " stacking it ResNet-style gives ResNeSt, which improves downstream tasks.",
            "2020-04-19T20:40:31Z",
            version=2,
            updated="2020-12-30T01:25:46Z",
        ),
    ]
