"""Metadata from the arXiv, GitHub, Semantic Scholar and Wayback APIs; the arXiv and
GitHub answers double as liveness checks.

``Enrichment`` is the one value that carries what the enrichers learned through
suggestions, the report and the export (instead of a map per source in every
signature). An ``Enricher`` adds its answers to it and owns its cache in the store:
``s2.S2Enricher`` and ``wayback.WaybackEnricher``. The arXiv and GitHub clients also
settle link verdicts while pages are being checked, so the pipeline runs them itself
and puts their answers into the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..models import Document, PaperMeta, RepoMeta, RepoTrend, S2Paper


@dataclass(frozen=True)
class Enrichment:
    """What the enrichers know about a list's entries and links."""

    papers: Mapping[str, PaperMeta] = field(default_factory=dict)  # arXiv id → meta
    repos: Mapping[str, RepoMeta] = field(default_factory=dict)  # "owner/repo" lower → meta
    title_hits: Mapping[str, PaperMeta] = field(default_factory=dict)  # entry title → meta
    snapshots: Mapping[str, str] = field(default_factory=dict)  # normalised URL → Wayback URL
    s2: Mapping[str, S2Paper] = field(default_factory=dict)  # S2 lookup id (s2.entry_key) → paper
    trends: Mapping[str, RepoTrend] = field(default_factory=dict)  # "owner/repo" lower → trend
    notes: tuple[str, ...] = ()  # one line per source that could not answer fully


class Enricher(Protocol):
    """A metadata source: reads what earlier sources found, returns it with its own answers
    added (a new value). Network trouble becomes a note, never an exception."""

    async def enrich(self, documents: Sequence[Document], found: Enrichment) -> Enrichment: ...
