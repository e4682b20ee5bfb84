"""Benchmark: enrichment of 2,000 arXiv links and 1,000 GitHub repo links (issues 6, 17).

One ``linkwatch check`` run (``pipeline.run_check``, enrichment on, a GitHub token,
a real SQLite store) against simweb's arXiv, GitHub and Semantic Scholar APIs. The
APIs answer 100 papers or repositories per request (S2: 500) and the arXiv/GitHub
answers are the liveness checks, so the targets are request counts taken from
simweb's log: arXiv API requests = ceil(ids/100), no arxiv.org page fetches, GitHub
GraphQL requests ≤ ceil(repos/100) + 2, S2 batch requests = ceil(papers/500), and
total requests ≤ 1.1 × the 30 of issue 6 (before S2) + ceil(papers/500). Wall time
and peak RSS (client and simulated servers share this process) are printed too;
``--arxiv-interval`` replaces arXiv's 3 s rule and S2's 1 s, which production keeps.

    python bench/enrich_bench.py [--papers 2000] [--repos 1000] [--arxiv-interval 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import math
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from linkwatch.config import Settings
from linkwatch.pipeline import run_check
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b
from linkwatch.simweb.arxiv_api import SimArxiv
from linkwatch.simweb.github_api import SimGitHub
from linkwatch.simweb.s2_api import SimS2, s2_paper

TOKEN = "bench-token-not-a-secret"
BEFORE_S2 = 30  # total requests of this benchmark before issue 17 (docs/benchmarks.md)


def arxiv_id(i: int) -> str:
    return f"2001.{i + 1:05d}"  # 2001.00001 …: well-formed, distinct


def paper(i: int) -> dict[str, Any]:
    """A record in the shape ``SimArxiv`` serves (see ``simweb.arxiv_api.example_papers``)."""
    return {
        "id": arxiv_id(i),
        "version": 1 + i % 3,
        "title": f"Synthetic Attention Study Number {i}",
        "authors": [f"Author {i} A", f"Author {i} B"],
        "abstract": f"We study synthetic attention variant {i} on simulated benchmarks.",
        "published": "2020-01-02T03:04:05Z",
        "updated": "2020-02-03T04:05:06Z",
        "journal_ref": f"Bench Conf {2020 + i % 4}" if i % 2 else None,
        "doi": None,
        "comment": None,
        "primary_category": "cs.CV",
        "categories": ["cs.CV"],
    }


def repo_name(i: int) -> str:
    return f"owner{i % 97:02d}/repo-{i:04d}"


def build(papers: int, repos: int) -> tuple[Scenario, str]:
    """The simulated web and the Markdown list: one entry per paper and per repository."""
    sc = Scenario()
    sc.mount("export.arxiv.org", SimArxiv([paper(i) for i in range(papers)]).handle)
    venues = ("CVPR", "ICLR", "WACV", "ECCV")
    SimS2(
        [
            s2_paper(paper(i)["title"], venues[i % 4], 2020 + i % 4, i, arxiv=arxiv_id(i))
            for i in range(papers)
        ]
    ).mount(sc)
    github = SimGitHub()
    github.add_token(TOKEN, "bench-bot")
    for i in range(repos):
        github.add_repo(repo_name(i), stars=i, forks=i // 10, archived=i % 50 == 0)
    sc.mount("api.github.com", github.handle)
    # pages answer too, so a page fetch shows up in the counts instead of as a failure
    sc.host("arxiv.org", default=b.ok(title="arXiv (simulated)"))
    sc.host("github.com", default=b.ok(title="GitHub (simulated)"))
    lines = ["# Synthetic list", "", "## Papers"]
    lines += [
        f"- Synthetic Attention Study Number {i} [[paper](https://arxiv.org/abs/{arxiv_id(i)})]"
        for i in range(papers)
    ]
    lines += ["", "## Code"]
    lines += [f"- Tool {i} [[code](https://github.com/{repo_name(i)})]" for i in range(repos)]
    return sc, "\n".join(lines) + "\n"


def settings_for(web: SimWeb, workdir: Path, interval: float) -> Settings:
    return Settings(
        db=workdir / "linkwatch.db",
        out=workdir / "reports",
        allow_private=True,  # simweb lives on 127.0.0.1
        enrich=True,
        arxiv_api_url=web.direct_base("export.arxiv.org") + "/api/query",
        arxiv_interval=interval,
        s2_interval=interval,
        github_api_url=web.direct_base("api.github.com"),
        github_token=TOKEN,
        host_spacing=0.0,
    )


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


async def run(args: argparse.Namespace) -> bool:
    sc, text = build(args.papers, args.repos)
    with tempfile.TemporaryDirectory(prefix="linkwatch-enrich-bench-") as tmp:
        workdir = Path(tmp)
        listing = workdir / "list.md"
        listing.write_text(text, encoding="utf-8")
        async with SimWeb(sc) as web:
            settings = settings_for(web, workdir, args.arxiv_interval)
            started = time.monotonic()
            outcome = await run_check([listing], settings, web.network())
            wall = time.monotonic() - started
            log = list(web.log)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    links = args.papers + args.repos
    by_host = collections.Counter(r.host for r in log)
    arxiv_api = by_host["export.arxiv.org"]
    arxiv_pages = by_host["arxiv.org"]
    graphql = sum(1 for r in log if r.host == "api.github.com" and r.path == "/graphql")
    s2 = sum(1 for r in log if r.host == "api.semanticscholar.org")
    s2_batches = sum(1 for r in log if r.path == "/graph/v1/paper/batch")
    entries = outcome.report["entries"]
    with_paper = sum(1 for e in entries if e["arxiv"])
    with_repo = sum(1 for e in entries if e["github"])
    with_s2 = sum(1 for e in entries if e["s2"] and e["s2"]["citations"] is not None)
    summary = outcome.report["summary"]

    want_arxiv = math.ceil(args.papers / 100)
    max_graphql = math.ceil(args.repos / 100) + 2
    want_s2 = math.ceil(args.papers / 500)
    max_total = 1.1 * BEFORE_S2 + want_s2
    checks = [
        arxiv_api == want_arxiv,
        arxiv_pages == 0,
        graphql <= max_graphql,
        len(log) <= max_total,
        with_paper == args.papers and with_repo == args.repos and with_s2 == args.papers,
        s2_batches == want_s2 == s2,
    ]
    print(f"links            {links} ({args.papers} arXiv, {args.repos} GitHub repos)")
    print(
        f"verdicts         alive {summary['alive']}, dead {summary['dead']}, "
        f"unverifiable {summary['unverifiable']}, redirect {summary['redirect']}"
    )
    print(
        f"enriched         {with_paper} papers, {with_repo} repos, {with_s2} S2 papers "
        f"[{verdict(checks[4])}: all of them]"
    )
    print(f"arXiv API        {arxiv_api} requests [{verdict(checks[0])}: = {want_arxiv}]")
    print(f"arxiv.org pages  {arxiv_pages} [{verdict(checks[1])}: = 0]")
    print(f"GitHub GraphQL   {graphql} requests [{verdict(checks[2])}: ≤ {max_graphql}]")
    print(f"Semantic Scholar {s2} requests [{verdict(checks[5])}: = {want_s2} batches]")
    print(
        f"total requests   {len(log)} {dict(sorted(by_host.items()))} "
        f"[{verdict(checks[3])}: ≤ {max_total:g}]"
    )
    print(
        f"wall             {wall:.1f} s (arxiv_interval {args.arxiv_interval:g} s; production "
        f"uses 3 s: +{(want_arxiv - 1) * (3 - args.arxiv_interval):.0f} s)"
    )
    print(f"peak RSS         {rss_mb:.0f} MB (client and simulated servers in one process)")
    return all(checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--arxiv-interval", type=float, default=0.05)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    ok = asyncio.run(run(args))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
