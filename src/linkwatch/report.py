"""Pure renderers: the report.json dict (contract ``linkwatch.report/1``), report.md, and
GitHub workflow commands. Stable ordering everywhere, so two runs diff cleanly."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .github_limits import (
    STEP_SUMMARY_BYTES,
    Annotation,
    cap_annotations,
    fit_markdown,
    utf8_size,
)
from .models import (
    Document,
    Entry,
    Finding,
    Link,
    LinkResult,
    PaperMeta,
    RepoMeta,
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
    papers: Mapping[str, PaperMeta] = field(default_factory=dict)  # arXiv id → meta
    repos: Mapping[str, RepoMeta] = field(default_factory=dict)  # "owner/repo" lower → meta
    title_hits: Mapping[str, PaperMeta] = field(default_factory=dict)  # entry title → meta
    suggestions: list[Suggestion] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    previous: Mapping[str, LinkResult] | None = None  # last finished run, for new/fixed
    notes: list[str] = field(default_factory=list)  # budget, deadline, interruption …


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


def _link_metadata(url: str, data: ReportInput) -> dict[str, Any]:
    info = classify(url)
    meta: dict[str, Any] = {}
    if info.arxiv_id and info.arxiv_id in data.papers:
        meta["arxiv"] = data.papers[info.arxiv_id].to_json()
    key = _repo_key(url)
    if key and key in data.repos:
        meta["github"] = data.repos[key].to_json()
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


def _entry_json(entry: Entry, data: ReportInput) -> dict[str, Any]:
    arxiv = None
    github = None
    for link in entry.links:
        info = classify(link.url) if link.target is Target.WEB else None
        if info and arxiv is None and info.arxiv_id and info.arxiv_id in data.papers:
            arxiv = data.papers[info.arxiv_id].to_json()
        key = _repo_key(link.url) if link.target is Target.WEB else None
        if key and github is None and key in data.repos:
            github = data.repos[key].to_json()
    found = data.title_hits.get(entry.title)
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
        "arxiv": arxiv,
        "arxiv_found": found.to_json() if (found and arxiv is None) else None,
        "github": github,
    }


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
            for f in data.findings
        ],
        "changes": changes,
        "notes": list(data.notes),
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


# ---------------------------------------------------------------- Markdown


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(occ: Mapping[str, Any]) -> str:
    return f"`{occ['file']}:{occ['line']}`"


def _group_by_section(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item["occurrences"][0]["section"] or "(top)"].append(item)
    return groups


def _link_line(item: dict[str, Any], fail_after: int = 2) -> str:
    occ = item["occurrences"][0]
    entry = f" — {_md_escape(occ['entry'])}" if occ.get("entry") else ""
    more = f" (+{len(item['occurrences']) - 1} more)" if len(item["occurrences"]) > 1 else ""
    since = f"; failing since {item['first_failed_at'][:10]}" if item.get("first_failed_at") else ""
    if item["state"] == "failing":
        since += f" — failing ({item['consecutive_failures']} of {fail_after})"
    return f"- {_where(occ)}{more}{entry}: <{item['url']}> — {_md_escape(item['reason'])}{since}"


def render_markdown(report: Mapping[str, Any], fail_after: int = 2) -> str:
    """report.md for maintainers: what is broken, since when, where, and what to change."""
    s = report["summary"]
    out = ["# linkwatch report", ""]
    out.append(f"Generated {report['generated_at']} for {', '.join(report['files'])}.")
    out.append("")
    out += [
        "| links | alive | redirect | dead | unverifiable | excluded | broken | failing |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['links']} | {s['alive']} | {s['redirect']} | {s['dead']} | {s['unverifiable']} "
        f"| {s['excluded']} | {s['broken']} | {s['failing']} |",
        "",
    ]
    for note in report.get("notes", []):
        out.append(f"> {note}")
    if report.get("notes"):
        out.append("")

    links = report["links"]
    sections = [
        (
            "Broken links",
            "broken",
            f"Dead on at least {fail_after} consecutive runs (or a missing local file/anchor).",
        ),
        (
            "Failing, not yet broken",
            "failing",
            f"Failed this run; reported as broken after {fail_after} consecutive failing runs.",
        ),
    ]
    for title, state, blurb in sections:
        chosen = [i for i in links if i["state"] == state]
        out.append(f"## {title} ({len(chosen)})")
        out.append("")
        if not chosen:
            out += ["None.", ""]
            continue
        out += [blurb, ""]
        for section, items in sorted(_group_by_section(chosen).items()):
            out.append(f"### {section}")
            out += [_link_line(i, fail_after) for i in items]
            out.append("")

    changes = report.get("changes", {})
    if changes.get("new") or changes.get("fixed"):
        out.append("## Since the last run")
        out.append("")
        out += [f"- new failure: <{u}>" for u in changes.get("new", [])]
        out += [f"- fixed: <{u}>" for u in changes.get("fixed", [])]
        out.append("")

    redirects = [i for i in links if i["verdict"] == "redirect"]
    out.append(f"## Permanent redirects ({len(redirects)})")
    out.append("")
    for item in redirects:
        out.append(f"- {_where(item['occurrences'][0])}: <{item['url']}> → <{item['final_url']}>")
    out.append("" if redirects else "None.\n")

    unverifiable = [i for i in links if i["verdict"] == "unverifiable"]
    out.append(f"## Unverifiable, not counted as broken ({len(unverifiable)})")
    out.append("")
    out += [_link_line(i) for i in unverifiable] or ["None."]
    out.append("")

    if report.get("findings"):
        out.append(f"## Findings ({len(report['findings'])})")
        out.append("")
        for f in report["findings"]:
            out.append(f"- `{f['file']}:{f['line']}` {f['kind']}: {_md_escape(f['message'])}")
        out.append("")

    suggestions = report.get("suggestions", [])
    out.append(f"## Suggested edits ({len(suggestions)})")
    out.append("")
    if suggestions:
        out.append("Apply with `git apply reports/suggestions.patch` or `linkwatch fix --write`.")
        out.append("")
        out += ["| where | kind | confidence | change | why |", "|---|---|---|---|---|"]
        for sg in suggestions:
            out.append(
                f"| `{sg['file']}:{sg['line']}` | {sg['kind']} | {sg['confidence']} "
                f"| `{_md_escape(sg['old'])}` → `{_md_escape(sg['new'])}` "
                f"| {_md_escape(sg['reason'])} |"
            )
    else:
        out.append("None.")
    out.append("")

    enriched = [e for e in report["entries"] if e["arxiv"] or e["github"] or e["arxiv_found"]]
    if enriched:
        out.append(f"## Entries with metadata ({len(enriched)})")
        out.append("")
        out += ["| entry | venue | arXiv | repository |", "|---|---|---|---|"]
        for e in enriched:
            out.append(_entry_row(e))
        out.append("")
    return "\n".join(out)


def _entry_row(entry: Mapping[str, Any]) -> str:
    paper = entry["arxiv"] or entry["arxiv_found"]
    arxiv = ""
    if paper:
        arxiv = f"[{paper['id']}](https://arxiv.org/abs/{paper['id']})"
        if paper.get("journal_ref"):
            arxiv += f" ({_md_escape(paper['journal_ref'])})"
        if entry["arxiv_found"] and not entry["arxiv"]:
            arxiv += " (found by title)"
    repo = ""
    if entry["github"]:
        g = entry["github"]
        repo = f"{g['full_name']} ★{g['stars']}"
        if g.get("archived"):
            repo += " (archived)"
    venue = entry["venue"] or ""
    where = f"`{entry['file']}:{entry['line']}`"
    return f"| {where} {_md_escape(entry['title'])} | {_md_escape(venue)} | {arxiv} | {repo} |"


# ---------------------------------------------------------------- GitHub workflow commands


def render_step_summary(report: Mapping[str, Any], fail_after: int = 2) -> str:
    """report.md for ``$GITHUB_STEP_SUMMARY``, cut to GitHub's 1 MiB (a larger summary is
    not shown at all)."""
    return fit_markdown(
        render_markdown(report, fail_after=fail_after), STEP_SUMMARY_BYTES, measure=utf8_size
    )


def render_github(report: Mapping[str, Any]) -> str:
    """Workflow commands: ``::error`` per broken link occurrence (newly broken first),
    ``::warning`` for failing links and permanent redirects, within GitHub's per-step
    limit (``github_limits.cap_annotations``)."""
    new = set(report.get("changes", {}).get("new", []))
    annotations = []
    for item in report["links"]:
        if item["state"] == "broken":
            level, title = "error", "Broken link"
            rank = 0 if item["normalized"] in new else 1
            message = f"{item['url']}: {item['reason']}"
        elif item["state"] == "failing":
            level, title, rank = "warning", f"Failing link ({item['consecutive_failures']} run)", 0
            message = f"{item['url']}: {item['reason']}"
        elif item["verdict"] == "redirect":
            level, title, rank = "warning", "Permanent redirect", 1
            message = f"{item['url']} moved to {item['final_url']}"
        else:
            continue
        annotations += [
            Annotation(level, rank, occ["file"], occ["line"], occ["column"], title, message)
            for occ in item["occurrences"]
        ]
    lines = cap_annotations(annotations)
    return "\n".join(lines) + ("\n" if lines else "")
