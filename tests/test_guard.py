"""Private-address guard: links into private networks are excluded and never connected.

simweb's safety net refuses any address but its own, so a broken guard fails these
tests (``web.refused`` fills up) without a packet leaving the machine.
"""

from __future__ import annotations

import dataclasses
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from linkwatch.checker import Engine, check_urls
from linkwatch.config import Settings
from linkwatch.guard import GuardedResolver, PrivateAddressError, check_host, is_private
from linkwatch.models import ErrorCode, Verdict
from linkwatch.simweb import Scenario
from linkwatch.simweb import behaviours as b

P = "https://public.example.org"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "[::1]",
    ],
)
def test_private_addresses(address):
    assert is_private(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses(address):
    assert not is_private(address)


def test_check_host_judges_only_ip_literals():
    assert check_host("example.org") is None
    assert check_host("8.8.8.8") is None
    error = check_host("[::1]")
    assert isinstance(error, PrivateAddressError) and error.address == "::1"
    assert error.reason == "private address ::1: not fetched"


class FixedResolver(AbstractResolver):
    """Answers every name with the given addresses (a stand-in DNS, no network)."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0}
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_guarded_resolver_refuses_any_private_answer():
    assert await GuardedResolver(FixedResolver("93.184.216.34")).resolve("example.org", 443)
    with pytest.raises(PrivateAddressError) as caught:
        await GuardedResolver(FixedResolver("93.184.216.34", "10.0.0.7")).resolve("a.example", 80)
    assert caught.value.reason == "a.example resolves to private address 10.0.0.7: not fetched"
    exempt = GuardedResolver(FixedResolver("127.0.0.1"), exempt={"127.0.0.1"})
    assert await exempt.resolve("sim.example", 80)


def settings(**changes: object) -> Settings:
    base = Settings(retry_backoff=0.01, timeout=3.0, host_spacing=0.0, max_retries=1)
    return dataclasses.replace(base, **changes)


TARGETS = {
    "/to-loopback": ("http://127.0.0.1/", "private address 127.0.0.1: not fetched"),
    "/to-ten": ("http://10.0.0.1/admin", "private address 10.0.0.1: not fetched"),
    "/to-metadata": (
        "http://169.254.169.254/latest/meta-data/",
        "private address 169.254.169.254: not fetched",
    ),
    "/to-v6": ("http://[::1]/", "private address ::1: not fetched"),
    "/to-mapped": ("http://[::ffff:10.0.0.1]:8080/", "private address ::ffff:a00:1: not fetched"),
    "/to-internal": (
        "https://internal.example.org/",
        "internal.example.org resolves to private address 192.168.1.1: not fetched",
    ),
}


def guard_scenario() -> Scenario:
    sc = Scenario().host("internal.example.org", b.ok(), resolve_to="192.168.1.1")
    for path, (target, _) in TARGETS.items():
        sc.route(P + path, b.redirect(302, target))
    return sc.route(P + "/fine", b.ok(body="data", content_type="text/plain"))


@pytest.mark.parametrize("path", list(TARGETS))
async def test_redirects_into_private_networks_are_excluded_and_never_connected(simweb, path):
    web = await simweb(guard_scenario())
    async with Engine(settings(), web.network()) as engine:
        result = await engine.check(P + path)
    assert result.verdict is Verdict.EXCLUDED and result.error is ErrorCode.PRIVATE_ADDRESS
    assert result.reason == TARGETS[path][1]
    assert [(r.host, r.path) for r in web.log] == [("public.example.org", path)]
    assert web.refused == []  # the guard stopped it before the safety net was reached


async def test_a_name_resolving_to_a_private_address_is_excluded(simweb):
    web = await simweb(guard_scenario())
    urls = ["https://internal.example.org/", "http://10.1.2.3/", P + "/fine"]
    results = await check_urls(urls, settings(), web.network())
    assert [r.verdict for r in results] == [Verdict.EXCLUDED, Verdict.EXCLUDED, Verdict.ALIVE]
    assert results[0].reason == (
        "internal.example.org resolves to private address 192.168.1.1: not fetched"
    )
    assert results[0].status is None and results[0].chain == []
    assert [r.host for r in web.log] == ["public.example.org"]
    assert web.refused == []


async def test_simweb_loopback_is_only_a_stand_in_for_public_addresses(simweb):
    web = await simweb(guard_scenario())
    assert web.network().public_stand_ins == {"127.0.0.1"}
    network = dataclasses.replace(web.network(), public_stand_ins=frozenset())
    async with Engine(settings(), network) as engine:
        result = await engine.check(P + "/fine")
    assert result.error is ErrorCode.PRIVATE_ADDRESS
    assert result.reason == "public.example.org resolves to private address 127.0.0.1: not fetched"
    assert web.log == []


async def test_allow_private_lifts_the_guard(simweb):
    web = await simweb(guard_scenario())
    async with Engine(settings(allow_private=True), web.network()) as engine:
        redirected = await engine.check(P + "/to-ten")
        resolved = await engine.check("https://internal.example.org/")
    # the guard let both through: only simweb's safety net stopped the connections
    assert redirected.error is ErrorCode.CONNECT and resolved.error is ErrorCode.CONNECT
    assert set(web.refused) == {"10.0.0.1", "192.168.1.1"}
