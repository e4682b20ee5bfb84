"""Shared fixtures: ``simweb`` starts simulated webs that are torn down after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from linkwatch.simweb import Scenario, SimWeb

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
