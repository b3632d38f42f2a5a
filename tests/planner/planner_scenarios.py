"""Small planner inputs built directly from the model classes (no validation layer involved).

Link ids are `<site>-r1:<interface>`: the router's site is the part before `-r1`.
"""
from __future__ import annotations

import ipaddress

from trafficshift.model import Load, Network, Policy
from trafficshift.planner import plan
from trafficshift.model.projection import apply_plan

NOW = 1_700_000_000.0


def make_network(links: dict[str, tuple[str, float]], sites: dict[str, float] | None = None,
                 neighbors: dict[str, list[str]] | None = None, pools: dict[str, tuple[int, list[str]]] | None = None,
                 catchment: dict[str, dict[str, float]] | None = None, ipv4_only: tuple[str, ...] = (),
                 pool_prefixes: dict[str, list[str]] | None = None, **policy) -> Network:
    """links: {link id: (kind, capacity bps)}, each with an IPv4 and an IPv6 session unless in `ipv4_only`;
    sites: {site: ingress capacity}; pools: {pool: (priority, sites)}, each an IPv4 /29 unless
    `pool_prefixes` names its prefixes."""
    routers: dict[str, dict] = {}
    site_names = set(sites or {})
    for k, (lid, (kind, capacity)) in enumerate(sorted(links.items())):
        router, interface = lid.split(":", 1)
        site = router.rsplit("-r", 1)[0]
        site_names.add(site)
        entry = routers.setdefault(router, {"site": site, "vendor": "junos", "asn": 64512,
                                            "router_id": str(ipaddress.IPv4Address(0x0A000001 + len(routers))), "links": {}})
        entry["links"][interface] = {"peer": f"peer{k}", "neighbor": str(ipaddress.IPv4Address(0xC0000200 + 2 * k)),
                                     "peer_as": 65000 + k, "kind": kind, "capacity_bps": capacity, "group": kind,
                                     "neighbor6": None if lid in ipv4_only else f"2001:db8:ffff::{k + 1:x}"}
    return Network.model_validate({
        "sites": {s: {"ingress_capacity_bps": (sites or {}).get(s, 100e9), "neighbors": (neighbors or {}).get(s, [])}
                  for s in sorted(site_names)},
        "routers": routers,
        "pools": {name: {"prefixes": (pool_prefixes or {}).get(name, [f"192.0.2.{8 * i}/29"]), "priority": priority,
                         "sites": members}
                  for i, (name, (priority, members)) in enumerate(sorted((pools or {}).items()))},
        "catchment": catchment or {},
        "policy": Policy(**policy).model_dump(),
    })


def make_load(demands: list[tuple[str, float, str, list[str]]], site_pools: dict[str, dict[str, float]] | None = None,
              timestamp: float = NOW) -> Load:
    """demands: [(prefix, bps, preferred link, alternates in preference order)]; counters match the demands."""
    counters: dict[str, float] = {}
    for _, bps, link, _ in demands:
        counters[link] = counters.get(link, 0.0) + bps
    return Load.model_validate({
        "timestamp": timestamp,
        "egress": [{"prefix": p, "bps": bps, "link": link, "alternates": [{"link": a, "preference": k} for k, a in enumerate(alts)]}
                   for p, bps, link, alts in demands],
        "links": {lid: {"out_bps": bps} for lid, bps in counters.items()},
        "sites": {s: {"ingress_bps": sum(pools.values()), "pools": pools} for s, pools in (site_pools or {}).items()},
    })


def prefixes(count: int, base: str = "198.18.0.0") -> list[str]:
    start = int(ipaddress.IPv4Address(base))
    return [str(ipaddress.IPv4Network((start + (k << 8), 24))) for k in range(count)]


def util(result, element: str) -> tuple[float, float]:
    """(before, after) utilization of a link or site in a plan."""
    for u in result.links + result.sites:
        if u.id == element:
            return u.before, u.after
    raise KeyError(element)


def cycle(network: Network, load: Load, previous=None, controls=(), now: float = NOW, **kwargs):
    """Plan, then the load the network would measure with that plan applied (same demands)."""
    result = plan(network, load, previous, controls, now, **kwargs)
    return result, apply_plan(network, load, result, previous)
