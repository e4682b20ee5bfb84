"""The simulated web: real servers on 127.0.0.1 standing in for the internet.

Tests, ``linkwatch demo`` and the benchmarks describe hosts and URLs in a
``Scenario`` (see ``behaviours`` for the faults on offer) and run it with
``SimWeb``, whose ``network()`` routes the checker there and nowhere else.
"""

from linkwatch.simweb import behaviours
from linkwatch.simweb.scenario import HostConfig, Scenario
from linkwatch.simweb.server import Record, SimWeb

__all__ = ["HostConfig", "Record", "Scenario", "SimWeb", "behaviours"]
