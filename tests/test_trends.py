"""Trends from metadata history rows (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from linkwatch.enrich import Enrichment
from linkwatch.models import RepoMeta
from linkwatch.trends import history_rows, repo_trends

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def row(day: str, stars: int, archived: bool = False, key: str = "a/b") -> dict:
    return {"key": key, "recorded_at": f"{day}T03:00:00Z", "stars": stars, "archived": archived}


def test_stars_gained_against_the_last_observation_old_enough():
    rows = [
        row("2026-08-01", 10),
        row("2026-10-20", 40),
        row("2026-11-15", 70),
        row("2026-12-01", 100),
    ]
    trend = repo_trends(rows, NOW)["a/b"]
    assert trend.stars_gained_30d == 100 - 40  # 2026-10-20 is the last one ≥ 30 days old
    assert trend.stars_gained_90d == 100 - 10  # 2026-08-01 is the last one ≥ 90 days old
    assert trend.first_seen == "2026-08-01T03:00:00Z"


def test_one_observation_has_no_trend_and_archived_since_is_the_streak_start():
    assert repo_trends([row("2026-12-01", 5)], NOW)["a/b"].stars_gained_30d is None
    rows = [row("2026-11-01", 5, True), row("2026-11-10", 5), row("2026-11-20", 5, True),
            row("2026-12-01", 5, True)]  # fmt: skip
    assert repo_trends(rows, NOW)["a/b"].archived_since == "2026-11-20T03:00:00Z"
    assert repo_trends(rows[:2], NOW)["a/b"].archived_since is None


def test_history_rows_cover_repositories():
    meta = RepoMeta(
        "A/B", 3, 1, True, "2020-01-01T00:00:00Z", None, "MIT", "https://github.com/A/B"
    )
    assert history_rows(Enrichment(repos={"a/b": meta})) == [
        {"kind": "repo", "key": "a/b", "stars": 3, "forks": 1, "archived": True,
         "pushed_at": "2020-01-01T00:00:00Z"}
    ]  # fmt: skip


def test_a_short_history_compares_with_its_oldest_observation():
    rows = [row("2026-11-25", 10), row("2026-11-28", 12), row("2026-12-01", 19)]
    assert repo_trends(rows, NOW)["a/b"].stars_gained_30d == 9
