"""The errors users meet: one hierarchy, each class carrying its exit code.

Library code raises these with a one-line message (never a secret, never raw bytes
from a file); the CLI turns any of them into that line on stderr and ``exit_code``
in one place (``cli.run_guarded``). Stage-specific errors subclass a category here:
``extract.InputError`` and ``config.ConfigError`` are usage errors,
``store.StoreError`` & co are store errors, ``pipeline.NetworkDown`` cannot judge.

Exit codes: 0 ok, 1 broken links, 2 usage or input error (retrying will not help),
3 the run could not judge (network down, store busy, disk full: retry later),
70 a bug, 130 interrupted by SIGINT, 143 by SIGTERM.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_CANNOT_JUDGE = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in linkwatch
EXIT_INTERRUPTED = 130  # 128 + SIGINT


class LinkwatchError(Exception):
    """Base of every error meant for users: ``str()`` is one line, ``exit_code`` the code."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(" ".join(message.split()) if "\n" in message else message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class UsageError(LinkwatchError):
    """Bad input, a bad option value or a bad setting: fix the call, then retry (exit 2)."""

    exit_code = EXIT_USAGE


class TrustStoreError(UsageError):
    """``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE`` & co name a file that is no CA bundle."""


class OutputError(LinkwatchError):
    """The report directory cannot be written (exit 2 up front, 3 when it fails mid-way)."""

    exit_code = EXIT_USAGE


class CannotJudge(LinkwatchError):
    """The run could not judge anything; the store is left as it was (exit 3)."""

    exit_code = EXIT_CANNOT_JUDGE


class Interrupted(LinkwatchError):
    """SIGINT or SIGTERM: what was checked is stored and reported; exit 128 + signal."""

    exit_code = EXIT_INTERRUPTED


def find_error(exc: BaseException) -> LinkwatchError | None:
    """``exc`` if it is a LinkwatchError, else the first one inside an exception group
    (a TaskGroup wraps what its tasks raise) or its cause; None for anything else."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, LinkwatchError):
            return current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        if current.__cause__ is not None:
            todo.append(current.__cause__)
    return None
