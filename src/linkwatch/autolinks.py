"""Bare URLs in Markdown text, as GitHub links them (GFM's autolink extension).

Pure: takes one run of text exactly as written in the source and returns the
character spans of the URLs in it. The rules follow the GFM spec and cmark-gfm:

* ``http://``, ``https://``, ``ftp://`` (the scheme is not glued to a preceding
  letter), ``www.`` (after whitespace, ``*``, ``_``, ``~``, ``(`` or at the start of
  the text), e-mail addresses ``a.b+c@d.e`` and ``mailto:a@b.c?subject=x``;
* a URL runs to whitespace or ``<``; trailing ``?!.,:*_~'"`` are not part of it, a
  trailing ``)`` only when unbalanced, and a trailing ``&entity;`` is dropped;
* beyond GFM, an unbalanced ``]`` ends a URL (``[[https://x.org/a]]``: a URL never
  holds a bare bracket);
* on top of GFM, a URL stops at full-width or CJK punctuation (``）】，。``), which
  lists written in Chinese put right after a URL; symbols such as ``°`` and dashes
  stay in it (``https://en.wikipedia.org/wiki/°C``).
"""

from __future__ import annotations

import re
import unicodedata

_START = re.compile(
    r"(?<![A-Za-z])(?i:https?|ftp)://|(?<![^\s*_~(])www\.|(?<![A-Za-z])(?i:mailto):"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9.+\-_@\\])[A-Za-z0-9.+\-_]+@[A-Za-z0-9\-_]+(?:\.[A-Za-z0-9\-_]+)+"
)
_TO_END = re.compile(r"[^\s<]*")
_TRAILING = "?!.,:*_~'\""
_ENTITY_END = re.compile(r"&[A-Za-z0-9]+;$")
_HOST_PUNCT = frozenset("-_.")


def _stop(ch: str) -> bool:
    """Non-ASCII punctuation or space other than a dash ends a bare URL."""
    if ch.isascii():
        return False
    cat = unicodedata.category(ch)
    return cat[0] == "Z" or (cat[0] == "P" and cat != "Pd")


def _valid_host(text: str, start: int) -> bool:
    """At least one host character, and no underscore in the host's last two labels."""
    end = start
    n = len(text)
    while end < n:
        ch = text[end]
        if ch.isalnum() or ch in _HOST_PUNCT or (not ch.isascii() and not _stop(ch)):
            end += 1
        else:
            break
    host = text[start:end]
    if not host.strip("._-"):
        return False
    return not any("_" in label for label in host.rstrip(".").split(".")[-2:])


def trim(url: str) -> str:
    """GFM's trailing-delimiter rules plus the stop at CJK/full-width punctuation."""
    depth = 0
    for i, ch in enumerate(url):
        if ch == "[":
            depth += 1
        elif ch == "]":  # an unbalanced ] ends it: ``[[https://x.org/a]]`` (wiki links)
            if depth == 0:
                url = url[:i]
                break
            depth -= 1
        elif _stop(ch):
            url = url[:i]
            break
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last == ";":
            m = _ENTITY_END.search(url)
            url = url[: m.start()] if m else url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def find(text: str, www_at_start: bool = True) -> list[tuple[int, int]]:
    """Character spans of the bare URLs and e-mail addresses in ``text``.

    ``www_at_start``: whether what precedes ``text`` in the source lets a ``www.``
    at its very start begin a link (whitespace, ``*``, ``_``, ``~``, ``(``).
    """
    found: list[tuple[int, int]] = []
    pos = 0
    while (m := _START.search(text, pos)) is not None:
        s, host = m.start(), m.end()
        www = text[s] == "w"
        end = _TO_END.match(text, host).end()  # type: ignore[union-attr]
        url = trim(text[s:end])
        if text[host - 1] == ":":  # mailto:address?query
            valid = "@" in url
        else:
            valid = _valid_host(text, host) and (www_at_start or s > 0 or not www)
        if len(url) > host - s and valid:
            found.append((s, s + len(url)))
            pos = s + len(url)
        else:
            pos = host
    if "@" in text:
        urls = found[:]
        for m in _EMAIL.finditer(text):
            s, e = m.span()
            if text[e - 1] in "-_" or any(us < e and s < ue for us, ue in urls):
                continue
            found.append((s, e))
        found.sort()
    return found
