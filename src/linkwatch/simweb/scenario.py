"""A scenario: which simulated hosts exist and what each URL on them does.

Plain data plus lookups; the server consults it live, so routes, hosts and mounts
added after ``SimWeb`` started take effect at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from yarl import URL

from linkwatch.simweb.behaviours import Behaviour, RouteState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# how reaching a host fails: no such name, connection refused, network unreachable,
# or a connect that never completes (SYNs dropped: a connect timeout)
DnsMode = Literal["ok", "nxdomain", "refused", "unreachable", "blackhole"]
TlsMode = Literal["ok", "untrusted", "expired", "wrong_host"]


def host_key(host: str) -> str:
    """Hostnames compare case-insensitively, without a trailing dot, IDNs as punycode
    (the form clients put in the Host header and hand to the resolver)."""
    name = host.strip().lower().rstrip(".")
    if name.isascii():
        return name
    return URL.build(scheme="http", host=name).raw_host or name


@dataclass
class HostConfig:
    """Per-host behaviour: fallback answer, latency, rate limit, DNS and TLS faults."""

    default: Behaviour | None = None
    latency: float = 0.0
    rate_limit: tuple[int, float] | None = None  # (max requests, per seconds) else 429
    dns: DnsMode = "ok"
    tls: TlsMode = "ok"
    resolve_to: str | None = None  # pretend DNS answer (for private-address guard tests)


@dataclass
class Route:
    behaviour: Behaviour
    state: RouteState = field(default_factory=RouteState)


RouteKey = tuple[str, str, str, str | None]  # scheme, host, raw path, raw query or None


def route_key(url: str) -> RouteKey:
    parsed = URL(url)
    if not parsed.scheme or not parsed.host:
        raise ValueError(f"route needs an absolute URL: {url!r}")
    query = parsed.raw_query_string if "?" in url.split("#", 1)[0] else None
    return parsed.scheme.lower(), host_key(parsed.raw_host or ""), parsed.raw_path or "/", query


class Scenario:
    """Hosts and URLs mapped to behaviours; methods return ``self`` for chaining."""

    def __init__(self) -> None:
        self.routes: dict[RouteKey, Route] = {}
        self.hosts: dict[str, HostConfig] = {}
        self.mounts: dict[str, Handler] = {}
        self._route_hosts: set[str] = set()
        self._default_states: dict[tuple[str, str, str], RouteState] = {}
        self._mount_listeners: list[Callable[[str], None]] = []
        self.outage_mode: DnsMode | None = None

    def route(self, url: str, behaviour: Behaviour) -> Scenario:
        """Exact scheme+host+path; the query must match too when ``url`` has one."""
        key = route_key(url)
        self.routes[key] = Route(behaviour)
        self._route_hosts.add(key[1])
        return self

    def host(
        self,
        name: str,
        default: Behaviour | None = None,
        *,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        dns: DnsMode = "ok",
        tls: TlsMode = "ok",
        resolve_to: str | None = None,
    ) -> Scenario:
        """Declare (or redeclare, replacing the earlier settings) a host."""
        self.hosts[host_key(name)] = HostConfig(default, latency, rate_limit, dns, tls, resolve_to)
        return self

    def outage(self, mode: DnsMode | None = "unreachable") -> Scenario:
        """Make every host, declared or not, fail with ``mode`` (None ends the outage)."""
        self.outage_mode = None if mode == "ok" else mode
        return self

    def mount(self, host: str, handler: Handler) -> Scenario:
        """Serve a whole virtual host with one aiohttp handler (simulated APIs)."""
        key = host_key(host)
        self.mounts[key] = handler
        for listener in self._mount_listeners:
            listener(key)
        return self

    def on_mount(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Let a running server learn about hosts mounted later; returns the unsubscriber."""
        self._mount_listeners.append(listener)
        return lambda: self._mount_listeners.remove(listener)

    def knows(self, host: str) -> bool:
        """Whether DNS should answer for ``host``; unknown hosts are NXDOMAIN."""
        key = host_key(host)
        return key in self.hosts or key in self.mounts or key in self._route_hosts

    def config(self, host: str) -> HostConfig | None:
        return self.hosts.get(host_key(host))

    def lookup(
        self, scheme: str, host: str, raw_path: str, raw_query: str
    ) -> tuple[Behaviour, RouteState] | None:
        """The exact route, else the host default (state kept per path), else None."""
        key = host_key(host)
        route = self.routes.get((scheme, key, raw_path, raw_query)) or self.routes.get(
            (scheme, key, raw_path, None)
        )
        if route is not None:
            return route.behaviour, route.state
        config = self.hosts.get(key)
        if config is None or config.default is None:
            return None
        state = self._default_states.setdefault((key, raw_path, raw_query), RouteState())
        return config.default, state
