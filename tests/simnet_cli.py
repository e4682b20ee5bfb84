"""`linkwatch …` as its own process against the test's simulated web.

The child is the real console script (``linkwatch.cli.cli`` with click's own exit
codes and signal handling) with one piece swapped: the ``Network`` of ``linkwatch check``
resolves every hostname to the parent's simweb listeners on 127.0.0.1 (ports 443/8443 to
HTTPS) and trusts the sim CA, and its socket factory refuses every other address. With
``down`` every lookup fails, as on a runner whose network died. API clients get their
base URLs from the environment (``LINKWATCH_*``), as in the nightly workflow.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from linkwatch.simweb import SimWeb

CHILD = """
import json, os, socket, ssl, sys
from aiohttp.abc import AbstractResolver
import linkwatch.cli.run as run_module
from linkwatch.net import Network

sim = json.loads(os.environ.pop("LINKWATCH_TEST_SIMNET"))


class StaticResolver(AbstractResolver):
    async def resolve(self, host, port=0, family=socket.AF_INET):
        if sim["down"]:
            raise OSError(socket.EAI_NONAME, f"Name or service not known: {host}")
        real = sim["https"] if port in (443, 8443) else sim["http"]
        return [{"hostname": host, "host": "127.0.0.1", "port": real,
                 "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self):
        pass


def loopback_only(addr_info):
    family, type_, proto, _, sockaddr = addr_info
    if sockaddr[0] != "127.0.0.1" or sockaddr[1] not in (sim["http"], sim["https"]):
        raise OSError(f"simnet: refused {sockaddr}")
    return socket.socket(family, type_, proto)


def network():
    return Network(
        resolver_factory=StaticResolver,
        ssl_context=ssl.create_default_context(cafile=sim["ca"]),
        socket_factory=loopback_only,
        public_stand_ins=frozenset({"127.0.0.1"}),
    )


run_module.Network = network
from linkwatch.cli import cli
cli.main(args=sys.argv[1:], prog_name="linkwatch")
"""


async def linkwatch_cli(
    web: SimWeb,
    cwd: Path,
    *args: str,
    down: bool = False,
    kill_when: Callable[[], bool] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 90,
) -> subprocess.CompletedProcess[str]:
    """Run ``linkwatch ARGS`` in ``cwd``; SIGKILL it as soon as ``kill_when()`` is true
    (polled; returncode then -9)."""
    sim = {"http": web.http_port, "https": web.https_port, "ca": str(web.ca_pem), "down": down}
    full_env = {**os.environ, **(env or {}), "LINKWATCH_TEST_SIMNET": json.dumps(sim)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", textwrap.dedent(CHILD), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=full_env, cwd=cwd,
    )  # fmt: skip
    done = asyncio.ensure_future(proc.communicate())
    if kill_when is not None:
        while not done.done() and not kill_when():
            await asyncio.sleep(0.05)
        if not done.done():
            proc.send_signal(signal.SIGKILL)
    try:
        out, err = await asyncio.wait_for(asyncio.shield(done), timeout)
    except TimeoutError:
        proc.send_signal(signal.SIGKILL)
        out, err = await done
        raise AssertionError(f"linkwatch {' '.join(args)} hung: {err.decode()}") from None
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())
