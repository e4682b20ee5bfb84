"""Benchmark: the store after a simulated year of nightly runs of the example list (issue 12).

The bundled example list is checked night after night through ``pipeline.run_check``
against the demo's simulated web (enrichment on), with one real SQLite store. The run's
clock moves on by a day per night, so every cached result has expired as it would on a
nightly job. Printed at checkpoints: nights, rows of ``checks`` and the file size
(database + WAL), for the retention rule given by ``--keep`` (``0`` keeps everything).

    python bench/year_bench.py [--nights 365] [--keep 30]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from linkwatch.config import Settings
from linkwatch.data import example_list_path
from linkwatch.pipeline import run_check
from linkwatch.simweb.demo import background_simweb, demo_scenario, demo_settings
from linkwatch.store import Store

CHECKPOINTS = {1, 7, 30, 90, 180, 365}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--keep", type=int, default=Settings().keep_checks)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    start = datetime.now(UTC).replace(microsecond=0)  # results carry the real time
    with tempfile.TemporaryDirectory() as tmp, background_simweb(demo_scenario()) as web:
        work = Path(tmp)
        listing = work / "README.md"
        listing.write_bytes(example_list_path().read_bytes())
        settings = dataclasses.replace(
            demo_settings(Settings(), web, work),
            out=work / "reports",
            fail_after=2,
            keep_checks=args.keep,
            arxiv_interval=0.0,
            host_spacing=0.0,
        )
        began = time.monotonic()
        for night in range(1, args.nights + 1):
            today = start + timedelta(days=night - 1)
            asyncio.run(run_check([listing], settings, web.network(), clock=lambda t=today: t))
            if night in CHECKPOINTS or night == args.nights:
                print(json.dumps(measure(settings.db, night, args.keep, began)), flush=True)


def measure(db: Path, night: int, keep: int, began: float) -> dict[str, object]:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    with Store.open(db, readonly=True) as store:
        stats = store.stats()
    return {
        "night": night,
        "keep": keep,
        "urls": stats["urls"],
        "checks": stats["checks"],
        "db_bytes": stats["db_size_bytes"],
        "seconds": round(time.monotonic() - began, 1),
    }


if __name__ == "__main__":
    main()
