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

from .enrich import Enrichment
from .models import Document
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
    "s2_venue",
    "s2_year",
    "citations",
    "doi",
    "stars_gained_30d",
    "stars_gained_90d",
    "archived_since",
)
SORT_KEYS = ("stars", "citations", "year")  # export --format markdown --sort …
LIST_SEPARATOR = "; "  # joins links and authors in CSV cells


def export_rows(documents: Sequence[Document], found: Enrichment) -> list[dict[str, Any]]:
    """One row per entry, in file order, with what ``found`` knows about it."""
    data = ReportInput(documents=list(documents), results={}, generated_at="", enrichment=found)
    return [_row(_entry_json(e, data)) for doc in documents for e in doc.entries]


def _row(entry: Mapping[str, Any]) -> dict[str, Any]:
    paper = entry["arxiv"] or {}
    found = entry["arxiv_found"] or {}
    repo = entry["github"] or {}
    s2 = entry["s2"] or {}
    trend = entry["trends"] or {}
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
        "s2_venue": s2.get("venue"),
        "s2_year": s2.get("year"),
        "citations": s2.get("citations"),
        "doi": s2.get("doi") or paper.get("doi"),
        "stars_gained_30d": trend.get("stars_gained_30d"),
        "stars_gained_90d": trend.get("stars_gained_90d"),
        "archived_since": trend.get("archived_since"),
    }


def stored_rows(store: Store | None, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """``export_rows`` from what the store holds for ``documents`` (no store: no metadata)."""
    if store is None:
        return export_rows(documents, Enrichment())
    return export_rows(documents, stored_inputs(store, list(documents)).enrichment)


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


def render_markdown(
    rows: Sequence[Mapping[str, Any]], sort: str | None = None, badges: bool = False
) -> str:
    """A Markdown table of the entries, highest ``sort`` value first (stars, citations or
    year; entries without one last, list order otherwise); ``badges`` renders stars as
    shields.io badges instead of numbers."""
    column = {"stars": "repo_stars", "citations": "citations", "year": "_year"}.get(sort or "")
    if sort is not None and column is None:
        raise ValueError(f"cannot sort by {sort!r} (use one of {', '.join(SORT_KEYS)})")
    items = [dict(row, _year=row["s2_year"] or row["venue_year"]) for row in rows]
    if column is not None:
        items.sort(key=lambda r: (r[column] is None, -(r[column] or 0)))
    out = [
        "| entry | venue | year | citations | repository | stars | 30 d | last push |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for r in items:
        title = _md(r["title"])
        link = r["links"][0] if r["links"] else None
        entry = f"[{title}]({link})" if link else title
        venue = r["s2_venue"] or r["venue_name"] or ""
        repo = r["repo_full_name"] or ""
        stars = "" if r["repo_stars"] is None else str(r["repo_stars"])
        if badges and repo:
            stars = f"![stars](https://img.shields.io/github/stars/{repo}?style=social)"
        if repo:
            repo = f"[{repo}](https://github.com/{repo})" + (
                " (archived)" if r["repo_archived"] else ""
            )
        gained = "" if r["stars_gained_30d"] is None else f"{r['stars_gained_30d']:+d}"
        cells = [entry, _md(venue), _cell(r["_year"]), _cell(r["citations"]), repo, stars, gained,
                 (r["repo_pushed_at"] or "")[:10]]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
