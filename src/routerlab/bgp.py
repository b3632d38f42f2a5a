"""The vendor-neutral core of the lab's routing model (issue 15): BGP routes, best-path selection and
longest-prefix match. The vendors' policy evaluation (routerlab/junos/policy.py) turns a learned route into
the route the router keeps, or drops it; this module picks among the kept ones.

Best-path selection follows Juniper's "Understanding BGP Path Selection", which Arista's EOS applies in the
same order for everything the lab models: a higher local preference, then a shorter AS path, a lower origin
(IGP < EGP < incomplete), a lower MED among routes from the same neighboring AS, eBGP over iBGP, a lower
router ID, a lower peer address. Not modelled: next-hop resolution and IGP cost (every next hop is
reachable and equally close), AIGP, weights, confederations, multipath.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

#: local preference of a route no policy set one on (the BGP default of both vendors)
DEFAULT_LOCAL_PREF = 100
ORIGINS = ("igp", "egp", "incomplete")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Route:
    """One path to `prefix`, as learned from `neighbor` (or originated by the router itself: `protocol` other
    than "bgp", no neighbor)."""

    prefix: Network
    neighbor: str | None = None
    peer_as: int | None = None
    as_path: tuple[int, ...] = ()
    origin: str = "igp"
    med: int | None = None
    communities: frozenset[str] = field(default_factory=frozenset)
    next_hop: str | None = None
    local_pref: int | None = None
    #: the sending router's BGP identifier (None: compare peer addresses only)
    peer_router_id: str | None = None
    ebgp: bool = True
    protocol: str = "bgp"

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, got {self.origin!r}")

    @classmethod
    def learned(cls, prefix: str, neighbor: str, peer_as: int, as_path: Iterable[int] | None = None,
                **attributes) -> "Route":
        """A route `neighbor` (in `peer_as`) sends: its AS path starts with `peer_as` unless given."""
        path = tuple(as_path) if as_path is not None else (peer_as,)
        return cls(ipaddress.ip_network(prefix), neighbor, peer_as, path, **attributes)

    @property
    def effective_local_pref(self) -> int:
        return DEFAULT_LOCAL_PREF if self.local_pref is None else self.local_pref

    @property
    def neighbor_as(self) -> int | None:
        """The AS the path enters through (its first AS), whose routes' MEDs are comparable."""
        return self.as_path[0] if self.as_path else None

    def with_changes(self, **changes) -> "Route":
        return replace(self, **changes)


def _address_key(value: str | None) -> tuple[int, int]:
    if value is None:
        return (1, 0)
    address = ipaddress.ip_address(value)
    return (0, int(address)) if address.version == 4 else (0, int(address) + (1 << 32))


#: the steps of best-path selection, in order; `losing_step` names the one a route loses at
STEPS = ("local-preference", "as-path", "origin", "med", "ebgp", "router-id", "peer-address")


def _step_keys(route: Route) -> tuple:
    """The route's value at every step, lower is better (MED handled apart: it compares within one AS)."""
    return (-route.effective_local_pref, len(route.as_path), ORIGINS.index(route.origin), route.med or 0,
            not route.ebgp, _address_key(route.peer_router_id or route.neighbor), _address_key(route.neighbor))


def best_path(routes: Iterable[Route]) -> Route | None:
    """The route BGP selects among `routes` for one prefix (module docstring for the order); None if none."""
    candidates = list(routes)
    if not candidates:
        return None
    best_pref = max(r.effective_local_pref for r in candidates)
    candidates = [r for r in candidates if r.effective_local_pref == best_pref]
    shortest = min(len(r.as_path) for r in candidates)
    candidates = [r for r in candidates if len(r.as_path) == shortest]
    lowest_origin = min(ORIGINS.index(r.origin) for r in candidates)
    candidates = [r for r in candidates if ORIGINS.index(r.origin) == lowest_origin]
    # MED is compared only among routes entering through the same neighboring AS; a missing MED is 0
    candidates = [r for r in candidates
                  if not any(o.neighbor_as == r.neighbor_as and (o.med or 0) < (r.med or 0) for o in candidates)]
    if any(r.ebgp for r in candidates):
        candidates = [r for r in candidates if r.ebgp]
    return min(candidates, key=lambda r: (_address_key(r.peer_router_id or r.neighbor), _address_key(r.neighbor)))


def ranked(routes: Iterable[Route]) -> list[Route]:
    """`routes` for one prefix with the best path first, the others in neighbor-address order."""
    routes = list(routes)
    best = best_path(routes)
    rest = sorted((r for r in routes if r is not best), key=lambda r: _address_key(r.neighbor))
    return [best, *rest] if best is not None else []


def losing_step(route: Route, best: Route) -> str | None:
    """The first step of `STEPS` at which `route` loses to `best` (None: it is the best)."""
    if route is best or route == best:
        return None
    for step, mine, theirs in zip(STEPS, _step_keys(route), _step_keys(best)):
        if step == "med" and route.neighbor_as != best.neighbor_as:
            continue
        if mine != theirs:
            return step
    return STEPS[-1]


def longest_match(rib: Mapping[Network, Route], address: str) -> Route | None:
    """The active route forwarding uses for `address`: the most specific prefix of the RIB holding it."""
    target = ipaddress.ip_address(address)
    matches = [prefix for prefix in rib if prefix.version == target.version and target in prefix]
    return rib[max(matches, key=lambda p: p.prefixlen)] if matches else None
