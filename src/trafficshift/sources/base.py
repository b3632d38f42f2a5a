"""What every load source shares: the error, the source protocol, restamping a recorded load."""
from __future__ import annotations

from typing import Mapping, Protocol


from trafficshift.errors import TrafficShiftError
from trafficshift.model import Network

#: default number of alternates per prefix when the `alternates` option does not name the link
DEFAULT_ALTERNATES = 8


class LoadSourceError(TrafficShiftError):
    """The load source could not deliver a complete load (down, timeout, malformed or partial data)."""


class LoadSource(Protocol):
    name: str

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        """A complete load in the load format, or LoadSourceError."""


def restamp(load: Mapping, now: float) -> dict:
    """A copy of `load` measured at `now`: how the demo replays a recorded scenario as fresh data."""
    return {**load, "timestamp": now}
