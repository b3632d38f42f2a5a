"""What the lab's routers hear from their BGP neighbors, made from load data (issue 15): the routes behind the
demand the load describes, so a detour's effect shows on the router the way it would on a real edge.

For each egress demand `{prefix, link, alternates: [{link, preference}]}`, the preferred link's neighbor sends
the prefix with the shortest AS path (it is the best path until a detour overrides it) and each alternate's
neighbor sends it one AS longer per rank, in the alternates' preference order (they are the paths a detour
can pick). A prefix goes to the session of its address family. Where several load documents disagree, a
neighbor keeps the shortest path any of them gives it. Every path ends in `ORIGIN_AS`.

Each router originates the prefixes of the pools announced at its site (`own_routes`): what an edge's
statics to discard give it, so its export policies have the anycast pools to announce.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping

from trafficshift.model import Network, split_link_id

#: the origin of every destination in the lab: a documentation ASN (RFC 5398)
ORIGIN_AS = 64511


def neighbor_routes(network: Network, egress: Iterable[Mapping]) -> dict[str, dict[str, tuple[int, list[dict]]]]:
    """router -> neighbor address -> (peer AS, routes as the control API takes them), sorted."""
    hops: dict[tuple[str, str, int], dict[str, int]] = {}  # (router, neighbor, peer AS) -> prefix -> extra hops
    for demand in egress:
        prefix = str(ipaddress.ip_network(demand["prefix"]))
        alternates = sorted(demand.get("alternates") or (), key=lambda a: (a.get("preference", 0), a["link"]))
        for rank, link_id in enumerate([demand["link"]] + [a["link"] for a in alternates]):
            router, interface = split_link_id(link_id)
            link = network.routers[router].links[interface]
            family = ipaddress.ip_network(prefix).version
            for version, neighbor, _ in link.sessions():
                if version == family:
                    sent = hops.setdefault((router, neighbor, link.peer_as), {})
                    sent[prefix] = min(rank, sent.get(prefix, rank))
    table: dict[str, dict[str, tuple[int, list[dict]]]] = {}
    for (router, neighbor, peer_as), prefixes in sorted(hops.items()):
        routes = [{"prefix": prefix, "as_path": [peer_as] * (1 + extra) + [ORIGIN_AS]}
                  for prefix, extra in sorted(prefixes.items())]
        table.setdefault(router, {})[neighbor] = (peer_as, routes)
    return table


def own_routes(network: Network) -> dict[str, list[str]]:
    """router -> the pool prefixes announced at its site, sorted."""
    return {name: sorted(prefix for pool in network.pools.values() if router.site in pool.sites
                         for prefix in pool.prefixes)
            for name, router in sorted(network.routers.items())}


def announce(lab, table: Mapping[str, Mapping[str, tuple[int, list[dict]]]],
             own: Mapping[str, list[str]] | None = None) -> None:
    """Make each lab router's neighbors send what `table` (`neighbor_routes`) says and each router originate
    its `own` routes (`own_routes`), through the control API."""
    for router, prefixes in sorted((own or {}).items()):
        lab.control(router).originate(list(prefixes))
    for router, neighbors in sorted(table.items()):
        control = lab.control(router)
        for neighbor, (peer_as, routes) in sorted(neighbors.items()):
            control.receive(neighbor, peer_as, routes)
