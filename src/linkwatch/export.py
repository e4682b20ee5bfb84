"""Entries with their cached metadata as flat rows (``linkwatch export``), for maintainers
who sort or curate a list in a spreadsheet or a script.

Everything comes from the store's metadata table, filled by ``linkwatch check``, so an
export is offline and fast. Rows reuse the report's entry view (``report.json``
``entries``), flattened into stable columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .enrich.arxiv import normalize_title
from .models import Document, PaperMeta, RepoMeta
from .report import ReportInput, _entry_json
from .store import Store
from .suggest import stored_inputs

# The CSV header, in order; JSON objects carry the same keys. Append, never reorder.
COLUMNS = (
    "file",
    "line",
    "section",
    "title",
    "venue",
    "venue_name",
    "venue_year",
    "links",
    "arxiv_id",
    "arxiv_title",
    "arxiv_authors",
    "arxiv_published",
    "arxiv_journal_ref",
    "arxiv_doi",
    "arxiv_abstract",
    "found_arxiv_id",
    "repo_full_name",
    "repo_stars",
    "repo_forks",
    "repo_archived",
    "repo_pushed_at",
    "repo_license",
)
LIST_SEPARATOR = "; "  # joins links and authors in CSV cells


def export_rows(
    documents: Sequence[Document],
    papers: Mapping[str, PaperMeta],
    repos: Mapping[str, RepoMeta],
    title_hits: Mapping[str, PaperMeta],
) -> list[dict[str, Any]]:
    """One row per entry, in file order. ``papers`` by arXiv id, ``repos`` by "owner/name"
    lowercased, ``title_hits`` by normalised title (``enrich.arxiv.normalize_title``)."""
    by_title = {
        entry.title: title_hits[key]
        for doc in documents
        for entry in doc.entries
        if (key := normalize_title(entry.title)) in title_hits
    }
    data = ReportInput(
        documents=list(documents),
        results={},
        generated_at="",
        papers=papers,
        repos=repos,
        title_hits=by_title,
    )
    return [_row(_entry_json(e, data)) for doc in documents for e in doc.entries]


def _row(entry: Mapping[str, Any]) -> dict[str, Any]:
    paper = entry["arxiv"] or {}
    found = entry["arxiv_found"] or {}
    repo = entry["github"] or {}
    return {
        "file": entry["file"],
        "line": entry["line"],
        "section": entry["section"],
        "title": entry["title"],
        "venue": entry["venue"],
        "venue_name": entry["venue_name"],
        "venue_year": entry["venue_year"],
        "links": entry["links"],
        "arxiv_id": paper.get("id"),
        "arxiv_title": paper.get("title"),
        "arxiv_authors": paper.get("authors"),
        "arxiv_published": paper.get("published"),
        "arxiv_journal_ref": paper.get("journal_ref"),
        "arxiv_doi": paper.get("doi"),
        "arxiv_abstract": paper.get("abstract"),
        "found_arxiv_id": found.get("id"),
        "repo_full_name": repo.get("full_name"),
        "repo_stars": repo.get("stars"),
        "repo_forks": repo.get("forks"),
        "repo_archived": repo.get("archived"),
        "repo_pushed_at": repo.get("pushed_at"),
        "repo_license": repo.get("license"),
    }


def stored_rows(store: Store | None, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """``export_rows`` from what the store holds for ``documents`` (no store: no metadata)."""
    if store is None:
        return export_rows(documents, {}, {}, {})
    found = stored_inputs(store, list(documents))
    hits = {normalize_title(title): meta for title, meta in found.title_hits.items()}
    return export_rows(documents, found.papers, found.repos, hits)


def has_metadata(store: Store | None) -> bool:
    """Whether any run has stored enrichment answers (else the export has only the list)."""
    return store is not None and bool(store.stats()["metadata"])


def render_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """A JSON array, one object per entry with every column; lists stay lists."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"


def render_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """``COLUMNS`` as the header; lists joined by ``LIST_SEPARATOR``, missing values empty,
    booleans as ``true``/``false``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _cell(row[key]) for key in COLUMNS} for row in rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
