"""The ``linkwatch`` command: option parsing, exit codes, terminal output. No logic here.

The group, the shared helpers and ``main``; the commands live one module per group and
import from here (``__init__`` loads them all). Errors become exit codes in one place,
``LinkwatchGroup.invoke``: every ``errors.LinkwatchError`` is its one line and its
``exit_code``.

Exit codes: 0 ok, 1 broken links, 2 usage or input error, 3 the run could not
judge (network down, database busy, disk full), 70 internal error, 130 interrupted
(SIGINT; 143 for SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from .. import __version__
from ..config import Settings, load_settings
from ..errors import (
    EXIT_BROKEN,
    EXIT_CANNOT_JUDGE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    find_error,
)

__all__ = ["EXIT_BROKEN", "EXIT_CANNOT_JUDGE", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE"]

# soft wrap: lines are never cut at 80 columns, which is what rich assumes when the output
# is a file or a CI log rather than a terminal
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """One clear line on stderr and a defined exit code; never a traceback."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def settings_from(ctx: click.Context, **overrides: object) -> Settings:
    return load_settings(config_path=ctx.obj.get("config"), overrides=overrides)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """The one place where errors become exit codes: a LinkwatchError, also inside an
    exception group, is one line on stderr and its ``exit_code``; Ctrl-C outside a
    check is 130, not click's "Aborted!". Anything else is a bug (``run_guarded``)."""
    try:
        yield
    except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C, also at a prompt
        err_console.print("interrupted", highlight=False)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        error = find_error(exc)
        if error is None:
            raise
        fail(error.message, error.exit_code)


class LinkwatchGroup(click.Group):
    """Every command runs inside ``user_errors`` (the console script and CliRunner alike)."""

    def invoke(self, ctx: click.Context) -> Any:
        with user_errors():
            return super().invoke(ctx)


@click.group(cls=LinkwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    """Open the store read-only (immutable where its directory is not writable)."""
    from ..store import Store

    with Store.open(settings.db, readonly=True) as store:
        return read(store)


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
