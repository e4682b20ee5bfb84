"""Benchmark: enrichment of 2,000 arXiv links and 1,000 GitHub repo links (issues 6, 17).

One ``linkwatch check`` run (``pipeline.run_check``, enrichment on, a GitHub token,
a real SQLite store) against simweb's arXiv, GitHub and Semantic Scholar APIs. arXiv
answers as many papers per request as fit in a URL (about 530), GitHub 100
repositories, S2 500 papers, and the arXiv/GitHub answers are the liveness checks, so
the targets are request counts taken from simweb's log: arXiv API requests ≤
ceil(ids/500) (issue 15; issue 6 had ceil(ids/100)), no arxiv.org page fetches, GitHub
GraphQL requests ≤ ceil(repos/100) + 2, S2 batch requests = ceil(papers/500), and total
requests ≤ 1.1 × the 30 of issue 6 (before S2) + ceil(papers/500). Wall time and peak
RSS (client and simulated servers share this process) are printed too;
``--arxiv-interval`` replaces arXiv's 3 s rule and S2's 1 s, which production keeps.

    python bench/enrich_bench.py [--papers 2000] [--repos 1000] [--arxiv-interval 0.05]

Two whole-list shapes (issue 15) run with production politeness: arXiv one request
per 3 s, github.com HTML pages limited to 60 a minute (simweb answers 429 with
Retry-After beyond that), default per-host spacing, and a token:

    python bench/enrich_bench.py --shape synthetic    # 2,000 links over 150 hosts
    python bench/enrich_bench.py --shape paper-list   # 3,460 links: 2,000 arXiv, 1,100 GitHub

``synthetic`` reports wall, requests and the politeness floor (target wall ≤ 1.3 ×
floor); ``paper-list`` has the targets wall ≤ 75 s and ≤ 450 requests.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import math
import random
import re
import resource
import tempfile
import time
from dataclasses import replace
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


GITHUB_PAGES_PER_MINUTE = 60


def _github_sim(repos: list[str]) -> SimGitHub:
    """The repositories, each with a README and a src/ folder on main."""
    github = SimGitHub()
    github.add_token(TOKEN, "bench-bot")
    for i, name in enumerate(repos):
        github.add_repo(name, stars=i, forks=i // 10, archived=i % 50 == 0)
        github.add_files(name, ["README.md", "src/model.py", "docs/usage.md"])
    return github


def _fault(rng: random.Random, sc: Scenario, url: str, i: int) -> None:
    """check_bench's fault mix: 4 % 404, 1 % 410, 3 % 301 to a live page, 2 % one 503."""
    roll = rng.random()
    if roll < 0.04:
        sc.route(url, b.not_found())
    elif roll < 0.05:
        sc.route(url, b.gone())
    elif roll < 0.08:
        target = url.rsplit("/", 1)[0] + f"/moved-{i}"
        sc.route(url, b.redirect(301, target))
        sc.route(target, b.ok(title=f"moved {i}"))
    elif roll < 0.10:
        sc.route(url, b.flaky(1, "503"))


def build_whole_list(
    *,
    arxiv_links: int,
    titles: int,
    repo_links: int,
    files: int,
    github_pages: int,
    other_links: int,
    other_hosts: int,
    skew: float,
    repeats: int = 0,
    seed: int = 1,
) -> tuple[Scenario, str]:
    """A whole awesome list: arXiv papers (1 % unknown ids), paper entries without an
    arXiv link (title search), GitHub repositories (2 % deleted), file and folder links
    (one in ten gone), issue pages (only a page can tell), and other hosts with shares
    ∝ 1/rank**skew and the fault mix, among them a soft-404 host (200 for any path) and
    a host refusing HEAD."""
    rng = random.Random(seed)
    sc = Scenario()
    known = [paper(i) for i in range(arxiv_links) if i % 100 != 99]
    searched = [
        {**paper(100_000 + j), "title": f"Cross Venue Paper Number {j}"} for j in range(titles)
    ]
    sc.mount("export.arxiv.org", SimArxiv(known + searched).handle)
    repos = [repo_name(i) for i in range(max(1, repo_links))]
    github = _github_sim(repos)
    for name in repos[::50]:
        github.delete(name)
    sc.mount("api.github.com", github.handle)
    sc.host(
        "github.com",
        default=b.ok(title="GitHub (simulated)"),
        rate_limit=(GITHUB_PAGES_PER_MINUTE, 60.0),
    )
    hosts = [f"site{k:03d}.example.org" for k in range(other_hosts)]
    for k, host in enumerate(hosts):
        if k == 3:  # soft 404s: every path answers 200
            sc.host(host, default=b.ok(title=host), latency=rng.uniform(0.03, 0.15))
        else:
            sc.host(host, latency=rng.uniform(0.03, 0.15))
    lines = ["# Synthetic awesome list", "", "## Papers"]
    for i in range(arxiv_links):
        code = f"[[code](https://github.com/{repos[i % len(repos)]})]" if i < repo_links else ""
        lines.append(
            f"- Synthetic Attention Study Number {i} "
            f"[[paper](https://arxiv.org/abs/{arxiv_id(i)})]{code}"
        )
    for j in range(titles):
        url = f"https://{hosts[j % len(hosts)]}/papers/cross-venue-{j}.pdf"
        sc.route(url, b.ok(title=f"paper {j}"))
        lines.append(f"- Cross Venue Paper Number {j} [[paper]({url})]")
    lines += ["", "## Code"]
    for i in range(arxiv_links, repo_links):
        lines.append(f"- Tool {i} [[code](https://github.com/{repos[i % len(repos)]})]")
    for f in range(files):
        name = repos[(f * 7 + 1) % len(repos)]
        path = ["blob/main/README.md", "tree/main/src", "blob/main/docs/usage.md"][f % 3]
        if f % 10 == 9:
            path = f"blob/main/removed-{f}.py"
        lines.append(f"- File {f} [[code](https://github.com/{name}/{path})]")
    for g in range(github_pages):
        name = repos[(g * 13 + 2) % len(repos)]
        lines.append(f"- Issue {g} [[discussion](https://github.com/{name}/issues/{g + 1})]")
    lines += ["", "## Highlights"]  # papers listed twice, as lists do
    for i in range(0, min(repeats, arxiv_links)):
        lines.append(f"- Highlight {i} [[paper](https://arxiv.org/abs/{arxiv_id(i)})]")
    lines += ["", "## Links"]
    weights = [1 / (rank + 1) ** skew for rank in range(other_hosts)]
    for i, host in enumerate(rng.choices(hosts, weights=weights, k=other_links)):
        url = f"https://{host}/page/{i}"
        sc.route(url, b.ok(title=f"page {i}"))
        if host == hosts[5]:
            sc.route(url, b.HeadNotAllowed())
        _fault(rng, sc, url, i)
        lines.append(f"- Page {i} [[link]({url})]")
    return sc, "\n".join(lines) + "\n"


SHAPES = {
    # the synthetic 2,000-link list of issue 15 (150 hosts with the API hosts)
    "synthetic": dict(
        arxiv_links=500,
        titles=20,
        repo_links=550,
        files=83,
        github_pages=30,
        other_links=817,
        other_hosts=146,
        skew=1.0,  # the busiest other host has ~150 links: its spacing sets the floor
    ),
    # the largest real paper list's shape: 2,000 arXiv, 1,100 GitHub incl. 20 files, 300 other
    "paper-list": dict(
        arxiv_links=2000,
        titles=20,
        repo_links=1060,
        files=20,
        github_pages=20,
        other_links=280,
        other_hosts=40,
        skew=0.5,
        repeats=60,  # 3,460 links, 3,400 distinct
    ),
}


def politeness_floor(log: list[Any], settings: Settings) -> tuple[float, str]:
    """The shortest time the sites' rules allow for these requests, and whose rule it is:
    arXiv's interval, github.com's pages per minute, every other host's spacing."""
    by_host = collections.Counter(r.host for r in log if r.status != 429)
    floors = {"export.arxiv.org": max(0, by_host.pop("export.arxiv.org", 0) - 1) * 3.0}
    pages = by_host.pop("github.com", 0)
    floors["github.com"] = 60.0 * (max(0, pages - 1) // GITHUB_PAGES_PER_MINUTE)
    for host, count in by_host.items():
        floors[host] = max(0, count - settings.per_host) * settings.host_spacing
    host = max(floors, key=floors.__getitem__)
    return floors[host], host


async def run_whole_list(args: argparse.Namespace) -> bool:
    sc, text = build_whole_list(**SHAPES[args.shape])
    links = sum(1 for line in text.splitlines() for _ in re.finditer(r"\]\(https?://", line))
    with tempfile.TemporaryDirectory(prefix="linkwatch-list-bench-") as tmp:
        workdir = Path(tmp)
        listing = workdir / "list.md"
        listing.write_text(text, encoding="utf-8")
        async with SimWeb(sc) as web:
            settings = replace(
                settings_for(web, workdir, args.arxiv_interval),
                host_spacing=Settings().host_spacing,
                reference_hosts=[],
            )
            first = started = time.monotonic()
            outcome = await run_check([listing], settings, web.network())
            wall = time.monotonic() - started
            log = list(web.log)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = outcome.report["summary"]
    by_host = collections.Counter(r.host for r in log)
    throttled = sum(1 for r in log if r.host == "github.com" and r.status == 429)
    floor, floor_host = politeness_floor(log, settings)
    top = dict(by_host.most_common(4))
    print(f"shape            {args.shape}: {links} links, {len(by_host)} hosts asked")
    print(
        f"verdicts         alive {summary['alive']}, dead {summary['dead']}, "
        f"unverifiable {summary['unverifiable']}, redirect {summary['redirect']}"
    )
    files = sum(1 for r in log if r.host == "github.com" and re.search("/(blob|tree)/", r.path))
    print(f"requests         {len(log)} (busiest: {top}; github.com 429s: {throttled})")
    print(f"github.com pages {by_host['github.com']}, of which file or folder links: {files}")
    print(f"politeness floor {floor:.1f} s ({floor_host})")
    last = max(r.t for r in log) - first
    print(f"network          last request {last:.1f} s after the run started")
    if args.shape == "synthetic":
        ok = wall <= 1.3 * floor
        print(f"wall             {wall:.1f} s = {wall / floor:.2f} × floor [{verdict(ok)}: ≤ 1.3]")
    else:
        ok = wall <= 75 and len(log) <= 450
        print(f"wall             {wall:.1f} s [{verdict(wall <= 75)}: ≤ 75 s]")
        print(f"                 {len(log)} requests [{verdict(len(log) <= 450)}: ≤ 450]")
    print(f"peak RSS         {rss_mb:.0f} MB (client and simulated servers in one process)")
    return ok


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

    want_arxiv = math.ceil(args.papers / 500)
    max_graphql = math.ceil(args.repos / 100) + 2
    want_s2 = math.ceil(args.papers / 500)
    max_total = 1.1 * BEFORE_S2 + want_s2
    checks = [
        arxiv_api <= want_arxiv,
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
    print(f"arXiv API        {arxiv_api} requests [{verdict(checks[0])}: ≤ {want_arxiv}]")
    print(f"arxiv.org pages  {arxiv_pages} [{verdict(checks[1])}: = 0]")
    print(f"GitHub GraphQL   {graphql} requests [{verdict(checks[2])}: ≤ {max_graphql}]")
    print(f"Semantic Scholar {s2} requests [{verdict(checks[5])}: = {want_s2} batches]")
    print(
        f"total requests   {len(log)} {dict(sorted(by_host.items()))} "
        f"[{verdict(checks[3])}: ≤ {max_total:g}]"
    )
    print(
        f"wall             {wall:.1f} s (arxiv_interval {args.arxiv_interval:g} s; production "
        f"uses 3 s: +{(arxiv_api - 1) * (3 - args.arxiv_interval):.0f} s)"
    )
    print(f"peak RSS         {rss_mb:.0f} MB (client and simulated servers in one process)")
    return all(checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--arxiv-interval", type=float, default=None, help="0.05 s; 3 s (shapes)")
    parser.add_argument("--shape", choices=["repos", *SHAPES], default="repos")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.arxiv_interval is None:
        args.arxiv_interval = 0.05 if args.shape == "repos" else 3.0
    ok = asyncio.run(run(args) if args.shape == "repos" else run_whole_list(args))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
