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
    from ..extract import extract_file

    docs = [extract_file(path) for path in files]
    for doc in docs:
        for warning in doc.warnings:
            err_console.print(f"warning: {warning}", highlight=False, markup=False)
    return docs


RICH_TABLE_MAX = 2000
"""Above this many rows (or when stdout is not a terminal) the table is plain aligned
text, written as it goes: rich lays out every row of a table in memory first."""
PLAIN_WIDTH_MAX = 48  # a longer section or title overflows its column instead of widening it


def _emit(
    rows: list[tuple[Any, ...]], keys: tuple[str, ...], fmt: str, title: str, shown: tuple[str, ...]
) -> None:
    """json/csv carry every key; the terminal table shows ``shown`` with file:line:column.

    ``rows`` are tuples in ``keys`` order. JSON is one array with one object per line,
    written as it goes, so 100,000 links take seconds and little memory.
    """
    out = sys.stdout
    if fmt == "json":
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        out.write("[")
        for i, row in enumerate(rows):
            out.write(("," if i else "") + "\n" + dumps(dict(zip(keys, row, strict=True))))
        out.write("\n]\n" if rows else "]\n")
    elif fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows(rows)
    else:
        at = {k: i for i, k in enumerate(keys)}
        file, line, column = at["file"], at["line"], at.get("column")
        picks = [at[k] for k in shown]
        table = [
            [
                f"{row[file]}:{row[line]}" + ("" if column is None else f":{row[column]}"),
                *("" if row[i] is None else str(row[i]) for i in picks),
            ]
            for row in rows
        ]
        if console.is_terminal and len(table) <= RICH_TABLE_MAX:
            from rich.table import Table

            rich_table = Table(title=title, show_lines=False)
            rich_table.add_column("where", no_wrap=True)
            for key in shown:
                rich_table.add_column(key, overflow="fold")
            for cells in table:
                rich_table.add_row(*cells)
            console.print(rich_table)
            return
        _plain_table(out, title, ["where", *shown], table)


def _plain_table(out: Any, title: str, header: list[str], table: list[list[str]]) -> None:
    widths = [len(h) for h in header]
    caps = [PLAIN_WIDTH_MAX if h in ("section", "entry", "title") else 10**6 for h in header]
    for cells in table:
        for i, cell in enumerate(cells[:-1]):
            if widths[i] < len(cell) <= caps[i]:
                widths[i] = len(cell)
    out.write(title + "\n")
    for cells in [header, *table]:
        out.write("  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=False)))
        out.write("  " + cells[-1] + "\n")


_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="Output format.",
)  # fmt: skip


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_FORMAT
def links(files: tuple[Path, ...], fmt: str) -> None:
    """Every link in FILES with file:line:column, section, entry and kind. No network."""
    from functools import lru_cache

    from ..urls import normalize

    key = lru_cache(maxsize=None)(normalize)
    rows = [
        (
            link.url,
            key(link.url),
            link.file,
            link.line,
            link.column,
            link.start,
            link.end,
            link.label,
            link.kind.value,
            link.target.value,
            link.section,
            link.entry,
            link.syntax,
        )
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
        (
            e.file,
            e.line,
            e.section,
            e.title,
            e.venue.name if e.venue else None,
            e.venue.raw if e.venue else None,
            e.venue.year if e.venue else None,
            [link.url for link in e.links] if fmt == "json" else len(e.links),
        )
        for doc in _documents(files)
        for e in doc.entries
    ]
    _emit(rows, ENTRY_KEYS, fmt, f"{len(rows)} entries", ("section", "title", "venue_raw", "links"))


# ---------------------------------------------------------------- export


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "markdown"]),
    default="json",
    show_default=True,
)
@click.option(
    "--sort",
    type=click.Choice(["stars", "citations", "year"]),
    help="markdown: highest first (default: list order).",
)
@click.option("--badges", is_flag=True, help="markdown: stars as shields.io badges.")
@db_option
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write here instead of stdout."
)
@click.pass_context
def export(
    ctx: click.Context,
    files: tuple[Path, ...],
    fmt: str,
    sort: str | None,
    badges: bool,
    db: Path | None,
    output: Path | None,
) -> None:
    """Every entry of FILES with its stored arXiv and GitHub metadata. No network.

    Metadata comes from the store that `linkwatch check` fills; entries it knows
    nothing about are exported with empty fields.
    """
    from ..export import has_metadata, render_csv, render_json, render_markdown, stored_rows
    from ..store import Store

    settings = settings_from(ctx, db=db)
    documents = _documents(files)
    if settings.db.exists():
        with Store.open(settings.db, readonly=True) as store:
            rows, known = stored_rows(store, documents), has_metadata(store)
    else:
        rows, known = stored_rows(None, documents), False
    if fmt == "markdown":
        text = render_markdown(rows, sort=sort, badges=badges)
    else:
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
