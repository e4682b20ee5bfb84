"""Simulated Semantic Scholar Graph API (``api.semanticscholar.org/graph/v1``).

Answers like the real service where linkwatch depends on it:

- ``POST /graph/v1/paper/batch?fields=…`` with ``{"ids": [...]}``: a JSON array aligned
  with the ids, ``null`` for an id it does not know; ids as ``ARXIV:<id>``, ``DOI:<doi>``
  (case-insensitive), ``URL:<arxiv.org or other accepted page>``, ``CorpusId:<n>`` or a
  paperId; more than 500 ids or a body without ``ids`` → 400 ``{"error": …}``.
- ``GET /graph/v1/paper/search/match?query=…``: ``{"data": [{…, "matchScore": …}]}`` for
  the closest title, 404 ``{"error": "Title match not found"}`` when nothing is close.
- Only the requested ``fields`` (plus ``paperId``) are returned.
- 429 ``{"message": "Too Many Requests…", "code": "429"}`` with ``Retry-After`` for the
  next ``throttle`` requests, or for every request with ``storm=True``; an unknown
  ``x-api-key`` → 403 ``{"message": "Forbidden"}``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_HOST = "api.semanticscholar.org"
BATCH_LIMIT = 500
_WORD = re.compile(r"\w+")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^/?#]+?)(?:v\d+)?(?:\.pdf)?$")

Paper = dict[str, Any]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


@dataclass
class SimS2:
    """Papers in S2's own shape (see ``example_s2_papers``); ``pages`` lists extra URLs
    each paper is known under (``URL:`` ids), never returned."""

    papers: list[Paper] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # page URL → paperId
    throttle: int = 0  # the next n requests get 429
    storm: bool = False  # every request gets 429
    retry_after: str = "1"
    keys: set[str] = field(default_factory=set)  # accepted x-api-key values (any when empty)
    _by_id: dict[tuple[str, str], Paper] = field(default_factory=dict, init=False, repr=False)
    _indexed: int = field(default=-1, init=False, repr=False)

    def add(self, paper: Paper, *pages: str) -> SimS2:
        self.papers.append(paper)
        for page in pages:
            self.pages[page] = paper["paperId"]
        return self

    def mount(self, scenario: Any) -> SimS2:
        scenario.mount(API_HOST, self.handle)
        return self

    # --- lookups ---

    def find(self, raw_id: str) -> Paper | None:
        kind, _, value = raw_id.partition(":")
        index = self._index()
        if not value:
            return index.get(("PAPERID", raw_id))
        kind = kind.upper()
        if kind == "URL":
            m = _ARXIV_URL.search(value)
            if m:
                return self.find(f"ARXIV:{m.group(1)}")
            wanted = self.pages.get(value) or self.pages.get(value.rstrip("/"))
            return self.find(wanted) if wanted else None
        if kind == "ARXIV":
            value = re.sub(r"v\d+$", "", value)
        return index.get((kind, value.lower() if kind == "DOI" else value))

    def _index(self) -> dict[tuple[str, str], Paper]:
        """(id kind, id) → paper, rebuilt when papers were added."""
        if self._indexed != len(self.papers):
            self._indexed = len(self.papers)
            self._by_id = {}
            for paper in self.papers:
                ext = paper.get("externalIds") or {}
                self._by_id[("PAPERID", paper["paperId"])] = paper
                self._by_id[("CORPUSID", str(ext.get("CorpusId")))] = paper
                if ext.get("ArXiv"):
                    self._by_id[("ARXIV", ext["ArXiv"])] = paper
                if ext.get("DOI"):
                    self._by_id[("DOI", str(ext["DOI"]).lower())] = paper
        return self._by_id

    def match(self, query: str) -> tuple[Paper, float] | None:
        """The paper whose title shares most words with the query (all of the title's)."""
        wanted = _words(query)
        best: tuple[Paper, float] | None = None
        for paper in self.papers:
            title = _words(paper.get("title", ""))
            if not title:
                continue
            common = len(set(title) & set(wanted))
            score = 200.0 * common / max(len(set(title)), len(set(wanted)))
            if common == len(set(title)) and (best is None or score > best[1]):
                best = (paper, round(score, 2))
        return best

    # --- HTTP ---

    async def handle(self, request: web.Request) -> web.Response:
        key = request.headers.get("x-api-key")
        if key is not None and self.keys and key not in self.keys:
            return _json({"message": "Forbidden"}, 403)
        if self.storm or self.throttle > 0:
            self.throttle = max(0, self.throttle - 1)
            return _json(
                {
                    "message": "Too Many Requests. Please wait and try again or apply for a key"
                    " for higher rate limits. https://www.semanticscholar.org/product/api",
                    "code": "429",
                },
                429,
                headers={"Retry-After": self.retry_after},
            )
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        if request.path == "/graph/v1/paper/batch" and request.method == "POST":
            try:
                body = json.loads(await request.text())
                ids = body["ids"]
                if not isinstance(ids, list):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                return _json({"error": "Body must be a JSON object with a list of ids"}, 400)
            if len(ids) > BATCH_LIMIT:
                return _json({"error": f"Too many ids. The limit is {BATCH_LIMIT}"}, 400)
            answer = [_project(p, fields) if (p := self.find(str(i))) else None for i in ids]
            return _json(answer)
        if request.path == "/graph/v1/paper/search/match" and request.method == "GET":
            found = self.match(request.query.get("query", ""))
            if found is None:
                return _json({"error": "Title match not found"}, 404)
            paper, score = found
            return _json({"data": [{**_project(paper, fields), "matchScore": score}]})
        return _json({"error": "Not found"}, 404)


def _project(paper: Paper, fields: list[str]) -> Paper:
    wanted = fields or ["title"]
    return {"paperId": paper["paperId"], **{f: paper.get(f) for f in wanted}}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(data), status=status, content_type="application/json", headers=headers
    )


# --- the demo's papers ----------------------------------------------------------------

_VENUES: dict[str, dict[str, Any]] = {
    "CVPR": {
        "name": "Computer Vision and Pattern Recognition",
        "type": "conference",
        "alternate_names": ["CVPR", "Comput Vis Pattern Recognit"],
        "issn": "1063-6919",
    },
    "CVPRW": {
        "name": "2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops"
        " (CVPRW)",
        "type": "conference",
        "alternate_names": [],
    },
    "ECCV": {
        "name": "European Conference on Computer Vision",
        "type": "conference",
        "alternate_names": ["ECCV", "Eur Conf Comput Vis"],
    },
    "WACV": {
        "name": "IEEE Workshop/Winter Conference on Applications of Computer Vision",
        "type": "conference",
        "alternate_names": ["WACV", "IEEE Work Conf Appl Comput Vis"],
    },
    "ICLR": {
        "name": "International Conference on Learning Representations",
        "type": "conference",
        "alternate_names": ["Int Conf Learn Represent", "ICLR"],
    },
    "NeurIPS": {
        "name": "Neural Information Processing Systems",
        "type": "conference",
        "alternate_names": ["Neural Inf Process Syst", "NeurIPS", "NIPS"],
    },
    "TPAMI": {
        "name": "IEEE Transactions on Pattern Analysis and Machine Intelligence",
        "type": "journal",
        "alternate_names": ["IEEE Trans Pattern Anal Mach Intell"],
        "issn": "0162-8828",
    },
}


def s2_paper(
    title: str,
    venue: str | None,
    year: int,
    citations: int,
    *,
    arxiv: str | None = None,
    doi: str | None = None,
    date: str | None = None,
    journal: str | None = None,
    raw_venue: str | None = None,
) -> Paper:
    """A record as S2 serves it; ``venue`` is a key of the known publication venues, or
    ``None`` with ``raw_venue`` for records S2 has only a venue string for."""
    seed = arxiv or doi or title
    pub = dict(_VENUES[venue]) if venue else None
    if pub is not None:
        pub["id"] = hashlib.md5(pub["name"].encode()).hexdigest()
    ext: dict[str, Any] = {"CorpusId": int(hashlib.sha1(seed.encode()).hexdigest()[:7], 16)}
    if arxiv:
        ext["ArXiv"] = arxiv
    if doi:
        ext["DOI"] = doi
    return {
        "paperId": hashlib.sha1(seed.encode()).hexdigest(),
        "externalIds": ext,
        "title": title,
        "venue": raw_venue if pub is None else pub["name"],
        "publicationVenue": pub,
        "year": year,
        "publicationDate": date,
        "citationCount": citations,
        "journal": {"name": journal or (pub["name"] if pub else raw_venue or "")},
    }


def example_s2_papers() -> list[Paper]:
    """S2's view of the bundled example list's papers (their published venues)."""
    return [
        s2_paper("Rotate to Attend: Convolutional Triplet Attention Module", "WACV", 2021, 512,
                 arxiv="2010.03045", doi="10.1109/WACV48630.2021.00318", date="2021-01-01"),
        s2_paper("Neural encoding with visual attention", "NeurIPS", 2020, 41,
                 arxiv="2010.00516", date="2020-10-01"),
        s2_paper("Deep High-Resolution Representation Learning for Visual Recognition", "TPAMI",
                 2020, 4860, arxiv="1908.07919", doi="10.1109/TPAMI.2020.2983686",
                 date="2019-08-20", journal="IEEE Transactions on Pattern Analysis and Machine"
                 " Intelligence"),
        s2_paper("Attentional Feature Fusion", "WACV", 2021, 690, arxiv="2009.14082",
                 doi="10.1109/WACV48630.2021.00360", date="2020-09-29"),
        s2_paper("Rethinking Attention with Performers", "ICLR", 2021, 1380, arxiv="2009.14794",
                 date="2020-09-30"),
        s2_paper("DCANet: Learning Connected Attentions for Convolutional Neural Networks",
                 "ECCV", 2020, 75, arxiv="2007.05099", doi="10.1007/978-3-030-58601-0_44"),
        s2_paper("Squeeze-and-Attention Networks for Semantic Segmentation", "CVPR", 2020, 170,
                 arxiv="1909.03402", doi="10.1109/CVPR42600.2020.01308"),
        s2_paper("Gated Channel Transformation for Visual Recognition", "CVPR", 2020, 260,
                 arxiv="1909.11519", doi="10.1109/CVPR42600.2020.01181"),
        s2_paper("Selective Kernel Networks", "CVPR", 2019, 2050, arxiv="1903.06586",
                 doi="10.1109/CVPR.2019.00060"),
        s2_paper("Non-local Neural Networks", None, 2018, 9100, arxiv="1711.07971",
                 doi="10.1109/CVPR.2018.00813",
                 raw_venue="2018 IEEE/CVF Conference on Computer Vision and Pattern Recognition"),
        s2_paper("Dual Attention Network for Scene Segmentation", "CVPR", 2019, 4300,
                 arxiv="1809.02983", doi="10.1109/CVPR.2019.00326", date="2018-09-09"),
        s2_paper("Squeeze-and-Excitation Networks", "CVPR", 2018, 21500, arxiv="1709.01507",
                 doi="10.1109/CVPR.2018.00745"),
        s2_paper("CBAM: Convolutional Block Attention Module", "ECCV", 2018, 13800,
                 arxiv="1807.06521", doi="10.1007/978-3-030-01234-2_1"),
        s2_paper("SCA-CNN: Spatial and Channel-Wise Attention in Convolutional Networks for"
                 " Image Captioning", "CVPR", 2017, 1700, arxiv="1611.05594",
                 doi="10.1109/CVPR.2017.667"),
        s2_paper("ResNeSt: Split-Attention Networks", "CVPRW", 2022, 1500, arxiv="2004.08955",
                 doi="10.1109/CVPRW56347.2022.00309"),
        s2_paper("Attention-Guided Hierarchical Structure Aggregation for Image Matting", "CVPR",
                 2020, 160, doi="10.1109/CVPR42600.2020.01369"),
        s2_paper("Weight Excitation: Built-in Attention Mechanisms in Convolutional Neural"
                 " Networks", "ECCV", 2020, 45, doi="10.1007/978-3-030-58577-8_6"),
    ]  # fmt: skip
