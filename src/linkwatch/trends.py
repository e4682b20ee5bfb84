"""Trends from the store's metadata history: stars gained, archived since. Pure.

A run records each repository's stars, forks, archived flag and last push and each
paper's citation count (``history_rows``); ``repo_trends`` compares the newest
observation with the last one at least 30 (90) days older, or with the oldest one
when the history is shorter, so the second run already shows a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .enrich import Enrichment
from .models import RepoTrend


def history_rows(found: Enrichment) -> list[dict[str, Any]]:
    """What a run adds to ``metadata_history``: one row per repository and per S2 paper."""
    rows: list[dict[str, Any]] = [
        {"kind": "repo", "key": key, "stars": meta.stars, "forks": meta.forks,
         "archived": meta.archived, "pushed_at": meta.pushed_at}
        for key, meta in sorted(found.repos.items())
    ]  # fmt: skip
    rows += [
        {"kind": "paper", "key": key, "citations": paper.citations}
        for key, paper in sorted(found.s2.items())
        if paper.citations is not None
    ]
    return rows


def _when(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def repo_trends(rows: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, RepoTrend]:
    """``rows`` as ``Store.metadata_history("repo", …)`` returns them (oldest first)."""
    by_key: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_key.setdefault(row["key"], []).append(row)
    out: dict[str, RepoTrend] = {}
    for key, items in by_key.items():
        since = None
        if items[-1]["archived"]:
            for row in reversed(items):
                if not row["archived"]:
                    break
                since = row["recorded_at"]
        out[key] = RepoTrend(
            _gained(items, now, 30), _gained(items, now, 90), since, items[0]["recorded_at"]
        )
    return out


def _gained(items: list[Mapping[str, Any]], now: datetime, days: int) -> int | None:
    """Newest stars minus those of the last observation ``days`` old (else the oldest)."""
    latest = items[-1]
    cutoff = now - timedelta(days=days)
    older = [r for r in items[:-1] if _when(r["recorded_at"]) <= cutoff]
    base = older[-1] if older else (items[0] if len(items) > 1 else None)
    if base is None or base["stars"] is None or latest["stars"] is None:
        return None
    return int(latest["stars"]) - int(base["stars"])
