"""``linkwatch history`` and ``linkwatch stats``: what the store remembers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    EXIT_USAGE,
    _read_store,
    cli,
    console,
    db_option,
    fail,
    settings_from,
    store_format_option,
)

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------- store: history, stats


@cli.command()
@click.argument("url")
@db_option
@store_format_option
@click.pass_context
def history(ctx: click.Context, url: str, db: Path | None, fmt: str) -> None:
    """Every stored check of URL (time, verdict, status, reason) and when it first failed."""
    from rich.table import Table

    settings = settings_from(ctx, db=db)

    def read(store: Any) -> tuple[str, dict[str, Any] | None, list[dict[str, Any]]]:
        key, state = url, store.url_state(url)
        if state is None:  # the store keys URLs by their normalised form
            from ..urls import normalize

            key = normalize(url)
            state = store.url_state(key)
        return key, state, store.history(key) if state else []

    key, state, checks = _read_store(settings, read)
    if state is None:
        fail(f"no checks of {url} in {settings.db}", EXIT_USAGE)
    if fmt == "json":
        click.echo(json.dumps({"url": key, "state": state, "checks": checks}, indent=2))
        return
    console.print(key, highlight=False, soft_wrap=True)
    failing = state["consecutive_failures"]
    console.print(
        f"now: {state['verdict']} (checked {state['checked_at']})"
        + (f"; failing on {failing} run(s) since {state['first_failed_at']}" if failing else ""),
        highlight=False,
        soft_wrap=True,
    )
    table = Table("checked at", "run", "verdict", "status", "reason", box=None)
    for row in checks:
        reason = row["reason"] + (f" → {row['final_url']}" if row["final_url"] else "")
        table.add_row(
            row["checked_at"], str(row["run_id"]), row["verdict"], str(row["status"] or ""), reason
        )
    console.print(table, highlight=False)


@cli.command()
@db_option
@store_format_option
@click.pass_context
def stats(ctx: click.Context, db: Path | None, fmt: str) -> None:
    """What the store holds: runs, URLs by verdict, oldest check, size on disk."""
    settings = settings_from(ctx, db=db)
    data = _read_store(settings, lambda store: store.stats())
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    last = data["last_run"]
    lines = [
        f"database: {data['path']} (schema v{data['schema_version']}, "
        f"{data['db_size_bytes'] / 1e6:.1f} MB)",
        f"runs: {data['runs']} ("
        + ", ".join(f"{k} {v}" for k, v in data["runs_by_outcome"].items())
        + ")",
        f"last run: #{last['id']} {last['outcome']} at {last['started_at']}" if last else "",
        f"urls: {data['urls']} ("
        + ", ".join(f"{k} {v}" for k, v in data["urls_by_verdict"].items())
        + ")",
        f"checks: {data['checks']}; oldest latest check: {data['oldest_check'] or '-'}",
        "metadata: " + (", ".join(f"{k} {v}" for k, v in data["metadata"].items()) or "none"),
    ]
    for line in lines:
        if line:
            console.print(line, highlight=False, soft_wrap=True)
