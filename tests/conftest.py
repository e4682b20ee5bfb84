"""Shared fixtures: ``simweb`` starts simulated webs that are torn down after the test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from hypothesis import settings

from linkwatch.simweb import Scenario, SimWeb
from linkwatch.sites import registry
from linkwatch.sites.base import Site

# CI explores the same examples every run, so a red CI is reproducible and never a dice roll;
# local runs keep searching new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

StartSimWeb = Callable[[Scenario], Awaitable[SimWeb]]


@pytest.fixture
async def simweb() -> AsyncIterator[StartSimWeb]:
    """``web = await simweb(scenario)``: a running SimWeb, closed when the test ends."""
    started: list[SimWeb] = []

    async def start(scenario: Scenario) -> SimWeb:
        web = SimWeb(scenario)
        await web.start()
        started.append(web)
        return web

    yield start
    for web in reversed(started):
        await web.close()


@pytest.fixture
def declare(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``declare(Site(...), …)``: extra site declarations for one test; the registry's
    indexes are rebuilt with them and again without them afterwards."""

    def add(*declared: Site) -> None:
        everything = registry.sites() + declared
        monkeypatch.setattr(registry, "sites", lambda: everything)
        registry.reindex()

    yield add
    monkeypatch.undo()
    registry.reindex()
