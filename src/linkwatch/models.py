"""Values that flow between the pipeline stages.

Every stage takes and returns these; none of them does I/O. Results are values,
not exceptions: a dead link is a ``LinkResult`` with ``verdict=DEAD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """One verdict per distinct URL per run (report.json contract, ARCHITECTURE §3)."""

    ALIVE = "alive"
    REDIRECT = "redirect"
    DEAD = "dead"
    UNVERIFIABLE = "unverifiable"
    EXCLUDED = "excluded"


class ErrorCode(StrEnum):
    """Why a check did not end ``alive``; the ``error`` field of report.json."""

    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    TIMEOUT = "timeout"
    RESET = "reset"
    HTTP = "http"
    SOFT404 = "soft404"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate_limited"
    INVALID_URL = "invalid_url"
    PRIVATE_ADDRESS = "private_address"
    TOO_LARGE = "too_large"


class RedirectKind(StrEnum):
    PERMANENT = "permanent"
    TEMPORARY = "temporary"


class LinkKind(StrEnum):
    """What a link points at, from its label and host."""

    PAPER = "paper"
    CODE = "code"
    VIDEO = "video"
    BLOG = "blog"
    DATASET = "dataset"
    PROJECT = "project"
    OTHER = "other"


class Target(StrEnum):
    """How a link is reached: over the web, as a file next to the list, or in-page."""

    WEB = "web"  # http(s) URL
    LOCAL = "local"  # relative path such as src/Datasets.md (maybe with #fragment)
    FRAGMENT = "fragment"  # #anchor inside the same file
    EXCLUDED = "excluded"  # mailto:, tel:, ftp:, javascript:, empty target …


@dataclass(frozen=True, slots=True)
class Venue:
    """A venue parsed from an entry, e.g. raw ``(CVPR-2020)`` → name CVPR, year 2020."""

    name: str
    year: int | None
    raw: str
    start: int  # byte span of ``raw`` in the file
    end: int


@dataclass(frozen=True, slots=True)
class Link:
    """One occurrence of a link in a Markdown file.

    ``start``/``end`` are byte offsets of the URL text in the file as read from disk
    (``data[start:end].decode() == url``), so later stages can replace exactly it.
    ``line``/``column`` are 1-based and point at the first character of the URL.
    """

    url: str  # exactly as written in the source (after entity decoding is NOT applied)
    file: str
    line: int
    column: int
    start: int
    end: int
    label: str  # link text, markup stripped ("" for bare URLs)
    kind: LinkKind
    target: Target
    section: str  # heading path, "Papers > 2020"
    entry: str | None  # title of the entry the link belongs to, if any
    syntax: str  # inline | reference | definition (never used) | autolink | bare | html | image
    excluded_reason: str = ""  # why the list itself excludes it (inline ignore comment)


@dataclass(frozen=True, slots=True)
class Entry:
    """A list item or table row that carries links."""

    file: str
    line: int
    section: str
    title: str
    venue: Venue | None
    links: tuple[Link, ...]
    start: int  # byte span of the whole item/row in the file
    end: int


@dataclass(frozen=True, slots=True)
class Anchor:
    """A place a ``#fragment`` can point at: a heading slug or an HTML name/id."""

    file: str
    name: str
    line: int
    source: str  # heading | html


@dataclass(frozen=True, slots=True)
class Document:
    """Everything extracted from one Markdown file."""

    file: str
    links: tuple[Link, ...]
    entries: tuple[Entry, ...]
    anchors: tuple[Anchor, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UrlInfo:
    """A normalised URL and what site object it names (``urls.classify``)."""

    url: str  # as written
    normalized: str  # dedupe key, fragment removed
    fragment: str | None
    host: str
    site: str | None = None  # arxiv | github | wechat | zhihu | bilibili | youtube | None
    arxiv_id: str | None = None  # without version, e.g. "2010.03045", "hep-th/9901001"
    arxiv_version: int | None = None
    github_owner: str | None = None
    github_repo: str | None = None
    github_kind: str | None = None  # repo | org_or_user | blob | tree | gist | other
    github_subpath: str | None = None  # e.g. "tree/master/performer/fast_self_attention"
    video_id: str | None = None  # Bilibili BV/av id, YouTube id
    post_id: str | None = None  # Zhihu post/question/answer id, WeChat token or sn
    wall: str | None = None  # "bot" / "login": the host's declaration says it walls off checkers


@dataclass(slots=True)
class LinkResult:
    """The outcome of checking one distinct URL (``url`` is the normalised form)."""

    url: str
    verdict: Verdict
    status: int | None = None
    final_url: str | None = None
    redirect_kind: RedirectKind | None = None
    error: ErrorCode | None = None
    reason: str = ""
    attempts: int = 0
    checked_at: str = ""  # ISO 8601 UTC, "2026-11-25T03:00:00Z"
    duration_ms: int = 0
    chain: list[tuple[int, str]] = field(default_factory=list)  # (status, location) per hop
    etag: str | None = None
    last_modified: str | None = None
    cached: bool = False
    first_failed_at: str | None = None
    consecutive_failures: int = 0
    notes: list[str] = field(default_factory=list)  # e.g. "archived", "restricted"

    @property
    def failed(self) -> bool:
        return self.verdict is Verdict.DEAD


@dataclass(frozen=True, slots=True)
class PaperMeta:
    """arXiv metadata for one paper."""

    arxiv_id: str
    version: int | None
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: str  # ISO date-time
    updated: str
    journal_ref: str | None
    doi: str | None
    comment: str | None
    primary_category: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "published": self.published,
            "updated": self.updated,
            "journal_ref": self.journal_ref,
            "doi": self.doi,
            "comment": self.comment,
            "primary_category": self.primary_category,
        }


@dataclass(frozen=True, slots=True)
class RepoMeta:
    """GitHub metadata for one repository."""

    full_name: str  # current owner/name (differs from the link when renamed)
    stars: int
    forks: int
    archived: bool
    pushed_at: str | None
    description: str | None
    license: str | None
    html_url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name,
            "stars": self.stars,
            "forks": self.forks,
            "archived": self.archived,
            "pushed_at": self.pushed_at,
            "description": self.description,
            "license": self.license,
            "html_url": self.html_url,
        }


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One proposed edit: replace ``old`` at byte span [start, end) of ``file`` with ``new``."""

    file: str
    line: int
    start: int
    end: int
    old: str
    new: str
    reason: str
    confidence: Confidence
    # redirect | rename | tracking | wechat | https | archive | archived | venue | arxiv | duplicate
    kind: str


@dataclass(frozen=True, slots=True)
class Finding:
    """Something wrong with the list that is not a failed URL (missing anchor, duplicate…)."""

    kind: str  # missing_fragment | missing_file | duplicate_anchor | duplicate_url
    file: str
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class S2Paper:
    """Semantic Scholar's record of one paper; ``venue`` is the short name (``CVPR``) when
    ``venues.short_venue`` knows the publication venue, else S2's own spelling."""

    paper_id: str
    title: str
    venue: str | None
    venue_full: str | None  # publicationVenue.name, else S2's venue string
    venue_type: str | None  # conference | journal | None
    year: int | None
    publication_date: str | None
    citations: int | None
    doi: str | None
    arxiv_id: str | None
    dblp: str | None
    journal: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "paper_id": self.paper_id,
            "title": self.title,
            "venue": self.venue,
            "venue_full": self.venue_full,
            "venue_type": self.venue_type,
            "year": self.year,
            "publication_date": self.publication_date,
            "citations": self.citations,
            "doi": self.doi,
            "arxiv_id": self.arxiv_id,
            "dblp": self.dblp,
            "journal": self.journal,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> S2Paper:
        return cls(**{name: data.get(name) for name in cls.__slots__})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RepoTrend:
    """What the store's history says about a repository across runs."""

    stars_gained_30d: int | None  # None: no observation old enough to compare with
    stars_gained_90d: int | None
    archived_since: str | None  # first run of the current archived streak
    first_seen: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "stars_gained_30d": self.stars_gained_30d,
            "stars_gained_90d": self.stars_gained_90d,
            "archived_since": self.archived_since,
            "first_seen": self.first_seen,
        }
