"""The scheduled job: the GitHub Actions workflow template, rendered for a list's files."""

from __future__ import annotations

import shlex
from importlib.resources import files as package_files
from pathlib import Path
from string import Template

from .errors import UsageError

WORKFLOW_PATH = Path(".github/workflows/linkwatch.yml")
DEFAULT_CRON = "17 3 * * *"  # off the hour: GitHub delays jobs queued at :00


class WorkflowExists(UsageError):
    """The workflow file is there already and --force was not given."""


def render_workflow(
    list_files: list[str], cron: str = DEFAULT_CRON, package: str = "linkwatch"
) -> str:
    """The workflow YAML for ``list_files`` (paths relative to the repository root)."""
    template = package_files("linkwatch").joinpath("templates/github-actions.yml").read_text()
    return Template(template).substitute(
        cron=cron,
        files=" ".join(shlex.quote(f) for f in list_files),
        package=shlex.quote(package),
    )


def write_workflow(root: Path, content: str, *, force: bool = False) -> Path:
    """Write the workflow under ``root``; refuse to overwrite unless ``force``."""
    path = root / WORKFLOW_PATH
    if path.exists() and not force:
        raise WorkflowExists(f"{path} exists; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path
