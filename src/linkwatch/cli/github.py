"""``linkwatch init github-actions`` and ``linkwatch publish``: the nightly job's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    EXIT_USAGE,
    cli,
    console,
    fail,
    settings_from,
)

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------- init


@cli.group()
def init() -> None:
    """Write configuration for running linkwatch elsewhere (CI)."""


@init.command("github-actions")
@click.argument("files", nargs=-1)
@click.option("--cron", default=None, help="Schedule (default: nightly at 03:17 UTC).")
@click.option(
    "--install",
    type=click.Choice(["action", "pip"]),
    default="action",
    help="Use linkwatch's action pinned to this version (default), or `pip install`.",
)
@click.option("--package", default="linkwatch", help="What `pip install` installs (--install pip).")
@click.option(
    "--action", "action", default=None, help="owner/name of linkwatch's action repository."
)
@click.option("--pr-checks", is_flag=True, help="Also check the links each pull request adds.")
@click.option("--force", is_flag=True, help="Overwrite an existing workflow.")
def init_github_actions(
    files: tuple[str, ...],
    cron: str | None,
    install: str,
    package: str,
    action: str | None,
    pr_checks: bool,
    force: bool,
) -> None:
    """Write .github/workflows/linkwatch.yml: a nightly check of FILES (default README.md)."""
    from ..nightly import ACTION, DEFAULT_CRON, render_workflow, write_workflow

    content = render_workflow(
        list(files) or ["README.md"],
        cron or DEFAULT_CRON,
        package,
        install=install,
        action=action or ACTION,
        pr_checks=pr_checks,
    )
    try:
        path = write_workflow(Path.cwd(), content, force=force)
    except OSError as exc:
        fail(f"cannot write the workflow: {exc.strerror or exc}", EXIT_USAGE)
    console.print(f"wrote {path}; see docs/nightly.md for what it does", highlight=False)


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
    from ..publish import Publisher, patched_files
    from ..store import Store

    settings = settings_from(ctx, **opts)
    if "/" not in repo_name:
        fail(f"--repo must be owner/name, not {repo_name!r}")
    if not settings.github_token:
        fail("publish needs GITHUB_TOKEN in the environment", EXIT_USAGE)
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
            result = publisher.run(
                report, files, pr=pr, save=lambda state: store.set_state(key, state)
            )
    except (OSError, KeyError, ValueError) as exc:
        fail(f"cannot build the fix from {report_path}: {exc}", EXIT_USAGE)
    for action in result.actions or ["nothing changed; nothing published"]:
        console.print(action, highlight=False)
