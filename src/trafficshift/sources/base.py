"""What every load source shares: the error, the source protocol, default alternates for sources that do not
know routing, restamping a recorded load."""
from __future__ import annotations

from typing import Mapping, Protocol

from trafficshift.errors import TrafficShiftError
from trafficshift.model import Network, split_link_id

#: default number of alternates per prefix when the `alternates` option does not name the link
DEFAULT_ALTERNATES = 8


class LoadSourceError(TrafficShiftError):
    """The load source could not deliver a complete load (down, timeout, malformed or partial data)."""


class LoadSource(Protocol):
    name: str

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        """A complete load in the load format, or LoadSourceError."""


def default_alternates(network: Network, link_id: str, limit: int = DEFAULT_ALTERNATES) -> list[str]:
    """Transit links that can carry any destination, nearest first: same router, same site, then other
    sites in the order of the preferred site's `neighbors` (unlisted sites last, by name)."""
    router_name, _ = split_link_id(link_id)
    router = network.routers.get(router_name)
    site = router.site if router else None
    distance = {name: rank for rank, name in enumerate(network.sites[site].neighbors)} if site in network.sites else {}

    def rank(candidate: str) -> tuple:
        name, _ = split_link_id(candidate)
        other_site = network.routers[name].site
        if name == router_name:
            return (0, 0, "", candidate)
        if other_site == site:
            return (1, 0, "", candidate)
        return (2, distance.get(other_site, len(distance)), other_site, candidate)

    transit = [
        candidate
        for candidate in network.link_ids()
        if candidate != link_id and network.link(candidate).kind == "transit"
    ]
    return sorted(transit, key=rank)[:limit]


def missing_ingress(network: Network, totals: Mapping, pools: Mapping) -> tuple[list[str], list[tuple[str, str]],
                                                                         list[tuple[str, str]]]:
    """What site ingress lacks to be complete: sites without a total, (site, pool) announced there without
    ingress, and (site, pool) with ingress but no total at the site."""
    return ([site for site in sorted(network.sites) if site not in totals],
            [(site, pool) for pool, spec in sorted(network.pools.items()) for site in spec.sites
             if (site, pool) not in pools],
            [(site, pool) for site, pool in sorted(pools) if site not in totals])


def partial_data(missing: list[str]) -> str:
    """The message for a load that lacks `missing` (the first ten named)."""
    more = f"; ... and {len(missing) - 10} more" if len(missing) > 10 else ""
    return f"partial data, missing {'; '.join(missing[:10])}{more}"


def restamp(load: Mapping, now: float) -> dict:
    """A copy of `load` measured at `now`: how the demo replays a recorded scenario as fresh data."""
    return {**load, "timestamp": now}
