"""Pure renderers: the report.json dict (contract ``linkwatch.report/1``), report.md, and
GitHub workflow commands. Stable ordering everywhere, so two runs diff cleanly."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .enrich import Enrichment
from .enrich.s2 import s2_for_entry
from .models import (
    Document,
    Entry,
    Finding,
    Link,
    LinkResult,
    Suggestion,
    Target,
    Verdict,
)
from .urls import classify, normalize

SCHEMA = "linkwatch.report/1"
VERDICTS = [v.value for v in Verdict]


@dataclass
class ReportInput:
    """Everything a report is made of; built by the pipeline, rendered here."""

    documents: list[Document]
    results: Mapping[str, LinkResult]  # keyed by result_key(link)
    generated_at: str
    fail_after: int = 2
    enrichment: Enrichment = field(default_factory=Enrichment)
    suggestions: list[Suggestion] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    previous: Mapping[str, LinkResult] | None = None  # last finished run, for new/fixed
    notes: list[str] = field(default_factory=list)  # budget, deadline, interruption …
    stale_years: float = 3.0  # a repository without a push for this long is listed as stale
    source: Mapping[str, str] | None = None  # server, repository, sha, prefix (line links)
    db: str | None = None  # the store and report directory, for commands the report prints
    out: str | None = None


def result_key(link: Link) -> str:
    """How results are keyed: the normal form for web links, the raw text otherwise."""
    return normalize(link.url) if link.target is Target.WEB else link.url


def is_broken(result: LinkResult, fail_after: int) -> bool:
    """Dead and failing for at least ``fail_after`` consecutive runs (or a local link)."""
    if result.verdict is not Verdict.DEAD:
        return False
    return result.consecutive_failures >= fail_after or not result.url.startswith("http")


def state_of(result: LinkResult, fail_after: int) -> str:
    """``ok`` | ``broken`` | ``failing`` | ``unverifiable`` | ``excluded`` (report grouping)."""
    if result.verdict is Verdict.DEAD:
        return "broken" if is_broken(result, fail_after) else "failing"
    if result.verdict in (Verdict.UNVERIFIABLE, Verdict.EXCLUDED):
        return result.verdict.value
    return "ok"


def _repo_key(url: str) -> str | None:
    info = classify(url)
    if info.site == "github" and info.github_owner and info.github_repo:
        return f"{info.github_owner}/{info.github_repo}".lower()
    return None


def _repo_name(url: str) -> str | None:
    """``owner/repo`` as the link writes it (``_repo_key`` is its lookup form)."""
    key = _repo_key(url)
    info = classify(url)
    return f"{info.github_owner}/{info.github_repo}" if key else None


def _link_metadata(url: str, data: ReportInput) -> dict[str, Any]:
    info = classify(url)
    meta: dict[str, Any] = {}
    papers, repos = data.enrichment.papers, data.enrichment.repos
    if info.arxiv_id and info.arxiv_id in papers:
        meta["arxiv"] = papers[info.arxiv_id].to_json()
    key = _repo_key(url)
    if key and key in repos:
        meta["github"] = repos[key].to_json()
    return meta


def _occurrence(link: Link) -> dict[str, Any]:
    return {
        "file": link.file,
        "line": link.line,
        "column": link.column,
        "section": link.section,
        "entry": link.entry,
        "label": link.label,
    }


def _own(entry: Entry, pick: Callable[[str], str | None]) -> str | None:
    """The entry's own paper or repository: the first of its links that names one, so an
    entry "based on" another project never shows that project's metadata as its own."""
    for link in entry.links:
        if link.target is Target.WEB and (key := pick(link.url)) is not None:
            return key
    return None


def _entry_json(entry: Entry, data: ReportInput) -> dict[str, Any]:
    arxiv_id = _own(entry, lambda url: classify(url).arxiv_id)
    repository = _own(entry, _repo_name)
    found_meta = data.enrichment
    paper = found_meta.papers.get(arxiv_id) if arxiv_id else None
    repo = found_meta.repos.get(repository.lower()) if repository else None
    trend = found_meta.trends.get(repository.lower()) if repository else None
    found = found_meta.title_hits.get(entry.title)
    s2 = s2_for_entry(entry, found_meta)
    venue = entry.venue
    return {
        "file": entry.file,
        "line": entry.line,
        "section": entry.section,
        "title": entry.title,
        "venue": venue.raw.strip("()[]【】 ") if venue else None,
        "venue_name": venue.name if venue else None,
        "venue_year": venue.year if venue else None,
        "links": list(dict.fromkeys(link.url for link in entry.links)),
        "arxiv": paper.to_json() if paper else None,
        "arxiv_found": found.to_json() if (found and paper is None and not arxiv_id) else None,
        "github": repo.to_json() if repo else None,
        "s2": s2.to_json() if s2 else None,
        "trends": trend.to_json() if trend else None,
        "arxiv_id": arxiv_id,  # the entry's own paper, also when it has no metadata
        "repository": repository,  # the entry's own owner/repo as linked, also without metadata
    }


def _link_findings(documents: Iterable[Document]) -> list[Finding]:
    """Links written without a target (``[paper]()``) and reference definitions nothing
    uses: findings, not quiet exclusions (the definitions' URLs are still checked)."""
    found = []
    for doc in documents:
        for link in doc.links:
            if link.target is Target.EXCLUDED and not link.url.strip("<> "):
                message = f"[{link.label}]() has no target"
                found.append(Finding("empty_link", link.file, link.line, message))
            elif link.syntax == "definition":
                message = f"[{link.label}]: {link.url} is defined but never used"
                found.append(Finding("unused_definition", link.file, link.line, message))
    return found


def build_report(data: ReportInput) -> dict[str, Any]:
    """The report.json document: one item per distinct URL as written, in file order."""
    by_url: dict[str, list[Link]] = defaultdict(list)
    for doc in data.documents:
        for link in doc.links:
            by_url[link.url].append(link)

    links_json: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()  # verdicts
    states: Counter[str] = Counter()
    for url, occurrences in by_url.items():
        result = data.results.get(result_key(occurrences[0]))
        if result is None:  # not checked this run (deadline, interruption)
            continue
        state = state_of(result, data.fail_after)
        counts[result.verdict.value] += 1
        states[state] += 1
        states["cached"] += int(result.cached)
        links_json.append(
            {
                "url": url,
                "normalized": result.url,
                "verdict": result.verdict.value,
                "state": state,
                "status": result.status,
                "final_url": result.final_url,
                "redirect_kind": result.redirect_kind.value if result.redirect_kind else None,
                "error": result.error.value if result.error else None,
                "reason": result.reason,
                "kind": occurrences[0].kind.value,
                "attempts": result.attempts,
                "checked_at": result.checked_at,
                "cached": result.cached,
                "first_failed_at": result.first_failed_at,
                "consecutive_failures": result.consecutive_failures,
                "notes": list(result.notes),
                "occurrences": [_occurrence(link) for link in occurrences],
                "metadata": _link_metadata(url, data),
            }
        )

    summary: dict[str, Any] = {"links": len(links_json)}
    summary.update({v: counts[v] for v in VERDICTS})
    summary.update({k: states[k] for k in ("broken", "failing", "cached")})
    summary["unchecked"] = len(by_url) - len(links_json)

    changes = _changes(data)
    return {
        "schema": SCHEMA,
        "generated_at": data.generated_at,
        "files": [doc.file for doc in data.documents],
        "summary": summary,
        "links": links_json,
        "entries": [_entry_json(e, data) for doc in data.documents for e in doc.entries],
        "suggestions": [
            {
                "file": s.file,
                "line": s.line,
                "start": s.start,
                "end": s.end,
                "old": s.old,
                "new": s.new,
                "reason": s.reason,
                "confidence": s.confidence.value,
                "kind": s.kind,
            }
            for s in data.suggestions
        ],
        "findings": [
            {"kind": f.kind, "file": f.file, "line": f.line, "message": f.message}
            for f in [*data.findings, *_link_findings(data.documents)]
        ],
        "changes": changes,
        "notes": list(data.notes),
        "settings": {
            "fail_after": data.fail_after,
            "stale_years": data.stale_years,
            "db": data.db,
            "out": data.out,
        },
        "source": dict(data.source) if data.source else None,
    }


def _changes(data: ReportInput) -> dict[str, list[str]]:
    """URLs newly broken/failing and URLs fixed since the previous finished run."""
    if data.previous is None:
        return {"new": [], "fixed": []}
    new, fixed = [], []
    for key, result in sorted(data.results.items()):
        before = data.previous.get(key)
        failing_now = result.verdict is Verdict.DEAD
        failing_before = before is not None and before.verdict is Verdict.DEAD
        if failing_now and not failing_before:
            new.append(key)
        elif failing_before and result.verdict in (Verdict.ALIVE, Verdict.REDIRECT):
            fixed.append(key)
    return {"new": new, "fixed": fixed}


# the renderers live in linkwatch.formats; these names stay importable from here
from .formats.github import render_github, render_step_summary  # noqa: E402, F401
from .formats.markdown import render_markdown  # noqa: E402, F401
