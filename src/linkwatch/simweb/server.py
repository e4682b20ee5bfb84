"""The simulated web: real aiohttp servers on 127.0.0.1 and a resolver that leads there.

One aiohttp app (a single catch-all route) listens on several loopback sockets: plain HTTP,
HTTPS with SNI-issued certs from the sim CA, HTTPS listeners with broken certs,
and per-host "direct" ports for synchronous clients that cannot use our resolver.
Requests are dispatched on the Host header. ``SimWeb.network()`` gives the
checker a ``Network`` whose socket factory refuses every address but the sim's own
ports, so a bug can never send a packet off this machine.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import math
import shutil
import socket
import tempfile
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict

from linkwatch.net import Network
from linkwatch.simweb.behaviours import RECORD_KEY, Record, RouteState, not_found, run
from linkwatch.simweb.proxy import SimProxy
from linkwatch.simweb.scenario import Scenario, host_key
from linkwatch.simweb.tls import SimTLS

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
HTTPS_PORTS = frozenset({443, 8443})


@dataclass
class _HostTraffic:
    in_flight: int = 0
    max_in_flight: int = 0
    window: deque[float] = field(default_factory=deque)  # accepted arrivals (rate limit)


def split_host_header(value: str) -> str:
    """``Example.org:8443`` -> ``example.org``; ``[::1]:80`` -> ``::1``."""
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    name, sep, port = value.rpartition(":")
    return host_key(name if sep and port.isdigit() else value)


class SimResolver(AbstractResolver):
    """Maps every hostname to one of the sim's loopback ports (or a DNS failure)."""

    def __init__(self, sim: SimWeb) -> None:
        self._sim = sim

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address, real_port = self._sim.resolve(host, port)
        addr_family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            {
                "hostname": host,
                "host": address,
                "port": real_port,
                "family": addr_family,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


class SimWeb:
    """Runs a ``Scenario`` on loopback; ``async with SimWeb(sc) as web: ...``."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.log: list[Record] = []
        self.refused: list[str] = []
        self._tls = SimTLS.shared()
        self._traffic: dict[str, _HostTraffic] = defaultdict(_HostTraffic)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tmp: Path | None = None
        self._held: list[socket.socket] = []  # sockets the sim owns outside aiohttp
        self._ports: dict[str, int] = {}  # "http", "https", tls mode -> port
        self._direct: dict[int, tuple[str, str]] = {}  # port -> (host, scheme)
        self._direct_ports: dict[tuple[str, str], int] = {}
        self._direct_bases: dict[str, str] = {}  # shared with Network.direct_bases
        self._pending: set[asyncio.Future[Any]] = set()
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] = lambda: None
        self._proxies: list[SimProxy] = []

    # -- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> SimWeb:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tmp = Path(tempfile.mkdtemp(prefix="simweb-"))
        self._tls.ca.cert_pem.write_to_path(str(self.ca_pem))
        app = web.Application(client_max_size=64 * 1024 * 1024)  # API sims take uploads
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.2
        )
        await self._runner.setup()
        self._ports["http"] = await self._listen(None)
        for mode, issuer in self._tls.issuers.items():
            port = await self._listen(issuer.server_context())
            self._ports["https" if mode == "ok" else mode] = port
        # bound but never listening: connecting is refused (unreachable never gets that
        # far: the socket factory fails it)
        for mode in ("refused", "unreachable"):
            self._ports[mode] = self._hold(_loopback_socket())
        # listening with a full accept queue that is never drained: SYNs are dropped
        blackhole = _loopback_socket()
        blackhole.listen(0)
        self._ports["blackhole"] = self._hold(blackhole)
        self._hold(socket.create_connection((LOOPBACK, self._ports["blackhole"]), timeout=5))
        for host in list(self.scenario.mounts):
            self._add_direct_base(host)
        self._unsubscribe = self.scenario.on_mount(self._add_direct_base)
        log.debug("simweb listening on %s", self._ports)

    async def close(self) -> None:
        if self._runner is None:
            return
        self._unsubscribe()
        await asyncio.sleep(0)  # let direct listeners scheduled from other threads register
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        for proxy in self._proxies:
            await proxy.close()
        for task in list(self._tasks):
            task.cancel()
        await self._runner.cleanup()
        self._runner = None
        for sock in self._held:
            sock.close()
        self._held.clear()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _hold(self, sock: socket.socket) -> int:
        self._held.append(sock)
        return int(sock.getsockname()[1])

    async def _listen(self, ssl_context: Any, sock: socket.socket | None = None) -> int:
        assert self._runner is not None
        if sock is None:
            sock = _loopback_socket()
        site = web.SockSite(self._runner, sock, ssl_context=ssl_context)
        await site.start()
        return int(sock.getsockname()[1])

    # -- what tests and clients use --------------------------------------------------

    @property
    def ca_pem(self) -> Path:
        """PEM of the sim CA, e.g. for ``SSL_CERT_FILE`` tests."""
        assert self._tmp is not None, "SimWeb not started"
        return self._tmp / "simweb-ca.pem"

    @property
    def http_port(self) -> int:
        return self._ports["http"]

    @property
    def https_port(self) -> int:
        return self._ports["https"]

    def network(self) -> Network:
        """Resolver to the sim, TLS trusting the sim CA, and the loopback-only safety net."""
        return Network(
            resolver_factory=lambda: SimResolver(self),
            ssl_context=self._tls.client_context(),
            socket_factory=self._socket_factory,
            direct_bases=self._direct_bases,
            public_stand_ins=frozenset({LOOPBACK}),
        )

    async def proxy(self, mode: str = "forward") -> SimProxy:
        """A forward proxy in front of the sim (``simweb/proxy.py``), closed with it; its
        port is one the safety net lets clients connect to."""
        proxy = SimProxy(self, mode)
        await proxy.start()
        self._proxies.append(proxy)
        self._ports[f"proxy-{proxy.port}"] = proxy.port
        return proxy

    def direct_base(self, host: str, scheme: str = "http") -> str:
        """``http://127.0.0.1:PORT`` reaching ``host`` without our resolver (sync clients).

        HTTPS direct bases present a cert for 127.0.0.1 from the sim CA (trust ``ca_pem``).
        """
        port = self._direct_port(host_key(host), scheme)
        return f"{scheme}://{LOOPBACK}:{port}"

    def max_concurrency(self, host: str) -> int:
        """Most requests to ``host`` the server was handling at the same moment."""
        traffic = self._traffic.get(host_key(host))
        return traffic.max_in_flight if traffic else 0

    def in_flight(self, host: str) -> int:
        """Requests to ``host`` being handled right now (hung ones until the client leaves)."""
        traffic = self._traffic.get(host_key(host))
        return traffic.in_flight if traffic else 0

    def requests(self, host: str | None = None, path: str | None = None) -> list[Record]:
        """The log filtered by host and/or path."""
        key = host_key(host) if host is not None else None
        return [
            r
            for r in self.log
            if (key is None or r.host == key) and (path is None or r.path == path)
        ]

    def clear_log(self) -> None:
        """Forget recorded traffic (log and concurrency maxima), e.g. after a warm-up."""
        self.log.clear()
        for traffic in self._traffic.values():
            traffic.max_in_flight = traffic.in_flight

    # -- resolver and safety net ------------------------------------------------------

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        """Where ``host:port`` leads in the sim; raises OSError like a failed lookup.

        Ports 443 and 8443 lead to the host's HTTPS listener, every other port to HTTP.
        """
        config = self.scenario.config(host)
        mode = self.scenario.outage_mode or (config.dns if config is not None else "ok")
        if mode == "nxdomain" or (mode == "ok" and not self.scenario.knows(host)):
            raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {host}")
        if mode != "ok":
            return LOOPBACK, self._ports[mode]
        if config is not None and config.resolve_to is not None:
            return str(ipaddress.ip_address(config.resolve_to)), port
        if port in HTTPS_PORTS:
            tls = config.tls if config is not None else "ok"
            return LOOPBACK, self._ports["https" if tls == "ok" else tls]
        return LOOPBACK, self._ports["http"]

    def _socket_factory(self, addr_info: tuple[Any, ...]) -> socket.socket:
        """aiohttp's socket factory: only the sim's loopback ports may be connected to."""
        family, type_, proto, _, sockaddr = addr_info
        address, port = str(sockaddr[0]), int(sockaddr[1])
        allowed = set(self._ports.values()) | set(self._direct)
        if address != LOOPBACK or port not in allowed:
            self.refused.append(address)
            log.warning("simweb safety net refused %s:%s", address, port)
            raise ConnectionRefusedError(
                errno.ECONNREFUSED, f"simweb safety net: refusing connection to {address}"
            )
        if port == self._ports["unreachable"]:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        return socket.socket(family, type_, proto)

    # -- direct bases ------------------------------------------------------------------

    def _add_direct_base(self, host: str) -> None:
        if self._runner is not None:
            self._direct_bases[host] = self.direct_base(host)

    def _direct_port(self, host: str, scheme: str) -> int:
        with self._lock:
            port = self._direct_ports.get((host, scheme))
            if port is not None:
                return port
            # listening already, so clients may connect (into the backlog) before the
            # server task below starts accepting
            sock = _loopback_socket()
            sock.listen(128)
            port = int(sock.getsockname()[1])
            self._direct_ports[(host, scheme)] = port
            self._direct[port] = (host, scheme)
        ssl_context = self._tls.issuers["ok"].server_context() if scheme == "https" else None
        assert self._loop is not None, "SimWeb not started"
        self._loop.call_soon_threadsafe(self._serve_direct, sock, ssl_context)
        return port

    def _serve_direct(self, sock: socket.socket, ssl_context: Any) -> None:
        if self._runner is None:
            sock.close()
            return
        task = asyncio.ensure_future(self._listen(ssl_context, sock))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # -- serving ----------------------------------------------------------------------

    def _virtual_host(self, request: web.Request) -> tuple[str, str]:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        if sockname is not None and sockname[1] in self._direct:
            return self._direct[sockname[1]]
        scheme = "https" if request.secure else "http"
        return split_host_header(request.host), scheme

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host, scheme = self._virtual_host(request)
        record = Record(
            t=time.monotonic(),
            method=request.method,
            scheme=scheme,
            host=host,
            path=request.path,
            query=request.query_string,
            headers=CIMultiDict(request.headers),
        )
        self.log.append(record)
        request[RECORD_KEY] = record
        traffic = self._traffic[host]
        traffic.in_flight += 1
        traffic.max_in_flight = max(traffic.max_in_flight, traffic.in_flight)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            response = await self._answer(request, host, scheme, traffic)
        except web.HTTPException as exc:
            record.status = exc.status
            raise
        finally:
            traffic.in_flight -= 1
            if task is not None:
                self._tasks.discard(task)
        record.status = response.status
        if not response.prepared and isinstance(response, web.Response):
            body = response.body
            if request.method != "HEAD" and isinstance(body, bytes | bytearray):
                record.bytes_sent = len(body)
        return response

    async def _answer(
        self, request: web.Request, host: str, scheme: str, traffic: _HostTraffic
    ) -> web.StreamResponse:
        config = self.scenario.config(host)
        if config is not None and config.rate_limit is not None:
            limited = _rate_limited(traffic.window, config.rate_limit)
            if limited is not None:
                return web.Response(
                    status=429, headers={"Retry-After": limited}, text="Too Many Requests"
                )
        if config is not None and config.latency > 0:
            await asyncio.sleep(config.latency)
        mounted = self.scenario.mounts.get(host)
        if mounted is not None:
            return await mounted(request)
        raw_path, _, raw_query = request.raw_path.partition("?")
        found = self.scenario.lookup(scheme, host, raw_path, raw_query)
        behaviour, state = found if found is not None else (not_found(), RouteState())
        return await run(behaviour, request, state)


def _rate_limited(window: deque[float], limit: tuple[int, float]) -> str | None:
    """Sliding window: None if the request may pass, else the Retry-After seconds."""
    allowed, per = limit
    now = time.monotonic()
    while window and window[0] <= now - per:
        window.popleft()
    if len(window) >= allowed:
        return str(max(1, math.ceil(window[0] + per - now)))
    window.append(now)
    return None


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    return sock
