"""``linkwatch fix``: the suggested edits from stored results, printed or written."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..net import Network
from .common import (
    EXIT_CANNOT_JUDGE,
    _read_store,
    cli,
    db_option,
    err_console,
    fail,
    settings_from,
)

if TYPE_CHECKING:
    pass
from .run import run_pipeline

# ---------------------------------------------------------------- fix


def _patch_name(path: Path) -> str:
    """The file name a patch uses: relative to the current directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="Apply the edits to FILES in place.")
@click.option("--only", default=None, help="Comma-separated kinds, e.g. redirect,tracking,wechat.")
@click.option(
    "--min-confidence",
    type=click.Choice(["high", "medium", "low"]),
    default="medium",
    show_default=True,
    help="Least confidence proposed (venue changes are low).",
)
@click.option(
    "-i", "--interactive", is_flag=True, help="Ask y/n/q per edit; write the accepted ones."
)
@click.option("--recheck", is_flag=True, help="Run `linkwatch check` on FILES first (network).")
@db_option
@click.pass_context
def fix(
    ctx: click.Context,
    files: tuple[Path, ...],
    write: bool,
    only: str | None,
    min_confidence: str,
    interactive: bool,
    recheck: bool,
    db: Path | None,
) -> None:
    """Print a unified diff of suggested edits to FILES from the latest stored results.

    No network unless --recheck. The diff goes to stdout (git apply / patch -p1
    accept it), one line per edit to stderr. Kinds: duplicate, rename, redirect,
    wechat, tracking, https, archive, archived, arxiv, venue.
    """
    from ..extract import extract_file
    from ..suggest import (
        KINDS,
        apply_to_bytes,
        candidates,
        render_patch,
        select,
        stored_inputs,
    )

    settings = settings_from(ctx, db=db)
    kinds = None
    if only is not None:
        kinds = {k.strip() for k in only.split(",") if k.strip()}
        unknown = sorted(kinds - KINDS)
        if unknown or not kinds:
            known = ", ".join(sorted(KINDS))
            fail(f"--only: unknown kind {', '.join(unknown) or repr(only)}; use {known}")
    if recheck:
        opts = {"no_progress": False, "quiet": True, "fmt": "text"}
        run_pipeline(list(files), settings, Network(), opts)
    names = {path: _patch_name(path) for path in files}
    try:
        documents = [extract_file(path, display_name=names[path]) for path in files]
        sources = {names[path]: path.read_bytes() for path in files}
    except OSError as exc:
        fail(f"cannot read {exc.filename}: {exc.strerror}")
    found = _read_store(settings, lambda store: stored_inputs(store, documents))
    chosen = select(
        candidates(documents, found.results, found.enrichment, settings, sources),
        kinds,
        min_confidence,
    )
    if not chosen:
        err_console.print("no suggested edits", highlight=False)
        return
    if interactive:
        accepted = []
        for s in chosen:
            click.echo(f"{s.file}:{s.line} [{s.confidence}] {s.kind}: {s.reason}")
            click.echo(render_patch({s.file: sources[s.file]}, [s]), nl=False)
            answer = click.prompt(
                "Apply this edit?", type=click.Choice(["y", "n", "q"]), show_choices=True
            )
            if answer == "q":
                break
            if answer == "y":
                accepted.append(s)
        chosen, write = accepted, True
    try:
        if write:
            for name, data in sources.items():
                mine = [s for s in chosen if s.file == name]
                if mine:
                    path = next(p for p, n in names.items() if n == name)
                    tmp = path.with_name(f".{path.name}.linkwatch-tmp")
                    tmp.write_bytes(apply_to_bytes(data, mine))
                    os.replace(tmp, path)
        else:
            patch = render_patch(sources, chosen)
            sys.stdout.flush()
            sys.stdout.buffer.write(patch.encode("utf-8", "surrogateescape"))
            sys.stdout.buffer.flush()
    except OSError as exc:
        fail(f"cannot write {exc.filename}: {exc.strerror}", EXIT_CANNOT_JUDGE)
    for s in chosen:
        err_console.print(
            f"{s.file}:{s.line} [{s.confidence}] {s.kind}: {s.reason}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if write:
        err_console.print(f"{len(chosen)} edit(s) written", highlight=False)
