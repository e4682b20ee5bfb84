"""``linkwatch links``, ``entries`` and ``export``: what a list contains, offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    EXIT_USAGE,
    cli,
    console,
    db_option,
    err_console,
    fail,
    settings_from,
)

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------- links / entries

LINK_KEYS = (
    "url", "normalized", "file", "line", "column", "start", "end",
    "label", "kind", "target", "section", "entry", "syntax",
)  # fmt: skip
ENTRY_KEYS = ("file", "line", "section", "title", "venue", "venue_raw", "year", "links")


def _documents(files: tuple[Path, ...]) -> list[Any]:
    """Extract FILES, or one clear line and exit 2; warnings go to stderr."""
    from ..extract import InputError, extract_file

    try:
        docs = [extract_file(path) for path in files]
    except InputError as exc:
        fail(str(exc))
        raise AssertionError("unreachable") from None
    for doc in docs:
        for warning in doc.warnings:
            err_console.print(f"warning: {warning}", highlight=False, markup=False)
    return docs


def _emit(
    rows: list[dict[str, Any]], keys: tuple[str, ...], fmt: str, title: str, shown: tuple[str, ...]
) -> None:
    """json/csv carry every key; the terminal table shows ``shown`` with file:line:column."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        table.add_column("where", no_wrap=True)
        for key in shown:
            table.add_column(key, overflow="fold")
        for row in rows:
            column = f":{row['column']}" if "column" in row else ""
            where = f"{row['file']}:{row['line']}{column}"
            table.add_row(where, *("" if row[k] is None else str(row[k]) for k in shown))
        console.print(table)


_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="Output format.",
)  # fmt: skip


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_FORMAT
def links(files: tuple[Path, ...], fmt: str) -> None:
    """Every link in FILES with file:line:column, section, entry and kind. No network."""
    from ..urls import normalize

    rows = [
        {
            "url": link.url,
            "normalized": normalize(link.url),
            "file": link.file,
            "line": link.line,
            "column": link.column,
            "start": link.start,
            "end": link.end,
            "label": link.label,
            "kind": link.kind.value,
            "target": link.target.value,
            "section": link.section,
            "entry": link.entry,
            "syntax": link.syntax,
        }
        for doc in _documents(files)
        for link in doc.links
    ]
    _emit(rows, LINK_KEYS, fmt, f"{len(rows)} links", ("kind", "target", "section", "entry", "url"))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_FORMAT
def entries(files: tuple[Path, ...], fmt: str) -> None:
    """The entries (list items and table rows with links) of FILES: title, venue, section."""
    rows = [
        {
            "file": e.file,
            "line": e.line,
            "section": e.section,
            "title": e.title,
            "venue": e.venue.name if e.venue else None,
            "venue_raw": e.venue.raw if e.venue else None,
            "year": e.venue.year if e.venue else None,
            "links": [link.url for link in e.links] if fmt == "json" else len(e.links),
        }
        for doc in _documents(files)
        for e in doc.entries
    ]
    _emit(rows, ENTRY_KEYS, fmt, f"{len(rows)} entries", ("section", "title", "venue_raw", "links"))


# ---------------------------------------------------------------- export


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@db_option
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write here instead of stdout."
)
@click.pass_context
def export(
    ctx: click.Context, files: tuple[Path, ...], fmt: str, db: Path | None, output: Path | None
) -> None:
    """Every entry of FILES with its stored arXiv and GitHub metadata. No network.

    Metadata comes from the store that `linkwatch check` fills; entries it knows
    nothing about are exported with empty fields.
    """
    from ..export import has_metadata, render_csv, render_json, stored_rows
    from ..store import Store, StoreError

    settings = settings_from(ctx, db=db)
    documents = _documents(files)
    try:
        if settings.db.exists():
            with Store.open(settings.db, readonly=True) as store:
                rows, known = stored_rows(store, documents), has_metadata(store)
        else:
            rows, known = stored_rows(None, documents), False
    except StoreError as exc:
        fail(str(exc), exc.exit_code)
    text = render_csv(rows) if fmt == "csv" else render_json(rows)
    if not known:
        err_console.print(
            f"note: no metadata in {settings.db}; run `linkwatch check` first to fill it",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    err_console.print(
        f"{len(rows)} entries written to {output}", highlight=False, markup=False, soft_wrap=True
    )
