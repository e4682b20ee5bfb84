"""``python -m linkwatch.datasette``: the path of the shipped datasette metadata file, for
``datasette cache/linkwatch.db -m "$(python -m linkwatch.datasette)"``."""

import sys

from . import metadata_path

sys.stdout.write(f"{metadata_path()}\n")
