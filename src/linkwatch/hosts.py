"""Per-host settings (``[hosts."example.org"]``, as lychee's hosts table) and ``accept``.

Parsed once from the config; the engine asks ``host_config`` per request and
``accepted`` per result. Pure: no I/O, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .durations import parse_duration
from .models import LinkResult, Verdict

_RANGE = re.compile(r"^\s*(\d{3})\s*(?:\.\.(=?)\s*(\d{3}))?\s*$")
HOST_KEYS = ("per_host", "spacing", "timeout", "headers", "user_agent", "max_redirects", "accept")


@dataclass(frozen=True)
class HostConfig:
    """What one host gets instead of the global settings (``None``: the global value)."""

    per_host: int | None = None
    spacing: float | None = None
    timeout: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold a key
    user_agent: str | None = None
    max_redirects: int | None = None
    accept: frozenset[int] = frozenset()


def parse_accept(values: Iterable[Any] | str | int) -> frozenset[int]:
    """``[200, "429", "500..=599", "300..400"]`` → the status codes (``..`` excludes the
    end, ``..=`` includes it, as in lychee). Raises ``ValueError`` naming a bad item."""
    if isinstance(values, str | int):
        values = [v for v in str(values).replace(",", " ").split()]
    codes: set[int] = set()
    for value in values:
        m = _RANGE.match(str(value))
        if not m:
            raise ValueError(f"not a status code or range: {value!r} (use e.g. 429 or 200..=299)")
        low = int(m.group(1))
        if m.group(3) is None:
            codes.add(low)
            continue
        high = int(m.group(3)) + (1 if m.group(2) else 0)
        if high <= low:
            raise ValueError(f"empty status range: {value!r}")
        codes.update(range(low, high))
    if any(not 100 <= c <= 999 for c in codes):
        raise ValueError("status codes are between 100 and 999")
    return frozenset(codes)


def parse_hosts(table: Mapping[str, Any]) -> dict[str, HostConfig]:
    """The ``hosts`` table → host name (lower case) → ``HostConfig``; ``ValueError`` names
    the host and key that cannot be used."""
    if not isinstance(table, Mapping):
        raise ValueError('hosts must be a table: [hosts."example.org"]')
    out: dict[str, HostConfig] = {}
    for host, raw in table.items():
        if isinstance(raw, HostConfig):
            out[host.lower()] = raw
            continue
        if not isinstance(raw, Mapping):
            raise ValueError(f'hosts."{host}" must be a table')
        values: dict[str, Any] = {}
        for key, value in raw.items():
            key = key.replace("-", "_")
            try:
                if key in ("per_host", "max_redirects"):
                    values[key] = int(value)
                    if values[key] < (1 if key == "per_host" else 0):
                        raise ValueError(f"{value!r} is too small")
                elif key in ("spacing", "timeout"):
                    values[key] = parse_duration(value)
                elif key == "headers":
                    if not isinstance(value, Mapping):
                        raise ValueError("expected a table of header names and values")
                    values[key] = {str(k): str(v) for k, v in value.items()}
                elif key == "user_agent":
                    values[key] = str(value)
                elif key == "accept":
                    values[key] = parse_accept(value)
                else:
                    raise ValueError(f"unknown key (known: {', '.join(HOST_KEYS)})")
            except (TypeError, ValueError) as exc:
                raise ValueError(f'hosts."{host}".{key}: {exc}') from None
        out[host.lower()] = HostConfig(**values)
    return out


def host_config(hosts: Mapping[str, HostConfig], host: str) -> HostConfig | None:
    """The settings for ``host``: its own table, else its parent domain's
    (``[hosts."example.org"]`` covers ``www.example.org``)."""
    host = host.lower().rstrip(".")
    while host:
        if host in hosts:
            return hosts[host]
        if "." not in host:
            return None
        host = host.split(".", 1)[1]
    return None


def accepted(result: LinkResult, codes: frozenset[int]) -> LinkResult:
    """A result whose status the user accepts counts as alive, saying why."""
    if result.status is None or result.status not in codes or result.verdict is Verdict.ALIVE:
        return result
    if result.verdict not in (Verdict.DEAD, Verdict.UNVERIFIABLE):
        return result
    return replace(
        result,
        verdict=Verdict.ALIVE,
        error=None,
        reason=f"status {result.status} accepted (accept setting)",
        notes=[*result.notes, "accepted status"],
    )
