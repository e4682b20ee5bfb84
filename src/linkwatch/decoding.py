"""Bytes of a page → text, the way browsers pick the encoding.

A Chinese "页面不存在" page served as GBK with the charset only in ``<meta>`` reads
as mojibake under a UTF-8 default: no soft-404 rule can match it and its title in a
reason line is unreadable. Order (the WHATWG one, minus the parts that need a
full parser): a byte-order mark, the ``charset`` of the Content-Type header, a
``<meta charset>`` or ``<meta http-equiv="Content-Type">`` in the first bytes, then
UTF-8 if the bytes are valid UTF-8, then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
import re

# Browsers look for <meta charset> in the first 1024 bytes; pages in the wild put
# long comments and scripts first, so a little more is read.
META_SCAN = 4096
SNIFF_BYTES = 64 * 1024  # charset-normalizer gets at most this much (it is not free)

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that browsers map to a superset (WHATWG Encoding Standard): pages labelled
# gb2312 are really GBK, latin-1 pages are really windows-1252, and so on.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}


def _codec(label: str | None) -> str | None:
    """A Python codec for a charset label, browsers' supersets applied; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name in ("utf-16", "utf-32"):  # a declared UTF-16 without BOM: browsers use UTF-8
        return None
    return _SUPERSETS.get(name, name)


def header_charset(content_type: str) -> str | None:
    """The codec named by a Content-Type header's ``charset``, if any and known."""
    m = _HEADER_CHARSET.search(content_type or "")
    return _codec(m.group(1)) if m else None


def meta_charset(body: bytes) -> str | None:
    """The codec a ``<meta charset>`` / ``http-equiv`` declaration in the page's head names."""
    m = _META_CHARSET.search(body[:META_SCAN])
    return _codec(m.group(1).decode("ascii", "replace")) if m else None


def sniff_charset(body: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else charset-normalizer's best guess."""
    sample = body[:SNIFF_BYTES]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not merely a character cut at the sample's end
            import charset_normalizer  # 50 ms to import, needed by few pages

            best = charset_normalizer.from_bytes(sample).best()
            if best is not None and (guess := _codec(best.encoding)):
                return guess
    return "utf-8"


def charset_of(body: bytes, content_type: str = "") -> str:
    """The codec to decode ``body`` with: BOM, header, ``<meta>``, then sniffing."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return header_charset(content_type) or meta_charset(body) or sniff_charset(body)


def decode_body(body: bytes, content_type: str = "") -> str:
    """``body`` as text (undecodable bytes replaced, a BOM dropped)."""
    charset = charset_of(body, content_type)
    text = body.decode(charset, errors="replace")
    return text.removeprefix("\ufeff")
