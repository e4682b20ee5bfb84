"""The ``linkwatch`` command: option parsing, exit codes, terminal output. No logic here.

Exit codes: 0 ok, 1 broken links, 2 usage or input error, 3 the run could not
judge (network down, database busy), 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
)

from . import __version__
from .config import ConfigError, Settings, load_settings
from .models import LinkResult
from .net import Network

if TYPE_CHECKING:
    from .pipeline import RunOutcome

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_CANNOT_JUDGE = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in linkwatch
EXIT_INTERRUPTED = 130

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """One clear line on stderr and a defined exit code; never a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def settings_from(ctx: click.Context, **overrides: object) -> Settings:
    try:
        return load_settings(config_path=ctx.obj.get("config"), overrides=overrides)
    except ConfigError as exc:
        fail(str(exc))
        raise AssertionError("unreachable") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkwatch")
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Config file (linkwatch.toml or a pyproject.toml with [tool.linkwatch]).",
)
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """Keep curated awesome lists healthy: check links, enrich entries, propose fixes."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


# ---------------------------------------------------------------- check / demo


class RichProgress:
    """Links done/total, counts per verdict and the host being checked."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.task = progress.add_task("checking", total=None, info="")

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, result: LinkResult) -> None:
        key = result.verdict.value
        self.counts[key] = self.counts.get(key, 0) + 1
        info = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        host = urlsplit(result.url).hostname or ""
        self.progress.update(self.task, advance=1, info=f"{info}  [dim]{host}[/]")


def check_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--db", type=click.Path(path_type=Path), help="SQLite store (cache/linkwatch.db)."
        ),
        click.option("--out", type=click.Path(path_type=Path), help="Report directory (reports/)."),
        click.option("--concurrency", type=click.IntRange(1, 1000), help="Requests in flight."),
        click.option(
            "--per-host", type=click.IntRange(1, 100), help="Requests in flight per host."
        ),
        click.option("--timeout", type=str, help="Timeout per request, e.g. 20s."),
        click.option(
            "--max-retries", type=click.IntRange(0, 10), help="Retries of transient failures."
        ),
        click.option("--exclude", multiple=True, help="Regex of URLs not to check (repeatable)."),
        click.option("--include", multiple=True, help="Check only URLs matching (repeatable)."),
        click.option("--user-agent", type=str, help="User-Agent header."),
        click.option("--refresh", is_flag=True, default=None, help="Ignore cached results."),
        click.option("--max-age", type=str, help="How long an alive result stays fresh (1d)."),
        click.option(
            "--fail-after", type=click.IntRange(1, 100), help="Failing runs before broken."
        ),
        click.option("--enrich/--no-enrich", default=None, help="arXiv/GitHub metadata (on)."),
        click.option("--github-api-url", type=str, help="GitHub API base (Enterprise: …/api/v3)."),
        click.option("--arxiv-api-url", type=str, help="arXiv API query URL."),
        click.option("--max-duration", type=str, help="Stop starting checks after this (20m)."),
        click.option(
            "--allow-private", is_flag=True, default=None, help="Check private addresses."
        ),
        click.option(
            "--check-fragments", is_flag=True, default=None, help="Check #fragments of pages."
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "github", "json"]),
            default="text",
            help="Terminal output: summary, GitHub workflow commands, or report.json.",
        ),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
        click.option("-v", "--verbose", count=True, help="More logging (-vv for debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _check_overrides(opts: dict[str, Any]) -> dict[str, Any]:
    keys = [
        "db",
        "out",
        "concurrency",
        "per_host",
        "timeout",
        "max_retries",
        "exclude",
        "include",
        "user_agent",
        "refresh",
        "fail_after",
        "enrich",
        "github_api_url",
        "arxiv_api_url",
        "max_duration",
        "allow_private",
        "check_fragments",
    ]
    overrides = {k: opts.get(k) for k in keys}
    overrides["ttl_alive"] = opts.get("max_age")
    return overrides


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
    )


def _print_outcome(outcome: RunOutcome, fmt: str, quiet: bool, fail_after: int) -> None:
    from .report import render_github, render_markdown

    report = outcome.report
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    if fmt == "github":
        click.echo(render_github(report), nl=False)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(render_markdown(report, fail_after=fail_after) + "\n")
            except OSError as exc:  # the check itself stands; only the summary is lost
                err_console.print(
                    f"warning: cannot append to the step summary {summary_file}: "
                    f"{exc.strerror or exc}",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
    if quiet:
        return
    s = report["summary"]
    console.print(
        f"[bold]{s['links']}[/] links: [green]{s['alive']} alive[/], "
        f"[cyan]{s['redirect']} redirect[/], [red]{s['dead']} dead[/] "
        f"([red]{s['broken']} broken[/], [yellow]{s['failing']} failing[/]), "
        f"[magenta]{s['unverifiable']} unverifiable[/], {s['excluded']} excluded; "
        f"{s['cached']} from cache; {len(report['suggestions'])} suggested edits",
        highlight=False,
    )
    for note in outcome.notes:
        console.print(f"note: {note}", highlight=False)
    console.print("reports: " + ", ".join(str(p) for p in outcome.paths), highlight=False)


def run_pipeline(
    files: list[Path], settings: Settings, network: Network, opts: dict[str, Any]
) -> int:
    """Run a check with progress and map every failure to one line and an exit code."""
    # imported here so that `linkwatch links` and `--help` stay fast and independent
    from .enrich.github import GithubAuthError
    from .extract import InputError
    from .pipeline import NetworkDown, run_check
    from .store import StoreBusy, StoreError

    show_progress = not (opts["no_progress"] or opts["quiet"] or not err_console.is_terminal)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        console=err_console,
        transient=True,
        disable=not show_progress,
    )
    try:
        with progress:
            outcome = asyncio.run(
                run_check(files, settings, network, progress=RichProgress(progress))
            )
    except InputError as exc:
        fail(str(exc), EXIT_USAGE)
    except StoreBusy as exc:
        fail(str(exc), EXIT_CANNOT_JUDGE)
    except StoreError as exc:
        fail(str(exc), getattr(exc, "exit_code", EXIT_USAGE))
    except GithubAuthError as exc:
        fail(str(exc), EXIT_USAGE)
    except NetworkDown as exc:
        fail(str(exc), EXIT_CANNOT_JUDGE)
    except re.error as exc:
        fail(f"invalid --include/--exclude pattern {exc.pattern!r}: {exc}", EXIT_USAGE)
    except OSError as exc:
        fail(
            f"cannot write reports: {exc.strerror or exc} ({exc.filename or settings.out})",
            EXIT_CANNOT_JUDGE,
        )
    _print_outcome(outcome, opts["fmt"], opts["quiet"], settings.fail_after)
    return outcome.exit_code


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@check_options
@click.pass_context
def check(ctx: click.Context, files: tuple[Path, ...], **opts: Any) -> None:
    """Check every link of FILES; write reports/report.md, report.json, suggestions.patch.

    Exit 0 when nothing is broken, 1 when links are broken, 2 for bad input,
    3 when the run could not judge (network down, database busy).
    """
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = settings_from(ctx, **_check_overrides(opts))
    sys.exit(run_pipeline(list(files), settings, Network(), opts))


@cli.command()
@check_options
@click.pass_context
def demo(ctx: click.Context, **opts: Any) -> None:
    """The whole pipeline, offline, on the bundled example list against the simulated web."""
    _setup_logging(opts["verbose"], opts["quiet"])
    from .simweb.demo import run_demo

    settings = settings_from(ctx, **_check_overrides(opts))
    console.print(
        "linkwatch demo: bundled example list, simulated web on 127.0.0.1 (no real traffic)",
        highlight=False,
    )
    sys.exit(run_demo(settings, lambda files, s, net: run_pipeline(files, s, net, opts)))


# ---------------------------------------------------------------- init


@cli.group()
def init() -> None:
    """Write configuration for running linkwatch elsewhere (CI)."""


@init.command("github-actions")
@click.argument("files", nargs=-1)
@click.option("--cron", default=None, help="Schedule (default: nightly at 03:17 UTC).")
@click.option("--package", default="linkwatch", help="What `pip install` installs.")
@click.option("--force", is_flag=True, help="Overwrite an existing workflow.")
def init_github_actions(
    files: tuple[str, ...], cron: str | None, package: str, force: bool
) -> None:
    """Write .github/workflows/linkwatch.yml: a nightly check of FILES (default README.md)."""
    from .nightly import DEFAULT_CRON, WorkflowExists, render_workflow, write_workflow

    content = render_workflow(list(files) or ["README.md"], cron or DEFAULT_CRON, package)
    try:
        path = write_workflow(Path.cwd(), content, force=force)
    except WorkflowExists as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"cannot write the workflow: {exc.strerror or exc}", EXIT_USAGE)
    console.print(f"wrote {path}; see docs/nightly.md for what it does", highlight=False)


# ---------------------------------------------------------------- store: history, stats

db_option = click.option(
    "--db", type=click.Path(path_type=Path), default=None, help="SQLite store (cache/linkwatch.db)."
)
store_format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _read_store(settings: Settings, read: Callable[[Any], Any]) -> Any:
    """Open the store read-only, call ``read(store)``; store trouble → one line, exit 2/3."""
    from .store import Store, StoreError

    try:
        with Store.open(settings.db, readonly=True) as store:
            return read(store)
    except StoreError as exc:
        fail(str(exc), exc.exit_code)


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
            from .urls import normalize

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


# ---------------------------------------------------------------- publish


@cli.command()
@click.option("--repo", "repo_name", required=True, help="owner/name of the list's repository.")
@click.option("--pr", is_flag=True, help="Also open or update the pull request with the fixes.")
@click.option("--out", type=click.Path(path_type=Path), help="Where report.json is (reports/).")
@click.option("--db", type=click.Path(path_type=Path), help="SQLite store (cache/linkwatch.db).")
@click.option("--github-api-url", type=str, help="GitHub API base (Enterprise: …/api/v3).")
@click.pass_context
def publish(ctx: click.Context, repo_name: str, pr: bool, **opts: Any) -> None:
    """Create or update the tracking issue (and the fix PR) from the latest report.

    Needs GITHUB_TOKEN. Writes nothing when nothing changed since the last publish.
    """
    from .publish import Publisher, PublishError, patched_files
    from .store import Store, StoreError

    settings = settings_from(ctx, **opts)
    if "/" not in repo_name:
        fail(f"--repo must be owner/name, not {repo_name!r}")
    report_path = settings.out / "report.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        fail(f"no usable {report_path}: run `linkwatch check` first", EXIT_USAGE)
    try:
        with Store.open(settings.db) as store:
            key = f"publish:{repo_name.lower()}"
            publisher = Publisher(settings, repo_name, store.get_state(key))
            files = patched_files(report, Path.cwd()) if pr else {}
            result = publisher.run(report, files, pr=pr)
            store.set_state(key, publisher.state)
    except PublishError as exc:
        fail(str(exc), EXIT_CANNOT_JUDGE)
    except StoreError as exc:
        fail(str(exc), getattr(exc, "exit_code", EXIT_USAGE))
    except (OSError, KeyError, ValueError) as exc:
        fail(f"cannot build the fix from {report_path}: {exc}", EXIT_USAGE)
    for action in result.actions or ["nothing changed; nothing published"]:
        console.print(action, highlight=False)


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
    from .extract import InputError, extract_file
    from .suggest import (
        KINDS,
        SuggestionMismatch,
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
    except InputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot read {exc.filename}: {exc.strerror}")
    found = _read_store(settings, lambda store: stored_inputs(store, documents))
    chosen = select(
        candidates(
            documents,
            found.results,
            found.papers,
            found.repos,
            found.title_hits,
            found.snapshots,
            settings,
            sources,
        ),
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
    except SuggestionMismatch as exc:
        fail(str(exc), EXIT_CANNOT_JUDGE)
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


# ---------------------------------------------------------------- links / entries

LINK_KEYS = (
    "url", "normalized", "file", "line", "column", "start", "end",
    "label", "kind", "target", "section", "entry", "syntax",
)  # fmt: skip
ENTRY_KEYS = ("file", "line", "section", "title", "venue", "venue_raw", "year", "links")


def _documents(files: tuple[Path, ...]) -> list[Any]:
    """Extract FILES, or one clear line and exit 2; warnings go to stderr."""
    from .extract import InputError, extract_file

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
    from .urls import normalize

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
    from .export import has_metadata, render_csv, render_json, stored_rows
    from .store import Store, StoreError

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


def run_guarded(command: Callable[[], object]) -> None:
    """Run a command the way users meet it: Ctrl-C is exit 130, a bug is one line (exit 70)."""
    try:
        command()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: one line for users, the traceback with LINKWATCH_DEBUG=1
        if os.environ.get("LINKWATCH_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
            "(set LINKWATCH_DEBUG=1 for the traceback and please report it)",
            highlight=False,
        )
        sys.exit(EXIT_INTERNAL)


def main() -> None:
    run_guarded(lambda: cli(obj={}))
