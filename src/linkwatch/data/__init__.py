"""Files shipped with linkwatch: the example awesome list used by ``linkwatch demo``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

EXAMPLE_LIST = "awesome-cv-attention.md"


def example_list_path() -> Path:
    """Path of the bundled example list (a real file: the package is installed unzipped)."""
    return Path(str(files(__package__).joinpath(EXAMPLE_LIST)))
