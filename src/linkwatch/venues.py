"""Venue parsing: ``(CVPR-2020)``, ``CVPR 2020``, ``[NeurIPS 2021]``, ``ICCV'19``, ``arXiv 2021``.

Pure: works on text and returns character offsets; ``extract`` turns them into the
byte span of ``Venue.raw``. A venue name must be a known one, so bracketed words
such as ``**[HAttMatting]**`` are never mistaken for venues. Without brackets a
year is required (``CVPR tutorial`` is not a venue); inside brackets it is optional
(``(ECCV)`` → year ``None``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# canonical spelling ← lower-case spellings seen in lists
_CANONICAL = {
    "cvpr": "CVPR",
    "cvprw": "CVPRW",
    "iccv": "ICCV",
    "iccvw": "ICCVW",
    "eccv": "ECCV",
    "eccvw": "ECCVW",
    "neurips": "NeurIPS",
    "nips": "NeurIPS",
    "icml": "ICML",
    "iclr": "ICLR",
    "aaai": "AAAI",
    "ijcai": "IJCAI",
    "acl": "ACL",
    "emnlp": "EMNLP",
    "naacl": "NAACL",
    "coling": "COLING",
    "kdd": "KDD",
    "www": "WWW",
    "sigir": "SIGIR",
    "siggraph": "SIGGRAPH",
    "siggraph asia": "SIGGRAPH Asia",
    "acm mm": "ACM MM",
    "acmmm": "ACM MM",
    "mm": "ACM MM",
    "wacv": "WACV",
    "bmvc": "BMVC",
    "accv": "ACCV",
    "miccai": "MICCAI",
    "icassp": "ICASSP",
    "icip": "ICIP",
    "icme": "ICME",
    "icra": "ICRA",
    "iros": "IROS",
    "3dv": "3DV",
    "tpami": "TPAMI",
    "pami": "TPAMI",
    "tip": "TIP",
    "tmm": "TMM",
    "tcsvt": "TCSVT",
    "tnnls": "TNNLS",
    "ijcv": "IJCV",
    "jmlr": "JMLR",
    "tog": "TOG",
    "arxiv": "arXiv",
    "corr": "arXiv",
}
KNOWN_VENUES = frozenset(_CANONICAL.values())
# longest first, so "siggraph asia" wins over "siggraph"; "mm" only as "ACM MM"
_NAMES = sorted((k for k in _CANONICAL if k != "mm"), key=len, reverse=True)
_NAME = "|".join(r"[ \t]?".join(map(re.escape, n.split(" "))) for n in _NAMES)
_YEAR = r"(?:[ \t]*[-_,][ \t]*|[ \t]*)(?P<y4>(?:19|20)\d\d)(?!\d)|[ \t]*['’‘`-](?P<y2>\d\d)(?!\d)"
_CORE = rf"(?<![A-Za-z0-9])(?P<name>{_NAME})(?![A-Za-z])(?:{_YEAR})?"
_FIRST = "".join(sorted({n[0] for n in _NAMES}))  # a quick no at "(https" and "[paper"
_BRACKETED = re.compile(rf"[(\[（【][ \t]*(?=[{_FIRST}]){_CORE}[ \t]*[)\]）】]", re.IGNORECASE)
_PLAIN = re.compile(_CORE, re.IGNORECASE)
_YEARISH = re.compile(r"(?:19|20)\d\d|['’‘`-]\d\d")  # cheap test before the slow _PLAIN scan


class VenueMatch(NamedTuple):
    """A venue found in a piece of text; ``start``/``end`` are character offsets of ``raw``."""

    name: str
    year: int | None
    raw: str
    start: int
    end: int


def _year(m: re.Match[str]) -> int | None:
    if m.group("y4"):
        return int(m.group("y4"))
    if m.group("y2"):
        yy = int(m.group("y2"))
        return 2000 + yy if yy < 70 else 1900 + yy
    return None


def find_venue(text: str) -> VenueMatch | None:
    """First bracketed venue in ``text``, else the first plain ``NAME YEAR``."""
    m = _BRACKETED.search(text)
    if m is None and _YEARISH.search(text):
        m = next((p for p in _PLAIN.finditer(text) if _year(p) is not None), None)
    if m is None:
        return None
    key = " ".join(m.group("name").lower().split())
    name = _CANONICAL.get(key) or _CANONICAL.get(key.replace(" ", ""), m.group("name"))
    return VenueMatch(name, _year(m), m.group(0), m.start(), m.end())


# Publication venues as bibliographic databases (Semantic Scholar, DBLP, Crossref) name
# them → the short name lists use. Matched on a normalised form (lower case, no years,
# ordinals, "Proceedings of the", publisher prefixes or punctuation), longest first.
_LONG_NAMES = {
    "computer vision and pattern recognition": "CVPR",
    "computer vision and pattern recognition workshops": "CVPRW",
    "international conference on computer vision": "ICCV",
    "international conference on computer vision workshops": "ICCVW",
    "european conference on computer vision": "ECCV",
    "neural information processing systems": "NeurIPS",
    "advances in neural information processing systems": "NeurIPS",
    "international conference on learning representations": "ICLR",
    "international conference on machine learning": "ICML",
    "winter conference on applications of computer vision": "WACV",
    "workshop winter conference on applications of computer vision": "WACV",
    "workshop on applications of computer vision": "WACV",
    "transactions on pattern analysis and machine intelligence": "TPAMI",
    "transactions on image processing": "TIP",
    "transactions on multimedia": "TMM",
    "transactions on circuits and systems for video technology": "TCSVT",
    "transactions on neural networks and learning systems": "TNNLS",
    "international journal of computer vision": "IJCV",
    "journal of machine learning research": "JMLR",
    "transactions on graphics": "TOG",
    "aaai conference on artificial intelligence": "AAAI",
    "international joint conference on artificial intelligence": "IJCAI",
    "british machine vision conference": "BMVC",
    "asian conference on computer vision": "ACCV",
    "medical image computing and computer assisted intervention": "MICCAI",
    "acm multimedia": "ACM MM",
    "international conference on multimedia": "ACM MM",
    "annual meeting of the association for computational linguistics": "ACL",
    "conference on empirical methods in natural language processing": "EMNLP",
    "north american chapter of the association for computational linguistics": "NAACL",
    "international conference on robotics and automation": "ICRA",
    "international conference on intelligent robots and systems": "IROS",
    "international conference on acoustics speech and signal processing": "ICASSP",
    "international conference on image processing": "ICIP",
    "international conference on multimedia and expo": "ICME",
    "international conference on 3d vision": "3DV",
    "arxiv org": "arXiv",
    "arxiv": "arXiv",
}
_DROP = re.compile(
    r"\b(?:(?:19|20)\d\d|\d+(?:st|nd|rd|th)|proceedings|of the|proc|ieee|cvf|acm|siam|"
    r"first|second|third|fourth|fifth|annual)\b"
)


def _plain(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", name.lower())
    return re.sub(r"\s+", " ", _DROP.sub(" ", text)).strip()


_PLAIN_NAMES = {_plain(k): v for k, v in _LONG_NAMES.items()}


def short_venue(name: str | None, alternate_names: tuple[str, ...] | list[str] = ()) -> str | None:
    """``"IEEE/CVF Conference on Computer Vision and Pattern Recognition"`` → ``"CVPR"``;
    ``None`` when neither the name, its alternates nor an acronym in it is known."""
    if not name:
        return None
    plain = _plain(name)
    if plain in _PLAIN_NAMES:
        return _PLAIN_NAMES[plain]
    for candidate in (name, *alternate_names):
        key = re.sub(r"[ \t]+", " ", candidate.strip().lower())
        if key in _CANONICAL and key != "mm":
            return _CANONICAL[key]
    for long, short in sorted(_PLAIN_NAMES.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![a-z0-9]){re.escape(long)}(?![a-z0-9])", plain):
            return short
    found = find_venue(name)
    return found.name if found is not None and found.name in _CANONICAL.values() else None
