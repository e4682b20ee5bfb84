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
