"""How the HTTP engine reaches the network: resolver, TLS trust, socket factory.

Like an httpx transport, this is the one swappable piece: production uses the
system resolver and trust store; tests and ``linkwatch demo`` get a ``Network``
from ``linkwatch.simweb`` that routes every hostname to servers on 127.0.0.1.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from .guard import GuardedResolver


def proxy_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy ``url`` goes through, from ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and
    ``NO_PROXY`` (either case), as curl and requests read them; None: connect directly."""
    env = os.environ if environ is None else environ
    parts = urlsplit(url)
    proxies = {
        key[: -len("_proxy")]: value
        for key, value in ((k.lower(), v) for k, v in env.items())
        if key.endswith("_proxy") and value
    }
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    if not proxy or _bypassed(parts.hostname or "", port, proxies.get("no", "")):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """``NO_PROXY``: ``*``, host names and domain suffixes (``.example.org`` or
    ``example.org``, both matching sub-domains), optionally with ``:port``."""
    host = host.lower().rstrip(".")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.lstrip("*").lstrip(".").rstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def proxy_hosts(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Host names of the configured proxies: the runner's own infrastructure, which the
    private-address guard lets through (a corporate proxy usually has a private address)."""
    env = os.environ if environ is None else environ
    hosts = set()
    for key, value in env.items():
        if key.lower() in ("http_proxy", "https_proxy", "all_proxy") and value:
            host = urlsplit(value if "://" in value else f"http://{value}").hostname
            if host:
                hosts.add(host.lower())
    return frozenset(hosts)


def system_ssl_context() -> ssl.SSLContext:
    """System trust store; OpenSSL honours ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (corporate CAs)."""
    return ssl.create_default_context()


@dataclass
class Network:
    """Everything needed to open connections; ``None`` fields mean the system default."""

    resolver_factory: Callable[[], AbstractResolver] | None = None
    ssl_context: ssl.SSLContext | None = None
    # aiohttp's socket_factory hook; simweb uses it to refuse any address but 127.0.0.1
    socket_factory: Callable[..., object] | None = None
    # direct base URLs for synchronous API clients (arxiv, PyGithub) that cannot use
    # our resolver: host -> "http://127.0.0.1:PORT"; empty in production
    direct_bases: dict[str, str] = field(default_factory=dict)
    # addresses the resolver hands out as stand-ins for public hosts (simweb: 127.0.0.1);
    # the private-address guard lets resolved names through to them, never IP literals
    public_stand_ins: frozenset[str] = frozenset()

    def ssl(self) -> ssl.SSLContext:
        return self.ssl_context or system_ssl_context()

    def connector(
        self,
        *,
        limit: int,
        resolver: AbstractResolver | None = None,
        private_guard: bool = False,
        keepalive_timeout: float = 15.0,
    ) -> aiohttp.TCPConnector:
        """``private_guard`` wraps the resolver in ``guard.GuardedResolver`` (the engine
        turns it on unless ``Settings.allow_private``)."""
        kwargs: dict[str, object] = {
            "limit": limit,
            "limit_per_host": 0,
            "ssl": self.ssl(),
            "ttl_dns_cache": 300,
            "keepalive_timeout": keepalive_timeout,
        }
        if resolver is None and self.resolver_factory is not None:
            resolver = self.resolver_factory()
        if private_guard:
            resolver = GuardedResolver(
                resolver or DefaultResolver(), self.public_stand_ins, trusted=proxy_hosts()
            )
        if resolver is not None:
            kwargs["resolver"] = resolver
        if self.socket_factory is not None:
            kwargs["socket_factory"] = self.socket_factory
        return aiohttp.TCPConnector(**kwargs)  # type: ignore[arg-type]
