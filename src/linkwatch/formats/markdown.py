"""report.md, the GitHub step summary and the tracking issue: one action-first page.

Read from the top down, a maintainer with five minutes finds each broken link with its
fix on the same line and a link to every line it is on, in the order of the file; then
what is stale (failing, redirects, archived and long-quiet repositories), then what
cannot be judged, then findings. Long lists fold into ``<details>``; edits are shown as
the changed part only, in short code spans, so nothing runs off a GitHub-width page.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

MAX_CODE = 48  # characters in one code span at most: well inside a 1,012-px page
CONTEXT = 10  # unchanged characters shown either side of an edit
FOLD_OVER = 8  # longer lists are folded into <details>
NOT_FIXES = {"venue", "arxiv", "duplicate"}  # edits next to a link, not fixes of it
_TOKEN = re.compile(r"[^/?&=#()\[\]. :,-]+|.", re.S)
_WAYBACK = re.compile(r"https?://web\.archive\.org/web/(\d{8})\d*/[^\s)\]>]+")

Item = Mapping[str, Any]


# ---------------------------------------------------------------- small pieces


def escape(text: str) -> str:
    """Text safe inside a list item or table cell (no table breaks, no stray markup)."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "*_`[]<>":
        out = out.replace(ch, "\\" + ch)
    return out


def code(text: str, limit: int = MAX_CODE) -> str:
    """A short code span (middle elided past ``limit``); never an empty ````."""
    if len(text) > limit:
        half = (limit - 1) // 2
        text = text[:half] + "…" + text[-(limit - 1 - half) :]
    if not text.strip():
        return "(whitespace)" if text else "(nothing)"
    text = text.strip().replace("\n", "↵")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def autolink(url: str) -> str:
    return f"<{url}>" if url.startswith(("http://", "https://")) and " " not in url else code(url)


def line_url(report: Item, file: str, line: int) -> str | None:
    """``<server>/<repo>/blob/<sha>/<path>#L<n>`` when the report knows its repository."""
    src = report.get("source")
    if not src or file.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(src.get("prefix") or "", file))
    if path.startswith("../") or path == "..":
        return None
    return f"{src['server']}/{src['repository']}/blob/{src['sha']}/{quote(path)}#L{line}"


def where(report: Item, occ: Mapping[str, Any]) -> str:
    """``[L23](…#L23)`` (``README.md:23`` when the report covers several files), or a
    code span when the repository is unknown."""
    several = len(report.get("files", [])) > 1
    url = line_url(report, occ["file"], occ["line"])
    label = f"{occ['file']}:{occ['line']}" if several or not url else f"L{occ['line']}"
    return f"[{escape(label)}]({url})" if url else code(label, 80)


def short_diff(old: str, new: str) -> tuple[str, str, str, str]:
    """(before, removed, added, after): the changed middle of ``old`` → ``new`` with a
    little unchanged context either side, trimmed so each piece stays short. Cut at
    URL delimiters, so a prefixed Wayback URL reads as one insertion before the old one."""
    if old and new.endswith(old) and new != old:
        start, end = 0, len(old)
    elif old and new.startswith(old) and new != old:
        start, end = len(old), 0
    else:  # common prefix and suffix in whole tokens (between URL delimiters)
        a, b = _TOKEN.findall(old), _TOKEN.findall(new)
        head = 0
        while head < min(len(a), len(b)) and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
            tail += 1
        start = sum(map(len, a[:head]))
        end = sum(map(len, a[len(a) - tail :]))
    before = old[max(0, start - CONTEXT) : start]
    after = old[len(old) - end : len(old) - end + CONTEXT] if end else ""
    if start > CONTEXT:
        before = "…" + before
    if end > CONTEXT:
        after += "…"
    return before, old[start : len(old) - end], new[start : len(new) - end], after


def render_edit(old: str, new: str) -> str:
    """An edit as its changed part: ``…/Old/…`` → ``…/New/…``, insert …, delete …."""
    before, removed, added, after = short_diff(old, new)
    if not removed and not added:
        return "no change"
    if not removed:
        ctx = f" after {code(before)}" if before.strip("…") else ""
        ctx = ctx or (f" before {code(after)}" if after.strip("…") else "")
        return f"insert {code(added)}{ctx}"
    if not added:
        return f"delete {code(removed)}"
    return f"{code(before + removed + after)} → {code(before + added + after)}"


def _date(stamp: str | None) -> str:
    return (stamp or "")[:10]


def _years_since(stamp: str | None, now: str) -> float | None:
    if not stamp:
        return None
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        at = datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (at - then).total_seconds() / (365.25 * 86400)


def _fold(summary: str, lines: list[str]) -> list[str]:
    if len(lines) <= FOLD_OVER:
        return [*lines, ""]
    return ["<details>", f"<summary>{summary}</summary>", "", *lines, "", "</details>", ""]


# ---------------------------------------------------------------- fixes


def fixes_by_link(report: Item) -> dict[str, list[Mapping[str, Any]]]:
    """URL as written → the suggested edits that replace it (on one of its lines)."""
    by_line: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for s in report.get("suggestions", []):
        if s.get("kind") not in NOT_FIXES:
            by_line.setdefault((s["file"], s["line"]), []).append(s)
    out: dict[str, list[Mapping[str, Any]]] = {}
    for item in report["links"]:
        for occ in item["occurrences"]:
            for s in by_line.get((occ["file"], occ["line"]), []):
                if item["url"] and item["url"] in s["old"] and s not in out.get(item["url"], []):
                    out.setdefault(item["url"], []).append(s)
    return out


def describe_fix(item: Item, fixes: list[Mapping[str, Any]]) -> str:
    """What to do about one link, in words and one click."""
    if not fixes:
        if item.get("verdict") == "redirect" and item.get("final_url"):
            return f"**fix:** use {autolink(item['final_url'])}"
        if not item["url"].startswith(("http://", "https://")):
            return "**fix:** correct the path or remove the link"
        return "**fix:** remove the link (no replacement found)"
    s = fixes[0]
    new = s["new"]
    kind = s.get("kind", "")
    if kind == "archive":
        found = _WAYBACK.search(new)
        snapshot = found.group(0) if found else new
        stamp = found.group(1) if found else ""
        label = f"Wayback snapshot {stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if stamp else "snapshot"
        verb = "use" if new.startswith(snapshot) else "add"
        return f"**fix:** {verb} the [{label}]({snapshot})"
    if kind == "rename":
        return f"**fix:** renamed, use {autolink(new)}"
    if kind in ("redirect", "https"):
        return f"**fix:** use {autolink(new)}"
    return f"**fix ({escape(kind)}):** {render_edit(s['old'], new)}"


# ---------------------------------------------------------------- sections


def _by_section(items: Iterable[Item]) -> list[tuple[str, list[Item]]]:
    """Group by the section of each link's first occurrence; groups and links in file
    order (first line), never alphabetically."""
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        occ = item["occurrences"][0]
        groups.setdefault((occ["file"], occ.get("section") or "(top)"), []).append(item)

    files = list(dict.fromkeys(f for f, _ in groups))

    def order(pair: tuple[tuple[str, str], list[Item]]) -> tuple[int, int]:
        (file, _), members = pair
        return files.index(file), min(i["occurrences"][0]["line"] for i in members)

    ordered = sorted(groups.items(), key=order)
    return [
        (section, sorted(members, key=lambda i: i["occurrences"][0]["line"]))
        for (_, section), members in ordered
    ]


def link_line(
    report: Item,
    item: Item,
    fixes: Mapping[str, list[Mapping[str, Any]]],
    newly: Collection[str],
    fail_after: int,
) -> str:
    """One list item: [new] link — why; since; fix; every line it is on (entry)."""
    new = "🆕 **new** " if item["url"] in newly or item.get("normalized") in newly else ""
    first_failed = item.get("first_failed_at")
    since = f"; failing since {_date(first_failed)}" if first_failed else ""
    if item["state"] == "failing":
        since += f" — failing ({item['consecutive_failures']} of {fail_after})"
    places = []
    for occ in item["occurrences"]:
        entry = f" {escape(_clip(occ['entry']))}" if occ.get("entry") else ""
        places.append(where(report, occ) + entry)
    return (
        f"- {new}{autolink(item['url'])} — {escape(item['reason'])}{since} → "
        f"{describe_fix(item, list(fixes.get(item['url'], [])))} · at {'; '.join(places)}"
    )


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _newly(report: Item, fail_after: int) -> set[str]:
    """Broken since this run: they failed for the first time, or just reached fail_after."""
    new = set(report.get("changes", {}).get("new", []))
    for item in report["links"]:
        if item["state"] == "broken" and item.get("consecutive_failures") == fail_after:
            new.add(item["url"])
    return new


def _repositories(report: Item) -> list[tuple[Mapping[str, Any], Item]]:
    """Each linked repository with metadata once, with the first link to it."""
    seen: dict[str, tuple[Mapping[str, Any], Item]] = {}
    for item in report["links"]:
        meta = item.get("metadata", {}).get("github")
        if meta and meta["full_name"].lower() not in seen:
            seen[meta["full_name"].lower()] = (meta, item)
    return list(seen.values())


def broken_section(
    report: Item,
    state: str,
    *,
    fail_after: int,
    newly: Collection[str],
    budget: int | None = None,
) -> list[str]:
    """The broken (or failing) links grouped by section; ``budget`` caps its characters
    (GitHub issue bodies hold 65,536) and says how many were left out."""
    chosen = [i for i in report["links"] if i["state"] == state]
    fixes = fixes_by_link(report)
    if state == "broken":
        out = [f"## Broken links ({len(chosen)})", ""]
        runs = "this run" if fail_after == 1 else f"on {fail_after} or more consecutive runs"
        blurb = f"Dead {runs} (or a missing local file or anchor)."
    else:
        out = [f"## Failing, not yet broken ({len(chosen)})", ""]
        blurb = f"Failed this run; reported as broken after {fail_after} consecutive failing runs."
    if not chosen:
        return [*out, "None.", ""]
    out += [blurb, ""]
    used, shown = sum(len(x) + 1 for x in out), 0
    for section, items in _by_section(chosen):
        lines = [f"### {escape(section)}"]
        lines += [link_line(report, i, fixes, newly, fail_after) for i in items]
        lines.append("")
        size = sum(len(x) + 1 for x in lines)
        if budget is not None and used + size > budget:
            out += [f"… and {len(chosen) - shown} more (see reports/report.md).", ""]
            break
        out += lines
        used += size
        shown += len(items)
    return out


def _simple_list(
    title: str, lines: list[str], blurb: str | None = None, fold: str | None = None
) -> list[str]:
    out = [f"## {title} ({len(lines)})", ""]
    if not lines:
        return [*out, "None.", ""]
    if blurb:
        out += [blurb, ""]
    return out + _fold(fold or f"Show all {len(lines)}", lines)


def fix_command(report: Item) -> str:
    """`linkwatch fix` exactly as it runs from the directory the report was made in."""
    settings = report.get("settings") or {}
    parts = ["linkwatch", "fix", *map(shlex.quote, report["files"])]
    if settings.get("db"):
        parts += ["--db", shlex.quote(str(settings["db"]))]
    return " ".join([*parts, "--write"])


def patch_command(report: Item) -> str:
    out = (report.get("settings") or {}).get("out") or "reports"
    return f"git apply {shlex.quote(posixpath.join(str(out), 'suggestions.patch'))}"


def _edit_line(report: Item, s: Mapping[str, Any]) -> str:
    occ = {"file": s["file"], "line": s["line"]}
    return (
        f"- {where(report, occ)} {escape(s.get('kind', ''))} ({s['confidence']}): "
        f"{render_edit(s['old'], s['new'])} — {escape(s['reason'])}"
    )


def _entry_row(report: Item, entry: Mapping[str, Any]) -> str:
    paper = entry["arxiv"] or entry["arxiv_found"]
    arxiv = ""
    if paper:
        arxiv = f"[{paper['id']}](https://arxiv.org/abs/{paper['id']})"
        if paper.get("journal_ref"):
            arxiv += f" ({escape(paper['journal_ref'])})"
        if entry["arxiv_found"] and not entry["arxiv"]:
            arxiv += " (found by title)"
    elif entry.get("arxiv_id"):
        arxiv = f"{entry['arxiv_id']} (no metadata)"
    repo = ""
    if entry["github"]:
        g = entry["github"]
        repo = f"{escape(g['full_name'])} ★{g['stars']}"
        trend = entry.get("trends") or {}
        if trend.get("stars_gained_30d") is not None:
            repo += f" ({trend['stars_gained_30d']:+d} in 30 d)"
        if g.get("pushed_at"):
            repo += f", last push {g['pushed_at'][:10]}"
        if g.get("archived"):
            since = trend.get("archived_since")
            repo += f" (archived{f', seen since {since[:10]}' if since else ''})"
    elif entry.get("repository"):
        repo = f"{escape(entry['repository'])} (no metadata)"
    published = ""
    if entry.get("s2"):
        p = entry["s2"]
        published = " ".join(str(v) for v in (p["venue"], p["year"]) if v)
        if p.get("citations") is not None:
            published += f", {p['citations']} citations"
        if p.get("doi"):
            published += f", doi:{p['doi']}"
    venue = escape(entry["venue"] or "")
    title = escape(_clip(entry["title"]))
    return (
        f"| {where(report, entry)} | {title} | {venue} | {escape(published)} | {arxiv} "
        f"| {repo} |"
    )


# ---------------------------------------------------------------- the page


def render_markdown(report: Item, fail_after: int | None = None) -> str:
    """report.md (also the step summary): action first, then what is stale, then the rest."""
    fail_after = fail_after or (report.get("settings") or {}).get("fail_after", 2)
    stale_years = (report.get("settings") or {}).get("stale_years", 3)
    s = report["summary"]
    links = report["links"]
    suggestions = report.get("suggestions", [])
    out = ["# linkwatch report", ""]
    out.append(
        f"**{s['broken']} broken**, {s['failing']} failing, {s['redirect']} redirected, "
        f"{s['unverifiable']} unverifiable of {s['links']} links in "
        f"{', '.join(map(escape, report['files']))} ({report['generated_at']}); "
        f"{len(suggestions)} suggested edits."
    )
    out.append("")
    out += [f"> {escape(note)}" for note in report.get("notes", [])]
    if report.get("notes"):
        out.append("")
    newly = _newly(report, fail_after)
    out += broken_section(report, "broken", fail_after=fail_after, newly=newly)
    if suggestions:  # commands in a block: copyable, and they never widen the page
        out += ["Apply the suggested edits (either command):", ""]
        out += ["```sh", patch_command(report), fix_command(report), "```", ""]
    out += broken_section(report, "failing", fail_after=fail_after, newly=newly)

    fixed = report.get("changes", {}).get("fixed", [])
    if fixed:
        out += [f"## Fixed since the last run ({len(fixed)})", ""]
        out += _fold("Show all", [f"- {autolink(u)}" for u in fixed])

    fixes = fixes_by_link(report)
    renamed = {u for u, found in fixes.items() if any(f.get("kind") == "rename" for f in found)}
    redirects = [
        f"- {autolink(i['url'])} → {autolink(i['final_url'])}"
        + (" (renamed repository)" if i["url"] in renamed else "")
        + " · at "
        + "; ".join(where(report, o) for o in i["occurrences"])
        for i in links
        if i["verdict"] == "redirect"
    ]
    out += _simple_list("Permanent redirects", redirects)

    repos = _repositories(report)
    archived = [
        f"- [{escape(m['full_name'])}]({m['html_url']}) ★{m['stars']}, last push "
        f"{_date(m.get('pushed_at')) or 'unknown'} · at {where(report, i['occurrences'][0])}"
        for m, i in repos
        if m.get("archived")
    ]
    out += _simple_list(
        "Archived repositories", archived, "Read-only on GitHub: no fixes or answers to expect."
    )
    quiet = []
    for m, i in repos:
        age = _years_since(m.get("pushed_at"), report["generated_at"])
        if not m.get("archived") and age is not None and age >= stale_years:
            quiet.append(
                (age, f"- [{escape(m['full_name'])}]({m['html_url']}) ★{m['stars']}, last push "
                 f"{_date(m['pushed_at'])} · at {where(report, i['occurrences'][0])}")
            )
    quiet.sort(key=lambda pair: -pair[0])
    out += _simple_list(f"No push in {stale_years:g} years", [line for _, line in quiet])

    unverifiable = [
        f"- {autolink(i['url'])} — {escape(i['reason'])} · at "
        + "; ".join(where(report, o) for o in i["occurrences"])
        for i in links
        if i["verdict"] == "unverifiable"
    ]
    out += _simple_list("Unverifiable, not counted as broken", unverifiable)

    findings = [
        f"- {where(report, f)} {escape(f['kind'].replace('_', ' '))}: {escape(f['message'])}"
        for f in report.get("findings", [])
    ]
    if findings:
        blurb = "Missing files and anchors, empty links, unused definitions, duplicates."
        out += _simple_list("Findings", findings, blurb)

    edits = [_edit_line(report, sg) for sg in suggestions]
    out += _simple_list(
        "Suggested edits",
        edits,
        "Applied by the commands under the broken links (low-confidence edits are listed "
        "only, never applied).",
        fold=f"Show all {len(edits)} edits",
    )

    enriched = [
        e
        for e in report["entries"]
        if e["arxiv"]
        or e["github"]
        or e["arxiv_found"]
        or e.get("s2")
        or e.get("repository")
        or e.get("arxiv_id")
    ]
    if enriched:
        rows = [
            "| where | entry | venue | published (Semantic Scholar) | arXiv | repository |",
            "|---|---|---|---|---|---|",
        ]
        rows += [_entry_row(report, e) for e in enriched]
        out += [f"## Entries with metadata ({len(enriched)})", ""]
        out += ["<details>", f"<summary>Show the table of {len(enriched)} entries</summary>", ""]
        out += [*rows, "", "</details>", ""]
    return "\n".join(out)
