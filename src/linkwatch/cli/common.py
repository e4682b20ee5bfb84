"""The ``linkwatch`` command: option parsing, exit codes, terminal output. No logic here.

The group, the shared helpers and ``main``; the commands live one module per group
and import from here (``__init__`` loads them all).

Exit codes: 0 ok, 1 broken links, 2 usage or input error, 3 the run could not
judge (network down, database busy), 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from .. import __version__
from ..config import ConfigError, Settings, load_settings

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_CANNOT_JUDGE = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in linkwatch
EXIT_INTERRUPTED = 130

# soft wrap: lines are never cut at 80 columns, which is what rich assumes when the output
# is a file or a CI log rather than a terminal
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


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


db_option = click.option(
    "--db", type=click.Path(path_type=Path), default=None, help="SQLite store (cache/linkwatch.db)."
)
store_format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _read_store(settings: Settings, read: Callable[[Any], Any]) -> Any:
    """Open the store read-only, call ``read(store)``; store trouble → one line, exit 2/3."""
    from ..store import Store, StoreError

    try:
        with Store.open(settings.db, readonly=True) as store:
            return read(store)
    except StoreError as exc:
        fail(str(exc), exc.exit_code)


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
