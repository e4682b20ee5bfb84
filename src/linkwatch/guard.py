"""Private-address guard: never fetch a link that points into a private network.

A README link whose host resolves to 127.0.0.1, 10.x or 169.254.169.254 (cloud
metadata) would turn the nightly checker into a probe of the machine it runs on.
The guard looks at every address after DNS resolution (a resolver wrapper, so a
redirect hop is covered too) and at IP-literal hosts, which aiohttp never
resolves. ``Settings.allow_private`` lifts it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection

from aiohttp.abc import AbstractResolver, ResolveResult


class PrivateAddressError(OSError):
    """Raised instead of connecting; recognised by the checker's error mapping."""

    def __init__(self, host: str, address: str) -> None:
        self.host = host
        self.address = address
        super().__init__(f"{host} resolves to private address {address}")

    @property
    def reason(self) -> str:
        if _strip(self.host) == _strip(self.address):
            return f"private address {self.address}: not fetched"
        return f"{self.host} resolves to private address {self.address}: not fetched"


def _strip(host: str) -> str:
    return host.strip("[]").split("%", 1)[0].lower()


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address if ``host`` is an IP literal (``[::1]`` and zone ids allowed), else None."""
    try:
        return ipaddress.ip_address(_strip(host))
    except ValueError:
        return None


def is_private(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for anything that is not a public unicast address, IPv4 or IPv6.

    IPv4-mapped IPv6 addresses (``::ffff:10.0.0.1``) are judged by the IPv4 part.
    """
    ip = ipaddress.ip_address(_strip(address) if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
        or ip.is_multicast
        or not ip.is_global
    )


def check_host(host: str) -> PrivateAddressError | None:
    """The error for an IP-literal ``host`` in a private range, else None (names pass)."""
    ip = ip_literal(host)
    if ip is not None and is_private(ip):
        return PrivateAddressError(_strip(host), str(ip))
    return None


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and refuses names that resolve to any private address.

    One private address among the answers is enough to refuse (mixed answers are
    how DNS rebinding works). ``exempt`` lists addresses the inner resolver uses as
    stand-ins for public hosts (simweb's 127.0.0.1); IP-literal URLs never reach a
    resolver, so the engine checks those with ``check_host`` whatever ``exempt`` says.
    """

    def __init__(
        self,
        inner: AbstractResolver,
        exempt: Collection[str] = (),
        trusted: Collection[str] = (),
    ) -> None:
        self._inner = inner
        self._exempt = frozenset(exempt)
        self._trusted = frozenset(trusted)  # host names never judged: the configured proxies

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        if host.lower() in self._trusted:
            return answers
        for answer in answers:
            address = answer["host"]
            if address not in self._exempt and is_private(address):
                raise PrivateAddressError(host, address)
        return answers

    async def close(self) -> None:
        await self._inner.close()
