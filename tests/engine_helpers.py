"""What the engine tests share: quick settings, one URL checked on its own engine, and a
store read row by row (to prove a run left it as it was)."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from linkwatch.checker import Engine
from linkwatch.config import Settings
from linkwatch.models import LinkResult
from linkwatch.simweb import SimWeb


def fast(**changes: object) -> Settings:
    """Settings for tests: quick timeouts and backoff, simweb's loopback allowed."""
    base = Settings(
        allow_private=True,
        timeout=3.0,
        connect_timeout=2.0,
        retry_backoff=0.01,
        host_spacing=0.0,
        per_host=4,
        concurrency=16,
        max_retries=2,
    )
    return dataclasses.replace(base, **changes)


async def check(web: SimWeb, url: str, settings: Settings | None = None) -> LinkResult:
    async with Engine(settings or fast(), web.network()) as engine:
        return await engine.check(url)


def db_snapshot(db: Path) -> dict[str, list[str]]:
    """Every row of every table (so row counts and the urls counters), read with sqlite3."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        ]
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM [{t}]"))) for t in tables}
    finally:
        conn.close()
