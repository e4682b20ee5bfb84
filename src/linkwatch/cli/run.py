"""``linkwatch check`` and ``linkwatch demo``: a run with progress, its output, its exit code."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
)

from ..config import Settings
from ..models import LinkResult
from ..net import Network
from .common import (
    EXIT_BROKEN,
    EXIT_CANNOT_JUDGE,
    EXIT_OK,
    EXIT_USAGE,
    cli,
    console,
    err_console,
    fail,
    settings_from,
)

log = logging.getLogger("linkwatch.check")

if TYPE_CHECKING:
    from ..changes import ChangeScope
    from ..pipeline import RunOutcome


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
        log.info(
            "%s %s%s", result.verdict.value, result.url, f" — {result.reason}" * bool(result.reason)
        )
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
            type=click.Choice(["text", "github", "json", "sarif"]),
            default="text",
            help="Terminal output: summary, GitHub workflow commands, report.json or SARIF.",
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


# other packages' loggers: their INFO lines ("Following Github server redirection …")
# are noise in a nightly log; -vv shows them, the parser's internals never
_THIRD_PARTY = ("github", "urllib3", "arxiv", "aiohttp", "asyncio", "requests")
_NEVER = ("markdown_it",)


def _setup_logging(verbose: int, quiet: bool) -> None:
    """-q errors only; default warnings; -v one line per URL checked; -vv debug."""
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    handler: logging.Handler
    if err_console.is_terminal:
        handler = RichHandler(console=err_console, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:  # a CI log: whole lines, never wrapped to a guessed width
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    for name in _THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.INFO if verbose >= 2 else logging.WARNING)
    for name in _NEVER:
        logging.getLogger(name).setLevel(logging.WARNING)


def _print_outcome(outcome: RunOutcome, fmt: str, quiet: bool, fail_after: int) -> None:
    from ..report import render_github, render_step_summary

    report = outcome.report
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    if fmt == "sarif":
        from ..sarif import render_sarif

        click.echo(json.dumps(render_sarif(report), indent=2))
        return
    if fmt == "github":
        click.echo(render_github(report), nl=False)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(render_step_summary(report, fail_after=fail_after) + "\n")
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
    files: list[Path],
    settings: Settings,
    network: Network,
    opts: dict[str, Any],
    scope: ChangeScope | None = None,
) -> int:
    """Run a check with progress and map every failure to one line and an exit code."""
    # imported here so that `linkwatch links` and `--help` stay fast and independent
    from ..enrich.github import GithubAuthError
    from ..extract import InputError
    from ..pipeline import NetworkDown, run_check
    from ..store import StoreBusy, StoreError

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
                run_check(files, settings, network, progress=RichProgress(progress), scope=scope)
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
@click.option(
    "--changed-since",
    metavar="REF",
    help="Pull-request mode: check only the links added since the git REF.",
)
@click.pass_context
def check(
    ctx: click.Context, files: tuple[Path, ...], changed_since: str | None, **opts: Any
) -> None:
    """Check every link of FILES; write reports/report.md, report.json, suggestions.patch.

    Exit 0 when nothing is broken, 1 when links are broken, 2 for bad input,
    3 when the run could not judge (network down, database busy).

    With --changed-since REF (a pull request's base) only the links that the change
    introduces are checked, each is broken on its first failure, and the nightly store
    is left alone (a throw-away store is used).
    """
    _setup_logging(opts["verbose"], opts["quiet"])
    settings = settings_from(ctx, **_check_overrides(opts))
    if changed_since is None:
        sys.exit(run_pipeline(list(files), settings, Network(), opts))
    from ..changes import scope_from_git
    from ..extract import InputError
    from ..pipeline import display_name

    try:
        scope = scope_from_git(changed_since, {display_name(p): p for p in files})
    except (InputError, OSError) as exc:
        fail(str(exc), EXIT_USAGE)
    with tempfile.TemporaryDirectory(prefix="linkwatch-pr-") as scratch:
        settings = replace(settings, fail_after=1, db=Path(scratch) / "linkwatch.db")
        code = run_pipeline(list(files), settings, Network(), opts, scope=scope)
    sys.exit(code)


@cli.command()
@check_options
@click.pass_context
def demo(ctx: click.Context, **opts: Any) -> None:
    """The whole pipeline, offline, on the bundled example list against the simulated web.

    Exits 0 when the demo ran: the broken links it finds are what it demonstrates.
    """
    _setup_logging(opts["verbose"], opts["quiet"])
    from ..simweb.demo import run_demo

    settings = settings_from(ctx, **_check_overrides(opts))
    console.print(
        "linkwatch demo: bundled example list, simulated web on 127.0.0.1 (no real traffic)",
        highlight=False,
    )
    code = run_demo(settings, lambda files, s, net: run_pipeline(files, s, net, opts))
    sys.exit(EXIT_OK if code == EXIT_BROKEN else code)
