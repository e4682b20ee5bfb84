"""Benchmark: a warm re-run of the 10,000-link synthetic list within TTL (issue 5).

The list of ``bench/check_bench.py`` (300 hosts, skewed shares, its fault mix) is
checked twice through ``pipeline.run_check`` with one real SQLite store: cold, then
warm right away, well within the one-day TTL of alive links. Each run is a fresh
subprocess (same seed, so the same simulated web), so its peak RSS is its own; the
simulated servers live in that process too. Target: requests in the warm run ≤ 10 %
of links — alive links are reused from the store, only dead links and redirects (TTL
0 by default: re-checked every run) are asked again. Enrichment is off: the list has
no arXiv or GitHub links (``bench/enrich_bench.py`` covers those).

    python bench/warm_bench.py [--links 10000] [--hosts 300] [--spacing 0.1] ...
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from check_bench import add_list_options, build  # bench/ is on sys.path when run as a script
from linkwatch.config import Settings
from linkwatch.pipeline import run_check
from linkwatch.simweb import SimWeb
from linkwatch.urls import normalize


def listing(urls: list[str]) -> str:
    """The URLs as an awesome list: one entry per link."""
    lines = ["# Synthetic list", "", "## Links"]
    lines += [f"- Page {i} [[link]({url})]" for i, url in enumerate(urls)]
    return "\n".join(lines) + "\n"


async def one_run(args: argparse.Namespace) -> dict[str, object]:
    """One ``linkwatch check`` of the list with the store in ``args.workdir``."""
    sc, urls = build(args.links, args.hosts, args.skew, args.seed)
    workdir = Path(args.workdir)
    path = workdir / "list.md"
    if not path.exists():
        path.write_text(listing(urls), encoding="utf-8")
    async with SimWeb(sc) as web:
        settings = Settings(
            db=workdir / "linkwatch.db",
            out=workdir / "reports",
            allow_private=True,  # simweb lives on 127.0.0.1
            enrich=False,
            per_host=args.per_host,
            host_spacing=args.spacing,
            retry_backoff=0.2,
            reference_hosts=[],
        )
        started = time.monotonic()
        outcome = await run_check([path], settings, web.network())
        wall = time.monotonic() - started
        asked = [normalize(f"{r.scheme}://{r.host}{r.path}") for r in web.log]
    summary = outcome.report["summary"]
    links = outcome.report["links"]
    verdict_of = {item["normalized"]: item["verdict"] for item in links}
    cached = {item["normalized"] for item in links if item["cached"]}
    # what the requests were for: links by their verdict, or anything else (redirect
    # targets, soft-404 probes)
    purpose = collections.Counter(verdict_of.get(url, "other") for url in asked)
    return {
        "wall": wall,
        "requests": len(asked),
        "requests_for_cached": sum(1 for url in asked if url in cached),
        "links": summary["links"],
        "cached": summary["cached"],
        "verdicts": dict(sorted(collections.Counter(verdict_of.values()).items())),
        "requests_by_purpose": dict(sorted(purpose.items())),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_phase(phase: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    """Run one phase in a fresh interpreter and read back its JSON line."""
    cmd = [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir)]
    for name in ("links", "hosts", "skew", "spacing", "per_host", "seed"):
        cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{phase} run failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_list_options(parser)
    parser.add_argument("--phase", choices=["cold", "warm"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.phase:
        print(json.dumps(asyncio.run(one_run(args))))
        return
    with tempfile.TemporaryDirectory(prefix="linkwatch-warm-bench-") as tmp:
        cold = run_phase("cold", Path(tmp), args)
        warm = run_phase("warm", Path(tmp), args)
    limit = 0.10 * args.links
    ok = warm["requests"] <= limit
    print(f"links            {args.links} over {args.hosts} hosts; verdicts {warm['verdicts']}")
    for name, run in (("cold", cold), ("warm", warm)):
        print(
            f"{name:<5} wall {run['wall']:6.1f} s, peak RSS {run['rss_mb']:4.0f} MB, "
            f"requests {run['requests']:6} {run['requests_by_purpose']}"
        )
        print(
            f"      from cache {run['cached']} links, requests for them "
            f"{run['requests_for_cached']}"
        )
    print(
        f"warm/cold wall  {warm['wall'] / cold['wall']:.2f}; warm requests "
        f"{warm['requests']} = {100 * warm['requests'] / args.links:.1f} % of {args.links} links "
        f"[{'ok' if ok else 'MISSED'}: ≤ 10 %]"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
