"""``linkwatch check`` and ``linkwatch demo``: a run with progress, its output, its exit code."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import shlex
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
from ..formats import FORMATS, render
from ..models import LinkResult
from ..net import Network
from .common import (
    EXIT_BROKEN,
    EXIT_OK,
    cli,
    console,
    err_console,
    settings_from,
    user_errors,
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
        click.option(
            "--max-redirects", type=click.IntRange(0, 100), help="Redirect hops followed (20)."
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
        "max_redirects",
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


def _print_outcome(outcome: RunOutcome, fmt: str, quiet: bool) -> None:
    report = outcome.report
    if fmt not in ("text", "github"):
        click.echo(render(fmt, report), nl=False)
        return
    if fmt == "github":
        from ..formats.github import render_step_summary

        click.echo(render("github", report), nl=False)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(render_step_summary(report) + "\n")
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
    files: list[Path],
    settings: Settings,
    network: Network,
    opts: dict[str, Any],
    scope: ChangeScope | None = None,
) -> int:
    """Run a check with progress; SIGINT/SIGTERM stop it (``interrupt``): what was checked
    is stored and reported, then exit 130/143. Errors exit through ``user_errors``."""
    # imported here so that `linkwatch links` and `--help` stay fast and independent
    from .. import interrupt
    from ..pipeline import run_check

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
    with user_errors(), interrupt.handling_signals():
        with progress:
            outcome = asyncio.run(
                run_check(files, settings, network, progress=RichProgress(progress), scope=scope)
            )
        _print_outcome(outcome, opts["fmt"], opts["quiet"])
        if outcome.interrupted or interrupt.requested():
            raise interrupt.interrupted_error()
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
    """Check every link of FILES (Markdown files, directories, globs); write reports/
    report.md, report.json, report.junit.xml, report.sarif and suggestions.patch.

    A directory means its Markdown files, honouring .gitignore in a git checkout.
    Exit 0 when nothing is broken, 1 when links are broken, 2 for bad input,
    3 when the run could not judge (network down, database busy).

    With --changed-since REF (a pull request's base) only the links that the change
    introduces are checked, each is broken on its first failure, and the nightly store
    is left alone (a throw-away store is used).
    """
    from ..inputs import expand_inputs

    _setup_logging(opts["verbose"], opts["quiet"])
    settings = settings_from(ctx, **_check_overrides(opts))
    paths = expand_inputs(files, settings.exclude_path)
    if changed_since is None:
        sys.exit(run_pipeline(paths, settings, Network(), opts))
    from ..changes import scope_from_git
    from ..pipeline import display_name

    scope = scope_from_git(changed_since, {display_name(p): p for p in paths})
    with tempfile.TemporaryDirectory(prefix="linkwatch-pr-") as scratch:
        settings = replace(settings, fail_after=1, db=Path(scratch) / "linkwatch.db")
        code = run_pipeline(paths, settings, Network(), opts, scope=scope)
    sys.exit(code)


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
