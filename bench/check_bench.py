"""Benchmark: 10,000 links over 300 simulated hosts, checked politely.

Hosts get 30–150 ms latency and a skewed share of the links (awesome lists link a
few hosts hundreds of times). With per-host spacing the run can never be faster
than the busiest host's requests × spacing — the politeness lower bound — so the
figure of merit is wall time / lower bound (target ≤ 1.5), plus the checker's peak
RSS (target ≤ 150 MB).

The simulated web runs in a child process (its own core, its own memory), so the
figures are the checker's; the parent reaches it through a resolver that sends
every name to the child's HTTPS port on 127.0.0.1 and a socket factory that
refuses anything else. The private-address guard stays on (127.0.0.1 is declared
the stand-in for public addresses, as ``SimWeb.network()`` does).

    python bench/check_bench.py [--links 10000] [--hosts 300] [--spacing 0.1] ...
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import multiprocessing
import random
import resource
import socket
import ssl
import time
from multiprocessing.connection import Connection

from aiohttp.abc import AbstractResolver, ResolveResult

from linkwatch.checker import check_urls
from linkwatch.config import Settings
from linkwatch.net import Network
from linkwatch.simweb import Scenario, SimWeb
from linkwatch.simweb import behaviours as b

LOOPBACK = "127.0.0.1"


def build(links: int, hosts: int, skew: float, seed: int) -> tuple[Scenario, list[str]]:
    """Hosts with random latency; links spread by weight 1/rank**skew; a realistic fault mix."""
    rng = random.Random(seed)
    sc = Scenario()
    names = [f"host{i:03d}.example.org" for i in range(hosts)]
    for name in names:
        sc.host(name, b.ok(title=name), latency=rng.uniform(0.030, 0.150))
    weights = [1 / (rank + 1) ** skew for rank in range(hosts)]
    urls = []
    for i, name in enumerate(rng.choices(names, weights=weights, k=links)):
        url = f"https://{name}/page/{i}"
        roll = rng.random()
        if roll < 0.05:
            url += ".pdf"  # served as a PDF by the host default
        elif roll < 0.09:
            sc.route(url, b.not_found())
        elif roll < 0.10:
            sc.route(url, b.gone())
        elif roll < 0.13:
            sc.route(url, b.redirect(301, f"/moved/{i}"))
            sc.route(f"https://{name}/moved/{i}", b.ok(title=f"moved page {i}"))
        elif roll < 0.15:
            sc.route(url, b.flaky(1, "503"))
        urls.append(url)
    return sc, urls


def serve(conn: Connection, args: argparse.Namespace) -> None:
    """Child process: run the simulated web until the parent is done, then report traffic."""

    async def main() -> None:
        scenario, _ = build(args.links, args.hosts, args.skew, args.seed)
        async with SimWeb(scenario) as web:
            conn.send((web.https_port, str(web.ca_pem)))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)
            conn.send(collections.Counter(r.host for r in web.log))

    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main())


class ToSim(AbstractResolver):
    """Every name resolves to the child's HTTPS listener."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answer: ResolveResult = {
            "hostname": host,
            "host": LOOPBACK,
            "port": self.port,
            "family": socket.AF_INET,
            "proto": 0,
            "flags": socket.AI_NUMERICHOST,
        }
        return [answer]

    async def close(self) -> None:
        return None


def loopback_only(addr_info: tuple) -> socket.socket:
    family, type_, proto, _, sockaddr = addr_info
    if sockaddr[0] != LOOPBACK:
        raise ConnectionRefusedError(f"bench refuses {sockaddr[0]}")
    return socket.socket(family, type_, proto)


async def check(args: argparse.Namespace, port: int, ca: str) -> tuple[float, collections.Counter]:
    _, urls = build(args.links, args.hosts, args.skew, args.seed)
    network = Network(
        resolver_factory=lambda: ToSim(port),
        ssl_context=ssl.create_default_context(cafile=ca),
        socket_factory=loopback_only,
        public_stand_ins=frozenset({LOOPBACK}),
    )
    settings = Settings(
        per_host=args.per_host,
        host_spacing=args.spacing,
        concurrency=args.concurrency,
        retry_backoff=0.2,
    )
    started = time.monotonic()
    results = await check_urls(urls, settings, network)
    return time.monotonic() - started, collections.Counter(r.verdict.value for r in results)


def add_list_options(parser: argparse.ArgumentParser) -> None:
    """The synthetic list and politeness options shared by the benches built on ``build``."""
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--skew", type=float, default=0.5, help="link share ∝ 1/rank**skew")
    parser.add_argument("--spacing", type=float, default=0.1)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_list_options(parser)
    parser.add_argument("--concurrency", type=int, default=Settings().concurrency)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child, args))
    server.start()
    port, ca = parent.recv()
    wall, verdicts = asyncio.run(check(args, port, ca))
    parent.send("done")
    per_host = parent.recv()
    server.join()

    busiest, busiest_requests = per_host.most_common(1)[0]
    requests = sum(per_host.values())
    bound = busiest_requests * args.spacing
    ratio = wall / bound
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim_mb = children.ru_maxrss / 1024
    sim_cpu = children.ru_utime + children.ru_stime
    print(f"links            {args.links} over {args.hosts} hosts (skew {args.skew})")
    print(
        f"settings         per_host={args.per_host} spacing={args.spacing}s "
        f"concurrency={args.concurrency}"
    )
    print(f"verdicts         {dict(sorted(verdicts.items()))}")
    print(f"requests         {requests} ({requests / wall:.0f}/s)")
    print(f"busiest host     {busiest}: {busiest_requests} requests")
    print(f"lower bound      {bound:.1f} s (busiest host's requests × spacing)")
    verdict = "ok" if ratio <= 1.5 else "MISSED"
    print(f"wall             {wall:.1f} s = {ratio:.2f} × lower bound [{verdict}: target ≤ 1.5]")
    rss_target = 150 if args.links <= 10_000 else 400  # issue 15: 100,000 links ≤ 400 MB
    verdict = "ok" if rss_mb <= rss_target else "MISSED"
    print(f"CPU              {cpu:.1f} s checker ({requests / cpu:.0f} requests per CPU second)")
    print(f"                 {sim_cpu:.1f} s simulated web (child process)")
    print(f"peak RSS         {rss_mb:.0f} MB checker [{verdict}: target ≤ {rss_target} MB]")
    print(f"                 {sim_mb:.0f} MB simulated web (child process, not counted)")


if __name__ == "__main__":
    main()
