"""The scheduled job: the GitHub Actions workflow, rendered for a list's files.

Two forms: the default uses linkwatch's composite action (``action.yml`` at the root of
linkwatch's repository) pinned to the version that wrote the workflow, so nothing is
installed from a package index; ``install="pip"`` runs ``pip install PACKAGE`` for those
who publish linkwatch to an index of their own.
"""

from __future__ import annotations

import shlex
from importlib.resources import files as package_files
from pathlib import Path
from string import Template

from . import __version__

WORKFLOW_PATH = Path(".github/workflows/linkwatch.yml")
DEFAULT_CRON = "17 3 * * *"  # off the hour: GitHub delays jobs queued at :00
ACTION = "linkwatch/linkwatch"  # owner/name of the repository that holds action.yml
INSTALLS = ("action", "pip")
_PR_TRIGGER = "  pull_request:\n"


class WorkflowExists(Exception):
    """The workflow file is there already and --force was not given."""


def _template(name: str) -> Template:
    return Template(package_files("linkwatch").joinpath(f"templates/{name}").read_text())


def render_workflow(
    list_files: list[str],
    cron: str = DEFAULT_CRON,
    package: str = "linkwatch",
    *,
    install: str = "pip",
    action: str = ACTION,
    version: str = f"v{__version__}",
    pr_checks: bool = False,
) -> str:
    """The workflow YAML for ``list_files`` (paths relative to the repository root);
    ``pr_checks`` adds the ``pull_request`` job that checks only the links a PR adds."""
    if install not in INSTALLS:
        raise ValueError(f"install must be one of {', '.join(INSTALLS)}")
    values = {
        "cron": cron,
        "files": " ".join(shlex.quote(f) for f in list_files),
        "files_block": "\n".join(f"            {f}" for f in list_files),
        "package": shlex.quote(package),
        "action": action,
        "version": version,
    }
    pr_job = _template(f"pr-job-{install}.yml").substitute(values) if pr_checks else ""
    main = "github-actions-action.yml" if install == "action" else "github-actions.yml"
    return _template(main).substitute(
        values, pr_trigger=_PR_TRIGGER if pr_checks else "", pr_job=pr_job.rstrip("\n")
    )


def write_workflow(root: Path, content: str, *, force: bool = False) -> Path:
    """Write the workflow under ``root``; refuse to overwrite unless ``force``."""
    path = root / WORKFLOW_PATH
    if path.exists() and not force:
        raise WorkflowExists(f"{path} exists; use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path
