"""The ``linkwatch`` command: option parsing, exit codes, terminal output. No logic here.

One module per group of commands; ``common`` holds the group, the shared helpers and
``main``. Importing this package loads every command module, which registers its
commands on ``cli``.

Exit codes: 0 ok, 1 broken links, 2 usage or input error, 3 the run could not
judge (network down, database busy), 70 internal error, 130/143 interrupted
(SIGINT/SIGTERM).
"""

from __future__ import annotations

from . import edits, github, history, lists, run  # noqa: F401
from .common import cli, main, run_guarded
from .lists import LINK_KEYS
from .run import run_pipeline

__all__ = ["LINK_KEYS", "cli", "main", "run_guarded", "run_pipeline"]
