"""The route show commands over the lab's routing model (issue 15), in the JSON EOS sends for them, as
napalm's recorded fixtures show it (tests/lab/eos/data/show_ip_route_*.json, show_ip_bgp_*.json,
show_vrf.json): what napalm's `get_route_to` runs.

- `show vrf`: the default VRF only (the lab has no others).
- `show ip[v6] route vrf default <destination> [longer-prefixes] [bgp] detail`: the forwarding entry, the
  best path's next hop as its one via. Without `longer-prefixes` the longest prefix holding the destination,
  with it every prefix inside the destination.
- `show ip[v6] bgp <destination> [longer-prefixes] vrf default`: every path per prefix, the best one
  `active` with `reasonNotBestpath` "noReason".

EOS answers `show ipv6 route` with the routes at the top level (no `vrfs` level), which is what napalm reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from routerlab.bgp import Route, losing_step

if TYPE_CHECKING:
    from routerlab.eos.server import EosDevice

#: EOS's default administrative distance of eBGP routes
EBGP_DISTANCE = 200
ORIGINS = {"igp": "Igp", "egp": "Egp", "incomplete": "Incomplete"}
#: the `reasonNotBestpath` of a path that lost at each best-path step
REASONS = {"local-preference": "higherLocalPref", "as-path": "asPathLength", "origin": "origin", "med": "med",
           "ebgp": "ebgpOverIbgp", "router-id": "routerId", "peer-address": "peerAddress"}


def show_vrf(device: "EosDevice") -> tuple[dict, str]:
    interfaces = sorted({name for name, _ in device.interface_addresses()})
    data = {"vrfs": {"default": {
        "routeDistinguisher": "", "vrfState": "up", "interfaces": interfaces,
        "protocols": {family: {"supported": True, "protocolState": "up", "routingState": "up"}
                      for family in ("ipv4", "ipv6")}}}}
    return data, f"   VRF        RD    Protocols    State    Interfaces\n---------- ----- ----------- -------- " \
                 f"-----------\n   default          ipv4,ipv6    v4:routing {', '.join(interfaces)}\n"


def show_route(device: "EosDevice", family: str, destination: str, longer: bool) -> tuple[dict, str]:
    """`show <family> route vrf default <destination> [longer-prefixes] [bgp] detail` (`family`: ip, ipv6)."""
    routes = {}
    for prefix, paths in device.lookup(destination, more_specifics=longer).items():
        best = paths[0]
        next_hop = best.next_hop or best.neighbor
        routes[str(prefix)] = {
            "kernelProgrammed": True, "directlyConnected": False, "routeAction": "forward", "routeLeaked": False,
            "vias": [{"interface": device.outgoing_interface(next_hop) or "", "nexthopAddr": next_hop}],
            "metric": best.med or 0, "hardwareProgrammed": True, "routeType": "eBGP" if best.ebgp else "iBGP",
            "preference": EBGP_DISTANCE}
    text = "".join(f" B E      {prefix} [{EBGP_DISTANCE}/{route['metric']}] via {route['vias'][0]['nexthopAddr']}\n"
                   for prefix, route in routes.items())
    if family == "ipv6":
        return {"routes": routes}, text
    return {"vrfs": {"default": {"routes": routes, "allRoutesProgrammedKernel": True, "routingDisabled": False,
                                 "allRoutesProgrammedHardware": True, "defaultRouteState": "notSet"}}}, text


def show_bgp(device: "EosDevice", destination: str, longer: bool) -> tuple[dict, str]:
    """`show ip[v6] bgp <destination> [longer-prefixes] vrf default`."""
    entries = {}
    for prefix, paths in device.lookup(destination, more_specifics=longer).items():
        entries[str(prefix)] = {
            "address": str(prefix.network_address), "maskLength": prefix.prefixlen, "totalPaths": len(paths),
            "bgpAdvertisedPeerGroups": {}, "bgpAdvertisedPeers": {"peerList": []}, "totalAdvertisedPeers": 0,
            "bgpRoutePaths": [_path(device, route, paths[0]) for route in paths]}
    asn = device.local_as()
    router_id = device.router_id()
    data = {"vrfs": {"default": {"routerId": router_id, "vrf": "default", "bgpRouteEntries": entries,
                                 "asn": str(asn) if asn is not None else ""}}}
    text = "".join(f" * >   {prefix} {path['nextHop']} {path['asPathEntry']['asPath']}\n"
                   for prefix, entry in entries.items() for path in entry["bgpRoutePaths"][:1])
    return data, text


def show_advertised(device: "EosDevice", family: str, neighbor: str) -> tuple[dict, str]:
    """`show ip[v6] bgp neighbors NEIGHBOR advertised-routes [vrf default]`: the routes sent to the neighbor
    after its outbound prefix-list and route-map, in the shape of `show ip bgp`, the AS path as sent (the
    router's AS first)."""
    version = 6 if family == "ipv6" else 4
    entries = {}
    for prefix, route in device.advertised(neighbor).items():
        if prefix.version != version:
            continue
        entries[str(prefix)] = {
            "address": str(prefix.network_address), "maskLength": prefix.prefixlen, "totalPaths": 1,
            "bgpRoutePaths": [{
                "asPathEntry": {"asPath": " ".join(map(str, route.as_path)), "asPathType": "External"},
                "med": route.med or 0, "localPreference": 0, "weight": 0, "nextHop": "",
                "routeType": {"atomicAggregator": False, "origin": ORIGINS[route.origin], "suppressed": False,
                              "queued": False, "valid": True, "active": True, "stale": False, "ecmp": False,
                              "backup": False, "ecmpHead": False, "ecmpContributor": False},
                "routeDetail": {"origin": ORIGINS[route.origin], "communityList": sorted(route.communities),
                                "extCommunityList": [], "largeCommunityList": []}}]}
    asn = device.local_as()
    data = {"vrfs": {"default": {"routerId": device.router_id(), "vrf": "default", "bgpRouteEntries": entries,
                                 "asn": str(asn) if asn is not None else ""}}}
    text = "".join(f" * >   {prefix} - {entry['bgpRoutePaths'][0]['asPathEntry']['asPath']}\n"
                   for prefix, entry in entries.items())
    return data, text


def _path(device: "EosDevice", route: Route, best: Route) -> dict:
    active = route is best
    received = device.received_at.get(route.neighbor, device.clock.now())
    return {
        "asPathEntry": {"asPath": " ".join(map(str, route.as_path)),
                        "asPathType": "External" if route.ebgp else "Internal"},
        "med": route.med or 0, "timestamp": int(received), "localPreference": route.effective_local_pref,
        "weight": 0, "peerEntry": {"peerRouterId": route.peer_router_id or route.neighbor, "peerAddr": route.neighbor},
        "reasonNotBestpath": "noReason" if active else REASONS[losing_step(route, best)],
        "nextHop": route.next_hop or route.neighbor,
        "routeType": {"atomicAggregator": False, "origin": ORIGINS[route.origin], "suppressed": False,
                      "sixPeRoute": False, "queued": False, "valid": True, "ecmpContributor": False,
                      "luRoute": False, "active": active, "stale": False, "ecmp": False, "backup": False,
                      "ecmpHead": False, "ucmp": False},
        "routeDetail": {"origin": ORIGINS[route.origin], "nextHopVrfName": "", "largeCommunityList": [],
                        "tunnelRibEligible": False, "extCommunityList": [],
                        "communityList": sorted(route.communities), "rxSafi": "Unicast",
                        "recvdFromRRClient": False},
    }
