"""`linkwatch links` on a generated list of ~100,000 links, in every output format.

Target (issue 15, scope 7): ≤ 5 s wall and ≤ 300 MB peak RSS per format.

    python bench/links_bench.py [--links 100000]

Each format runs as its own `python -m linkwatch links FILE --format F` process with
stdout to a file (not a terminal, as in CI or a pipe); wall time and the child's peak
RSS (``os.wait4``) are printed. The list comes from ``extract_bench.generate``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from extract_bench import generate

LINKS_PER_ENTRY = 63_726 / 20_000  # what generate() writes on average


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "README.md"
        listing.write_bytes(generate(round(args.links / LINKS_PER_ENTRY)))
        print(f"input {listing.stat().st_size / 1e6:.1f} MB")
        for fmt in ("table", "json", "csv"):
            out = Path(tmp) / f"out.{fmt}"
            with out.open("wb") as sink:
                t0 = time.perf_counter()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "linkwatch", "links", str(listing), "--format", fmt],
                    stdout=sink,
                    stderr=subprocess.PIPE,
                )
                _, status, usage = os.wait4(proc.pid, 0)
                wall = time.perf_counter() - t0
            rows = out.read_bytes().count(b"\n")
            print(
                f"{fmt:>5}: {wall:.2f} s wall, {usage.ru_utime + usage.ru_stime:.2f} s CPU, "
                f"peak RSS {usage.ru_maxrss / 1024:.0f} MB, {rows} output lines, "
                f"exit {os.waitstatus_to_exitcode(status)} (targets: ≤ 5 s, ≤ 300 MB)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
