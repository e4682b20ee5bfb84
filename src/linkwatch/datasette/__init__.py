"""The datasette metadata file shipped with linkwatch: titles and canned queries over the
store's views (see docs/store.md). ``python -m linkwatch.datasette`` prints its path, for
``datasette cache/linkwatch.db -m "$(python -m linkwatch.datasette)"``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def metadata_path() -> Path:
    return Path(str(files(__name__) / "metadata.json"))
