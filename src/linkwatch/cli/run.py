"""``linkwatch check`` and ``linkwatch demo``: a run with progress, its output, its exit code."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import shlex
import sys
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
from ..formats import FORMATS, render
from ..models import LinkResult
from ..net import Network
from . import (
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

if TYPE_CHECKING:
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
        key = result.verdict.value
        self.counts[key] = self.counts.get(key, 0) + 1
        info = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        host = urlsplit(result.url).hostname or ""
        self.progress.update(self.task, advance=1, info=f"{info}  [dim]{host}[/]")


# options `demo` cannot honour: it points the APIs at the simulated web, must reach
# 127.0.0.1, and reads the bundled list only
NOT_IN_DEMO = {"github_api_url", "arxiv_api_url", "allow_private", "exclude_path"}


def check_options(func: Callable[..., Any], *, demo: bool = False) -> Callable[..., Any]:
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
        click.option(
            "--include",
            multiple=True,
            help="Regex of URLs always checked, even if excluded (repeatable); alone: only these.",
        ),
        click.option(
            "--exclude-path", multiple=True, help="Glob of input files to skip (repeatable)."
        ),
        click.option(
            "--accept", type=str, help="Statuses that count as alive, e.g. '200..=299,429'."
        ),
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
            type=click.Choice(list(FORMATS)),
            default="text",
            help="Terminal output: " + "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values()),
        ),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
        click.option("-v", "--verbose", count=True, help="More logging (-vv for debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors."),
    ]
    for option in reversed(options):
        wrapped = option(func)
        if demo and wrapped.__click_params__[-1].name in NOT_IN_DEMO:  # type: ignore[attr-defined]
            wrapped.__click_params__.pop()  # type: ignore[attr-defined]
        func = wrapped
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
        "exclude_path",
        "accept",
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


def _print_outcome(outcome: RunOutcome, fmt: str, quiet: bool) -> None:
    report = outcome.report
    if fmt not in ("text", "github"):
        click.echo(render(fmt, report), nl=False)
        return
    if fmt == "github":
        click.echo(render("github", report), nl=False)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(render("markdown", report) + "\n")
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
    summary, *broken = render("text", report).splitlines()
    console.print(summary, highlight=False, markup=False)
    for note in outcome.notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    console.print("reports: " + ", ".join(str(p) for p in outcome.paths), highlight=False)
    for line in broken:  # last, where the eye lands when the run ends
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def run_pipeline(
    files: list[Path], settings: Settings, network: Network, opts: dict[str, Any]
) -> int:
    """Run a check with progress and map every failure to one line and an exit code."""
    # imported here so that `linkwatch links` and `--help` stay fast and independent
    from ..enrich.github import GithubAuthError
    from ..extract import InputError
    from ..ignore import IgnoreFileError
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
                run_check(files, settings, network, progress=RichProgress(progress))
            )
    except (InputError, IgnoreFileError) as exc:
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
    _print_outcome(outcome, opts["fmt"], opts["quiet"])
    return outcome.exit_code


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@check_options
@click.pass_context
def check(ctx: click.Context, files: tuple[Path, ...], **opts: Any) -> None:
    """Check every link of FILES (Markdown files, directories, globs); write reports/
    report.md, report.json, report.junit.xml and suggestions.patch.

    A directory means its Markdown files, honouring .gitignore in a git checkout.
    Exit 0 when nothing is broken, 1 when links are broken, 2 for bad input,
    3 when the run could not judge (network down, database busy).
    """
    from ..extract import InputError
    from ..inputs import expand_inputs

    _setup_logging(opts["verbose"], opts["quiet"])
    settings = settings_from(ctx, **_check_overrides(opts))
    try:
        paths = expand_inputs(files, settings.exclude_path)
    except InputError as exc:
        fail(str(exc), EXIT_USAGE)
    sys.exit(run_pipeline(paths, settings, Network(), opts))


@cli.command()
@functools.partial(check_options, demo=True)
@click.pass_context
def demo(ctx: click.Context, **opts: Any) -> None:
    """The whole pipeline, offline, on the bundled example list against the simulated web.

    Exits 0 when the demo ran: the broken links it finds are what it demonstrates.
    """
    _setup_logging(opts["verbose"], opts["quiet"])
    from ..simweb.demo import DEMO_DIR, run_demo

    settings = settings_from(ctx, **_check_overrides(opts))
    workdir = DEMO_DIR
    db = opts["db"] or workdir / "linkwatch.db"
    fail_after = opts["fail_after"] or 1
    listing = workdir / "awesome-cv-attention.md"
    say = console if opts["fmt"] == "text" else err_console  # stdout stays machine-readable
    say.print(
        "linkwatch demo: bundled example list, simulated web on 127.0.0.1 (no real traffic)\n"
        f"list: {listing}; store: {db}; fail_after={fail_after}"
        + ("" if opts["fail_after"] else " (one night only: dead links count as broken at once)"),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    code = run_demo(
        replace(settings, db=db, fail_after=fail_after),
        lambda files, s, net: run_pipeline(files, s, net, opts),
        workdir,
    )
    if not opts["quiet"] and code in (EXIT_OK, EXIT_BROKEN):
        db_arg = shlex.quote(str(db))
        say.print(
            "next:\n"
            f"  linkwatch stats --db {db_arg}\n"
            f"  linkwatch fix {shlex.quote(str(listing))} --db {db_arg}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    sys.exit(EXIT_OK if code == EXIT_BROKEN else code)
