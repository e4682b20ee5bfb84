"""The ``linkwatch`` command: option parsing, exit codes, terminal output. No logic here.

Exit codes: 0 ok, 1 broken links, 2 usage or input error, 3 the run could not
judge (network down, database busy), 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from . import __version__
from .config import ConfigError, Settings, load_settings

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_CANNOT_JUDGE = 3
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


def main() -> None:
    try:
        cli(obj={})
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
