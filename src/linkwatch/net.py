"""How the HTTP engine reaches the network: resolver, TLS trust, socket factory.

Like an httpx transport, this is the one swappable piece: production uses the
system resolver and trust store; tests and ``linkwatch demo`` get a ``Network``
from ``linkwatch.simweb`` that routes every hostname to servers on 127.0.0.1.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from .guard import GuardedResolver


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
            resolver = GuardedResolver(resolver or DefaultResolver(), self.public_stand_ins)
        if resolver is not None:
            kwargs["resolver"] = resolver
        if self.socket_factory is not None:
            kwargs["socket_factory"] = self.socket_factory
        return aiohttp.TCPConnector(**kwargs)  # type: ignore[arg-type]
