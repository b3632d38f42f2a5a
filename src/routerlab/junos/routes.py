"""`get-route-information` (the CLI's `show route`) over the lab's routing model (issue 15).

The reply follows what Junos sends for `show route <destination> extensive | display xml` as napalm's
recorded fixture shows it (tests/lab/junos/data/get-route-information.xml): one `<route-table>` per family
that has routes (inet.0, inet6.0) with its counts, one `<rt>` per prefix, one `<rt-entry>` per path, the
active one first and marked `*` / `<current-active/>`, the others with an `<inactive-reason>`. Junos keeps
the routes an import policy rejected as hidden; the lab counts them in `<hidden-route-count>`.

A destination prefix shows every prefix inside it, or when there is none the longest prefix covering it
(Juniper, "show route": "Display active entries for the specified address or range of addresses").
"""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from lxml import etree

from routerlab.bgp import Route, losing_step
from routerlab.junos.elements import E

if TYPE_CHECKING:
    from routerlab.junos.server import JunosDevice

#: Junos' default route preference of BGP routes
BGP_PREFERENCE = 170
ORIGIN_CODES = {"igp": "I", "egp": "E", "incomplete": "?"}
#: how `show route extensive` words the step a path lost at
INACTIVE_REASONS = {
    "local-preference": "Local Preference",
    "as-path": "AS path",
    "origin": "Origin",
    "med": "Route Metric or MED comparison",
    "ebgp": "Interior > Exterior > Exterior via Interior",
    "router-id": "Not Best in its group - Router ID",
    "peer-address": "Not Best in its group - Update source",
}


def validate_destination(text: str) -> None:
    """Raise ValueError unless `text` is an address or a prefix."""
    ipaddress.ip_network(text.strip(), strict=False)


def route_information(device: "JunosDevice", destination: str | None, protocol: str | None) -> list:
    """The children of `<rpc-reply>` for a route lookup (`destination` None: the whole table)."""
    everything = device.candidates()
    paths = everything if destination is None else device.lookup(destination, more_specifics=True)
    if protocol not in (None, "bgp"):
        paths = {}  # the lab's routes are all BGP
    tables = []
    for version, name in ((4, "inet.0"), (6, "inet6.0")):
        table = {prefix: routes for prefix, routes in everything.items() if prefix.version == version}
        shown = {prefix: routes for prefix, routes in paths.items() if prefix.version == version}
        if not table:
            continue
        counts = [E("table-name", text=name), E("destination-count", text=str(len(table))),
                  E("total-route-count", text=str(sum(len(routes) for routes in table.values()))),
                  E("active-route-count", text=str(len(table))), E("holddown-route-count", text="0"),
                  E("hidden-route-count", text=str(device.hidden_count(version)))]
        tables.append(E("route-table", *counts, *[_rt(device, prefix, routes) for prefix, routes in shown.items()]))
    return [E("route-information", *tables)]


def advertised_information(device: "JunosDevice", neighbor: str, destination: str | None) -> list:
    """`show route advertising-protocol bgp NEIGHBOR [destination]`: one `<rt>` per route sent to the neighbor
    after its export policy, the AS path as sent with the router's own AS in brackets (as Junos prints it)."""
    sent = device.advertised(neighbor)
    if destination is not None:
        target = ipaddress.ip_network(destination, strict=False)
        sent = {prefix: route for prefix, route in sent.items()
                if prefix.version == target.version and prefix.subnet_of(target)}
    everything = device.candidates()
    tables = []
    for version, name in ((4, "inet.0"), (6, "inet6.0")):
        shown = {prefix: route for prefix, route in sent.items() if prefix.version == version}
        table = {prefix: routes for prefix, routes in everything.items() if prefix.version == version}
        if not shown and not table:
            continue
        counts = [E("table-name", text=name), E("destination-count", text=str(len(table))),
                  E("total-route-count", text=str(sum(len(routes) for routes in table.values()))),
                  E("active-route-count", text=str(len(table))), E("holddown-route-count", text="0"),
                  E("hidden-route-count", text=str(device.hidden_count(version)))]
        rts = []
        for prefix, route in shown.items():
            own, rest = route.as_path[:1], route.as_path[1:]
            path = " ".join([f"[{own[0]}]"] * bool(own) + [str(asn) for asn in rest] + [ORIGIN_CODES[route.origin]])
            entry = [E("active-tag", text="*"), E("protocol-name", text="BGP"),
                     E("nh", E("to", text="Self"))]
            if route.med is not None:
                entry.append(E("med", text=str(route.med)))
            entry.append(E("as-path", text=path))
            rts.append(E("rt", E("rt-destination", text=str(prefix)), E("rt-entry", *entry), style="brief"))
        tables.append(E("route-table", *counts, *rts))
    return [E("route-information", *tables)]


def _rt(device: "JunosDevice", prefix, routes: list[Route]) -> etree._Element:
    return E("rt", E("rt-destination", text=str(prefix.network_address)),
             E("rt-prefix-length", text=str(prefix.prefixlen)),
             E("rt-entry-count", text=str(len(routes)), format=f"{len(routes)} entries"),
             E("rt-announced-count", text="1"),
             *[_rt_entry(device, route, routes[0]) for route in routes], style="detail")


def _rt_entry(device: "JunosDevice", route: Route, best: Route) -> etree._Element:
    active = route is best
    next_hop = route.next_hop or route.neighbor
    via = device.outgoing_interface(next_hop)
    hop = [E("nh-string", text="Next hop"), E("to", text=next_hop)] + ([E("via", text=via)] if via else [])
    if active:
        hop.append(E("selected-next-hop"))
    children = [E("active-tag", text="*" if active else " ")]
    if active:
        children += [E("current-active"), E("last-active")]
    children += [E("protocol-name", text="BGP"), E("preference", text=str(BGP_PREFERENCE)),
                 E("preference2", text=str(-(route.effective_local_pref + 1))),
                 E("nh-type", text="Router"), E("gateway", text=route.neighbor), E("nh", *hop, indent="16"),
                 E("rt-entry-state", text="Active Ext" if active else "Ext")]
    if not active:
        children.append(E("inactive-reason", text=INACTIVE_REASONS[losing_step(route, best)]))
    age = max(0, int(device.clock.now() - device.received_at.get(route.neighbor, device.clock.now())))
    children += [E("local-as", text=str(device.local_as() or 0)), E("peer-as", text=str(route.peer_as)),
                 E("age", text=f"{age // 3600}:{age % 3600 // 60:02d}:{age % 60:02d}", junos_seconds=str(age))]
    if route.med is not None:
        children.append(E("metric", text=str(route.med)))
    children += [E("task-name", text=f"BGP_{route.peer_as}.{route.neighbor}"),
                 E("as-path", text=f"AS path: {' '.join(map(str, route.as_path))} "
                                   f"{ORIGIN_CODES[route.origin]}\n".replace(":  ", ": "))]
    if route.communities:
        children.append(E("communities", *[E("community", text=value) for value in sorted(route.communities)]))
    children += [E("bgp-rt-flag", text="Accepted"), E("local-preference", text=str(route.effective_local_pref)),
                 E("peer-id", text=route.peer_router_id or route.neighbor)]
    return E("rt-entry", *children)
