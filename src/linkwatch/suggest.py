"""Suggested README edits: stored findings → byte-exact edits → a unified diff.

A suggestion replaces one byte span of a file (the URL text, the venue text) or
inserts at one point (an ``[[arXiv](…)]`` link, ``(archived)``, `` [archived](…)``),
or removes one duplicate link's markup. Everything else in the file — line endings,
BOM, trailing whitespace, other encodings' bytes — is left exactly as it was, so the
patch is reviewable and ``git apply`` / ``patch -p1`` accept it.

Overlaps are resolved deterministically: at most one edit per span, chosen by
``PRIORITY`` (earlier wins, then the earlier span, then the new text). Zero-width
insertions at the same point never conflict; they are applied in ``PRIORITY`` order.

Idempotence: every new URL is already in its final, cleaned form (a redirect's
target with tracking stripped, the fragment kept), and every insertion checks the
text it would add is not already there, so suggesting again after applying
proposes nothing new.

Everything here is pure except ``stored_inputs``, which reads what ``linkwatch fix``
needs from a ``Store`` it is handed.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .config import Settings
from .enrich import Enrichment
from .enrich.arxiv import ARXIV_SOURCE, SEARCH_SOURCE, normalize_title, paper_from_json
from .enrich.github import SOURCE as GITHUB_SOURCE
from .enrich.s2 import s2_for_entry, stored_papers
from .enrich.wayback import stored_snapshots
from .errors import CannotJudge
from .models import (
    Confidence,
    Document,
    Entry,
    Link,
    LinkResult,
    PaperMeta,
    RedirectKind,
    RepoMeta,
    S2Paper,
    Suggestion,
    Target,
    UrlInfo,
    Verdict,
)
from .trends import repo_trends
from .urls import classify, normalize, strip_tracking
from .venues import KNOWN_VENUES, find_venue

if TYPE_CHECKING:
    from .store import Store

# Earlier wins a conflict. Removing a duplicate makes edits to it moot; the GitHub API
# knows a repository's new name better than a redirect chain does; a redirect target
# is already stripped of tracking; insertions come last and never touch a URL.
PRIORITY: tuple[str, ...] = (
    "duplicate",
    "rename",
    "redirect",
    "wechat",
    "tracking",
    "https",
    "archive",
    "archived",
    "arxiv",
    "venue",
    "doi",
)
KINDS = frozenset(PRIORITY)
_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}
_USABLE = (Verdict.ALIVE, Verdict.REDIRECT)
# words of a login page's path or host ("sign-in", "log_in" are joined first)
_LOGIN_WORDS = frozenset(
    {"login", "logon", "signin", "signon", "auth", "oauth", "oauth2", "authorize", "sso"}
    | {"account", "accounts", "passport"}
)
_JOIN_SIGN_IN = re.compile(r"\b(sign|log)[-_ ]?(in|on)\b")
_WAYBACK_HOSTS = ("web.archive.org", "archive.org")
_URL_PARTS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(/[^?#]*)(.*)$", re.DOTALL)
_SECOND_LEVEL = {"co", "com", "net", "org", "ac", "edu", "gov"}

_NOT_PUBLISHED = re.compile(r"submitted|under review|in review|preprint|rejected", re.IGNORECASE)
# a venue as lists write it: opening bracket, name, then separator + year and closing bracket
_RAW_PARTS = re.compile(
    r"^(?P<open>[(\[（【]?[ \t]*)(?P<name>.*?)"
    r"(?P<tail>(?:[ \t]*[-_,]?[ \t]*(?:19|20)\d\d|[ \t]*['’‘`-]\d\d)?[ \t]*[)\]）】]?)$",
    re.DOTALL,
)
_FOUR_DIGITS = re.compile(r"(?:19|20)\d\d")


# classify parses the URL; a list repeats URLs and every stage asks again, so remember it
_classify = lru_cache(maxsize=16384)(classify)


class SuggestionMismatch(CannotJudge, ValueError):
    """A suggestion's ``old`` text is not at its span: the file changed since extraction."""


# ---------------------------------------------------------------- building


def suggest(
    documents: list[Document],
    results: Mapping[str, LinkResult],
    found: Enrichment,
    settings: Settings,
    sources: Mapping[str, bytes] | None = None,
) -> list[Suggestion]:
    """One suggestion per span, every confidence: what a report lists.

    For a patch, pass the result through ``select`` (default: medium and up); to
    pick kinds before overlaps are settled, use ``select(candidates(...), …)``.
    """
    return resolve(candidates(documents, results, found, settings, sources))


def candidates(
    documents: list[Document],
    results: Mapping[str, LinkResult],
    found: Enrichment,
    settings: Settings,
    sources: Mapping[str, bytes] | None = None,
) -> list[Suggestion]:
    """Every candidate edit for ``documents``, overlapping ones included (see ``select``).

    ``results`` is keyed by ``urls.normalize(link.url)``; ``found`` holds what the
    enrichers know (see ``enrich.Enrichment`` for its keys). ``sources`` (file → bytes as read
    from disk) is needed for edits outside a URL's own text (insertions, removing a
    duplicate, an arXiv-only entry's new venue); without it only URL and venue
    replacements are proposed.
    """
    out: list[Suggestion] = []
    for doc in documents:
        data = sources.get(doc.file) if sources is not None else None
        venue_sep = _venue_separator(doc)
        for link in doc.links:
            if link.target is Target.WEB:
                out.extend(
                    _link_suggestions(link, results, found.repos, found.snapshots, settings, data)
                )
        for entry in doc.entries:
            out.extend(_entry_suggestions(entry, found, data, venue_sep))
    return sorted(out, key=_order)


def select(
    suggestions: Iterable[Suggestion],
    only: set[str] | None = None,
    min_confidence: Confidence | str = Confidence.MEDIUM,
) -> list[Suggestion]:
    """The suggestions of the wanted kinds and confidence, overlaps resolved.

    Filtering comes before overlap resolution, so ``--only tracking`` still strips
    tracking from a link whose redirect suggestion was not selected.
    """
    floor = _RANK[Confidence(min_confidence)]
    wanted = [
        s
        for s in suggestions
        if (only is None or s.kind in only) and _RANK[Confidence(s.confidence)] >= floor
    ]
    return resolve(wanted)


def resolve(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    """At most one edit per span; the winner by ``PRIORITY``, then position, then text."""
    taken: dict[str, _Taken] = {}
    kept: list[Suggestion] = []
    for s in sorted(set(suggestions), key=lambda s: (_prio(s), s.file, s.start, s.end, s.new)):
        if taken.setdefault(s.file, _Taken()).claim(s.start, s.end):
            kept.append(s)
    return sorted(kept, key=_order)


class _Taken:
    """The spans and insertion points already claimed in one file (bisect, not a scan)."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []  # non-empty, sorted, never overlapping
        self.points: list[int] = []  # sorted insertion offsets

    def claim(self, start: int, end: int) -> bool:
        """Claim [start, end) unless it conflicts. Two insertions at one point do not
        conflict (both apply, in PRIORITY order); an insertion strictly inside a span does."""
        if start == end:
            i = bisect.bisect_left(self.spans, (start, -1))  # spans starting before the point
            if i and self.spans[i - 1][1] > start:
                return False
            bisect.insort(self.points, start)
            return True
        i = bisect.bisect_left(self.spans, (end, -1))  # spans starting before our end
        if i and self.spans[i - 1][1] > start:
            return False
        j = bisect.bisect_right(self.points, start)
        if j < len(self.points) and self.points[j] < end:
            return False
        bisect.insort(self.spans, (start, end))
        return True


def _prio(s: Suggestion) -> int:
    return PRIORITY.index(s.kind) if s.kind in KINDS else len(PRIORITY)


def _order(s: Suggestion) -> tuple[Any, ...]:
    return (s.file, s.start, s.end, _prio(s), s.new)


@dataclass(frozen=True)
class StoredInputs:
    """What ``candidates`` needs besides the documents, as the store last saw it."""

    results: dict[str, LinkResult]
    enrichment: Enrichment


def https_twins(documents: list[Document]) -> list[str]:
    """Normalised https forms of the http links: checking them lets ``https`` be proposed."""
    return sorted(
        {
            normalize("https://" + link.url[len("http://") :])
            for doc in documents
            for link in doc.links
            if link.target is Target.WEB and link.url.lower().startswith("http://")
        }
    )


def stored_inputs(store: Store, documents: list[Document]) -> StoredInputs:
    """Latest results and enrichment answers for ``documents`` from the store: no network,
    which is why ``linkwatch fix`` is fast and works offline."""
    infos = [
        _classify(link.url) for doc in documents for link in doc.links if link.target is Target.WEB
    ]
    keys = sorted({info.normalized for info in infos} | set(https_twins(documents)))
    arxiv_ids = sorted({info.arxiv_id for info in infos if info.arxiv_id})
    repo_keys = sorted(
        {
            f"{info.github_owner}/{info.github_repo}".lower()
            for info in infos
            if info.github_owner and info.github_repo
        }
    )
    titles = {
        normalize_title(entry.title): entry.title
        for doc in documents
        for entry in doc.entries
        if entry.title
    }
    papers = {
        key: paper_from_json(value)
        for key, (value, _) in store.get_metadata(ARXIV_SOURCE, arxiv_ids).items()
        if value
    }
    repos = {
        key: RepoMeta(**value["meta"])
        for key, (value, _) in store.get_metadata(GITHUB_SOURCE, repo_keys).items()
        if value and value.get("status") == "ok" and value.get("meta")
    }
    hits = {
        titles[key]: paper_from_json(value["paper"])
        for key, (value, _) in store.get_metadata(SEARCH_SOURCE, list(titles)).items()
        if value and value.get("paper")
    }
    enrichment = Enrichment(
        papers=papers,
        repos=repos,
        title_hits=hits,
        snapshots=stored_snapshots(store, keys),
        s2=stored_papers(store, documents, hits),
        trends=repo_trends(store.metadata_history("repo", list(repos)), datetime.now(UTC)),
    )
    return StoredInputs(results=store.latest_results(keys), enrichment=enrichment)


# ---------------------------------------------------------------- per link


def _link_suggestions(
    link: Link,
    results: Mapping[str, LinkResult],
    repos: Mapping[str, RepoMeta],
    snapshots: Mapping[str, str],
    settings: Settings,
    data: bytes | None,
) -> list[Suggestion]:
    info = _classify(link.url)
    result = results.get(info.normalized)
    if result is None:
        return []  # never checked: nothing is known about it
    if result.verdict is Verdict.DEAD:
        return _archive(link, info.normalized, result, snapshots, settings, data)
    if result.verdict not in _USABLE:
        return []  # unverifiable or excluded: no evidence either way
    found: list[Suggestion] = []
    meta = None
    if info.site == "github" and info.github_owner and info.github_repo:
        written = f"{info.github_owner}/{info.github_repo}".lower()
        meta = repos.get(written)
        if meta is not None and meta.full_name.lower() != written:
            new = _with_repo(link.url, meta.full_name)
            if new is not None:
                why = f"repository renamed to {meta.full_name}"
                found.append(_url_edit(link, new, "rename", Confidence.HIGH, why))
    redirect = _redirect_target(link.url, result)
    if redirect is not None:
        codes = ", ".join(str(status) for status, _ in result.chain if 300 <= status < 400)
        why = f"moved permanently ({codes})" if codes else "moved permanently"
        found.append(_url_edit(link, redirect, "redirect", Confidence.HIGH, why))
    cleaned = strip_tracking(link.url)
    if cleaned != link.url:
        removed = sorted(_param_names(link.url) - _param_names(cleaned))
        names = ", ".join(removed)
        if info.site == "wechat":
            why = "WeChat reader session/tracking parameters removed (they leak and expire)"
            found.append(_url_edit(link, cleaned, "wechat", Confidence.HIGH, f"{why}: {names}"))
        else:
            why = f"tracking parameters removed: {names}"
            found.append(_url_edit(link, cleaned, "tracking", Confidence.HIGH, why))
    https = _https_twin(link.url, result, results)
    if https is not None:
        found.append(_url_edit(link, https, "https", Confidence.MEDIUM, "https answers the same"))
    if settings.mark_archived_repos and meta is not None and meta.archived and data is not None:
        found.extend(_archived_mark(link, info, data))
    return [s for s in found if s.new != s.old]


def _url_edit(link: Link, new: str, kind: str, confidence: Confidence, reason: str) -> Suggestion:
    return Suggestion(
        file=link.file,
        line=link.line,
        start=link.start,
        end=link.end,
        old=link.url,
        new=new,
        reason=reason,
        confidence=confidence,
        kind=kind,
    )


def _with_repo(url: str, full_name: str) -> str | None:
    """``url`` with its owner/repo path segments replaced; subpath, query, fragment kept."""
    match = _URL_PARTS.match(url)
    if match is None or "/" not in full_name:
        return None
    prefix, path, rest = match.groups()
    segments = path.split("/")
    if len(segments) < 3:
        return None
    owner, repo = full_name.split("/", 1)
    suffix = ".git" if segments[2].endswith(".git") else ""
    segments[1:3] = [owner, repo + suffix]
    return strip_tracking(prefix + "/".join(segments) + rest)


def _redirect_target(url: str, result: LinkResult) -> str | None:
    """The final URL of a permanent redirect to a live, real page; else ``None``."""
    if result.verdict is not Verdict.REDIRECT or not result.final_url:
        return None
    if result.redirect_kind is not RedirectKind.PERMANENT:
        return None
    if result.status is not None and not 200 <= result.status < 300:
        return None
    if _looks_like_landing(url, result.final_url):
        return None
    target = _markdown_safe(strip_tracking(result.final_url))
    fragment = urlsplit(url).fragment
    if fragment and not urlsplit(target).fragment:
        target = f"{target}#{fragment}"  # browsers carry the fragment across redirects
    return target


def _markdown_safe(url: str) -> str:
    """A URL from outside the list, made safe inside ``(…)``/``<…>``: spaces and angle
    brackets always escaped, parentheses only when unbalanced (``/wiki/A_(b)`` stays)."""
    url = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    depth = 0
    for char in url:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        url = url.replace("(", "%28").replace(")", "%29")
    return url


def _looks_like_landing(old: str, new: str) -> bool:
    """A redirect to a login page or to a site's front page is a soft 404, not a move."""
    before, after = urlsplit(old), urlsplit(new)
    path = after.path.lower()
    first_label = (after.hostname or "").split(".")[0]
    words = set(re.split(r"[^a-z0-9]+", _JOIN_SIGN_IN.sub(r"\1\2", path))) | {first_label}
    if words & _LOGIN_WORDS:
        return True
    if path not in ("", "/"):
        return False
    was_root = before.path in ("", "/")
    return not was_root or _registrable(before.hostname) != _registrable(after.hostname)


def _registrable(host: str | None) -> str:
    """example.co.uk → example.co.uk, www.example.com → example.com (a close enough guess)."""
    labels = (host or "").lower().rstrip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _https_twin(url: str, result: LinkResult, results: Mapping[str, LinkResult]) -> str | None:
    """The https form of an http link, when it was checked and answers the same."""
    if not url.lower().startswith("http://") or result.verdict is not Verdict.ALIVE:
        return None
    candidate = "https://" + url[len("http://") :]
    twin = results.get(normalize(candidate))
    if twin is None or twin.verdict is not Verdict.ALIVE or twin.status != result.status:
        return None
    return strip_tracking(candidate)


def _param_names(url: str) -> set[str]:
    return {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def _archive(
    link: Link,
    key: str,
    result: LinkResult,
    snapshots: Mapping[str, str],
    settings: Settings,
    data: bytes | None,
) -> list[Suggestion]:
    """A dead link (broken for ``fail_after`` runs) → its Wayback snapshot."""
    snapshot = snapshots.get(key)
    if snapshot is None or result.consecutive_failures < settings.fail_after:
        return []
    snapshot = _markdown_safe(snapshot)
    if (urlsplit(link.url).hostname or "").lower() in _WAYBACK_HOSTS:
        return []
    fragment = urlsplit(link.url).fragment
    if fragment and not urlsplit(snapshot).fragment:
        snapshot = f"{snapshot}#{fragment}"
    why = f"dead ({result.reason or result.error or result.status}); Wayback snapshot"
    if settings.archive_style != "append":
        return [_url_edit(link, snapshot, "archive", Confidence.MEDIUM, why)]
    if data is None:
        return []
    span = _markup_span(data, link)
    if span is None:
        return []
    text = f" [archived]({snapshot})"
    if data[span[1] :].startswith(b" [archived]("):
        return []
    return [_insert(link.file, data, span[1], text, "archive", Confidence.MEDIUM, why)]


def _archived_mark(link: Link, info: UrlInfo, data: bytes) -> list[Suggestion]:
    if info.github_kind != "repo" or info.github_subpath:
        return []  # only a link to the repository itself gets the mark
    span = _markup_span(data, link)
    if span is None or data[span[1] :].lstrip(b" ").startswith(b"(archived)"):
        return []
    why = "repository is archived (read-only)"
    return [_insert(link.file, data, span[1], " (archived)", "archived", Confidence.LOW, why)]


def _insert(
    file: str, data: bytes, at: int, text: str, kind: str, confidence: Confidence, reason: str
) -> Suggestion:
    return Suggestion(
        file=file,
        line=data.count(b"\n", 0, at) + 1,
        start=at,
        end=at,
        old="",
        new=text,
        reason=reason,
        confidence=confidence,
        kind=kind,
    )


# ---------------------------------------------------------------- per entry


def _entry_suggestions(
    entry: Entry,
    found: Enrichment,
    data: bytes | None,
    venue_sep: str,
) -> list[Suggestion]:
    out: list[Suggestion] = []
    if data is not None:
        out.extend(_duplicates(entry, data))
    arxiv_ids = [
        info.arxiv_id
        for info in (_classify(link.url) for link in entry.links if link.target is Target.WEB)
        if info.arxiv_id
    ]
    s2 = s2_for_entry(entry, found)
    published = _published_venue(found.papers.get(arxiv_ids[0]) if arxiv_ids else None, s2)
    if published is not None:
        out.extend(_venue(entry, published, data, venue_sep))
        if s2 is not None and data is not None:
            out.extend(_doi_link(entry, s2, data))
    if not arxiv_ids and data is not None:
        hit = found.title_hits.get(entry.title)
        if hit is not None:
            out.extend(_arxiv_link(entry, hit, data))
    return out


def _duplicates(entry: Entry, data: bytes) -> list[Suggestion]:
    """The second identical link (same URL, same label) in one entry → removed."""
    seen: set[tuple[str, str]] = set()
    found: list[Suggestion] = []
    for link in entry.links:
        key = (link.url, link.label.strip().lower())
        if key not in seen:
            seen.add(key)
            continue
        span = _markup_span(data, link)
        if span is None:
            continue
        start, end = span
        if data[start - 1 : start] == b" " and data[end : end + 1] in (b" ", b"\r", b"\n", b""):
            start -= 1  # take the separating space along, not leave a double or trailing one
        found.append(
            Suggestion(
                file=link.file,
                line=link.line,
                start=start,
                end=end,
                old=_text(data[start:end]),
                new="",
                reason="duplicate of an identical link in the same entry",
                confidence=Confidence.MEDIUM,
                kind="duplicate",
            )
        )
    return found


def _arxiv_link(entry: Entry, paper: PaperMeta, data: bytes) -> list[Suggestion]:
    """An entry without an arXiv link whose title search found the paper → add one."""
    url = f"https://arxiv.org/abs/{paper.arxiv_id}"
    why = f"arXiv paper found by title: {paper.title}"
    return _link_insertion(entry, "arXiv", url, data, "arxiv", Confidence.MEDIUM, why)


def _doi_link(entry: Entry, s2: S2Paper, data: bytes) -> list[Suggestion]:
    """A preprint (no venue, or arXiv) that S2 knows as published with a DOI → link it."""
    if not s2.doi or (entry.venue is not None and entry.venue.name != "arXiv"):
        return []
    if any(s2.doi.lower() in link.url.lower() for link in entry.links):
        return []
    url = f"https://doi.org/{s2.doi}"
    why = f"published as {s2.venue} {s2.year or ''}".rstrip() + " (Semantic Scholar): DOI"
    return _link_insertion(entry, "DOI", url, data, "doi", Confidence.LOW, why)


def _link_insertion(
    entry: Entry,
    label: str,
    url: str,
    data: bytes,
    kind: str,
    confidence: Confidence,
    why: str,
) -> list[Suggestion]:
    """A ``[[label](url)]`` (or `` [label](url)``) after the entry's last first-line link."""
    first_line = [link for link in entry.links if link.line == entry.line]
    spans = [(link, _markup_span(data, link)) for link in first_line]
    spans = [(link, span) for link, span in spans if span is not None]
    if not spans:
        return []
    _, (start, end) = spans[-1]
    wrapped = data[start : start + 2] == b"[["
    text = f"[[{label}]({url})]" if wrapped else f" [{label}]({url})"
    return [_insert(entry.file, data, end, text, kind, confidence, why)]


def _venue(
    entry: Entry, published: tuple[str, int | None, str], data: bytes | None, sep: str
) -> list[Suggestion]:
    """The published venue (``_published_venue``) when it differs from the entry's."""
    name, year, why = published
    venue = entry.venue
    if venue is not None:
        same_name = venue.name.lower() == name.lower()
        same_year = year is None or venue.year is None or venue.year == year
        parts = _RAW_PARTS.match(venue.raw)
        if (same_name and same_year) or parts is None:
            return []
        tail = parts["tail"]
        if venue.year is not None and year is not None:
            tail = tail.replace(str(venue.year), str(year), 1)
            if str(year) not in tail:  # a two-digit year such as ICCV'19
                tail = tail.replace(f"{venue.year % 100:02d}", f"{year % 100:02d}", 1)
        raw = parts["open"] + (parts["name"] if same_name else name) + tail
        if raw == venue.raw:
            return []
        edit = Suggestion(
            file=entry.file,
            line=entry.line,
            start=venue.start,
            end=venue.end,
            old=venue.raw,
            new=raw,
            reason=why,
            confidence=Confidence.LOW,
            kind="venue",
        )
        return [edit]
    if data is None or year is None:
        return []
    title = entry.title.encode("utf-8")
    at = data.find(title, entry.start, entry.end)
    if not title or at < 0:
        return []
    first = entry.links[0] if entry.links else None
    markup = _markup_span(data, first) if first is not None else None
    if first is not None and at + len(title) > (markup[0] if markup else first.start):
        return []  # the title is the link's own label: no text of the entry to extend
    text = f" ({name}{sep}{year})"
    return [_insert(entry.file, data, at + len(title), text, "venue", Confidence.LOW, why)]


def _published_venue(
    paper: PaperMeta | None, s2: S2Paper | None
) -> tuple[str, int | None, str] | None:
    """(venue, year, the evidence in words): Semantic Scholar's publication venue when it is
    one lists name (CVPR, TPAMI …), else arXiv's journal_ref, else its comment."""
    if s2 is not None and s2.venue in KNOWN_VENUES and s2.venue != "arXiv":
        full = f" ({s2.venue_full})" if s2.venue_full and s2.venue_full != s2.venue else ""
        year = f" {s2.year}" if s2.year else ""
        return s2.venue, s2.year, f"Semantic Scholar says {s2.venue}{year}{full}"
    if paper is None:
        return None
    for source, text in (("journal_ref", paper.journal_ref), ("comment", paper.comment)):
        if text and not _NOT_PUBLISHED.search(text):
            found = find_venue(text)
            if found is not None and found.name != "arXiv":
                year = f" {found.year}" if found.year else ""
                return found.name, found.year, f"arXiv {source} says {found.name}{year}"
    return None


def _venue_separator(doc: Document) -> str:
    """How this list writes a venue: ``(CVPR-2020)`` or ``(CVPR 2020)``; the majority wins."""
    votes: Counter[str] = Counter()
    for entry in doc.entries:
        parts = _RAW_PARTS.match(entry.venue.raw) if entry.venue is not None else None
        year = _FOUR_DIGITS.search(parts["tail"]) if parts is not None else None
        if parts is not None and year is not None:
            votes[parts["tail"][: year.start()].strip(" \t") or " "] += 1
    return votes.most_common(1)[0][0] if votes else "-"


# ---------------------------------------------------------------- markup


def _markup_span(data: bytes, link: Link) -> tuple[int, int] | None:
    """Byte span of a link's whole markup: ``[label](url)``, ``[[label](url)]``, ``<url>``."""
    if link.syntax == "bare":
        return link.start, link.end
    if link.syntax == "autolink":
        ok = data[link.start - 1 : link.start] == b"<" and data[link.end : link.end + 1] == b">"
        return (link.start - 1, link.end + 1) if ok else None
    if link.syntax != "inline":
        return None
    opener = link.start - 2
    if data[link.start - 1 : link.start] == b"<":
        opener -= 1
    if data[opener : opener + 2] != b"](":
        return None
    depth, start = 0, None
    for i in range(opener, -1, -1):
        byte = data[i : i + 1]
        if byte == b"]":
            depth += 1
        elif byte == b"[":
            depth -= 1
            if depth == 0:
                start = i
                break
        elif byte == b"\n":
            return None
    close = data.find(b")", link.end)
    newline = data.find(b"\n", link.end)
    if start is None or close < 0 or (0 <= newline < close):
        return None
    if data[start - 1 : start] == b"!":
        return None  # an image, not a link
    end = close + 1
    if data[start - 1 : start] == b"[" and data[end : end + 1] == b"]":
        start, end = start - 1, end + 1  # the list's own [[label](url)] style
    return start, end


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


# ---------------------------------------------------------------- applying and diffing


def apply_to_bytes(data: bytes, suggestions: Iterable[Suggestion]) -> bytes:
    """``data`` with the (resolved) edits applied; all other bytes unchanged.

    Raises ``SuggestionMismatch`` when an edit's old text is not where it should be.
    """
    out: list[bytes] = []
    pos = 0
    for s in resolve(suggestions):
        old = _bytes(s.old)
        if data[s.start : s.end] != old:
            raise SuggestionMismatch(
                f"{s.file}:{s.line}: expected {s.old!r} at bytes {s.start}-{s.end}; "
                "the file changed since it was read"
            )
        out.append(data[pos : s.start])
        out.append(_bytes(s.new))
        pos = s.end
    out.append(data[pos:])
    return b"".join(out)


def render_patch(files: Mapping[str, bytes], suggestions: Iterable[Suggestion]) -> str:
    """A unified diff (``a/``/``b/`` prefixes) of ``suggestions`` over ``files``.

    File names are used as given (relative to the directory the patch is applied
    in). Lines keep their own endings (LF or CRLF), a missing final newline is
    marked, and non-UTF-8 bytes survive via surrogateescape; write the result with
    ``encoding="utf-8", errors="surrogateescape"``.
    """
    chosen = list(suggestions)
    parts: list[str] = []
    for name, data in files.items():
        mine = [s for s in chosen if s.file == name]
        if not mine:
            continue
        new = apply_to_bytes(data, mine)
        if new != data:
            parts.append(_file_diff(name, data, new))
    return "".join(parts)


def _lines(data: bytes) -> list[str]:
    """Split on LF only (never on CR, FF, U+2028 …), keeping each line's ending."""
    text = _text(data)
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _file_diff(name: str, before: bytes, after: bytes) -> str:
    a, b = _lines(before), _lines(after)
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_diff_line(" ", line) for line in a[i1:i2])
                continue
            out.extend(_diff_line("-", line) for line in a[i1:i2])
            out.extend(_diff_line("+", line) for line in b[j1:j2])
    return "".join(out)


def _diff_line(prefix: str, line: str) -> str:
    if line.endswith("\n"):
        return prefix + line
    return f"{prefix}{line}\n\\ No newline at end of file\n"


def _range(start: int, stop: int) -> str:
    """difflib's unified range: 1-based start, length omitted when 1, 0-length at start-1."""
    length = stop - start
    first = start + 1
    if length == 1:
        return f"{first}"
    if not length:
        first -= 1
    return f"{first},{length}"
