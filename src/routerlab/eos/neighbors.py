"""The BGP session show commands of the EOS emulator (issue 15), in the JSON EOS sends for them as napalm's
recorded fixtures show it (tests/lab/eos/data/show_ip_bgp_*vrf_all.json, show_ipv6_bgp_*): what napalm's
`get_bgp_neighbors` runs.

- `show ip[v6] bgp summary [vrf all|default]`: the IPv4 (IPv6) neighbors with their state, the time of
  their last change of state, and the prefixes received and accepted.
- `show ip bgp neighbors [vrf all|default]` and `show ipv6 bgp peers [vrf all|default]`: the detail of the
  IPv4 (IPv6) neighbors; a session that is down (the `sessions_down` fault) is `Active` with router ID
  0.0.0.0 and no established time, as the recorded down peer shows it.

The lab has the default VRF only. It does not count BGP messages, nor model timers beyond the configured
defaults, capabilities or TCP details, so those keys are absent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from routerlab.device import BgpSession

if TYPE_CHECKING:
    from routerlab.eos.server import EosDevice

#: EOS's default BGP timers (seconds)
HOLD_TIME_S, KEEPALIVE_S = 180, 60


def _sessions(device: "EosDevice", version: int) -> list[BgpSession]:
    return [session for session in device.bgp_sessions() if session.version == version]


def _asn(value: int | None) -> str:
    return str(value) if value is not None else ""


def show_summary(device: "EosDevice", version: int) -> tuple[dict, str]:
    peers = {}
    for session in _sessions(device, version):
        peers[session.neighbor] = {
            "version": 4, "asn": _asn(session.peer_as), "prefixAccepted": session.accepted,
            "prefixReceived": session.received, "upDownTime": session.since, "underMaintenance": False,
            "peerState": "Established" if session.established else "Active",
            **({"description": session.description} if session.description is not None else {})}
    data = {"vrfs": {"default": {"vrf": "default", "routerId": device.router_id(), "asn": _asn(device.local_as()),
                                 "peers": peers}}}
    text = "".join(f"  {neighbor} 4 {peer['asn']} {peer['peerState']} {peer['prefixReceived']} "
                   f"{peer['prefixAccepted']}\n" for neighbor, peer in peers.items())
    return data, text


def show_neighbors(device: "EosDevice", version: int) -> tuple[dict, str]:
    now = device.clock.now()
    local_as = device.local_as()
    peer_list = []
    for session in _sessions(device, version):
        up = session.established
        sent, received = (session.sent, session.received) if up else (0, 0)
        local = device.local_address(session.neighbor)
        peer = {
            "peerAddress": session.neighbor, "asn": _asn(session.peer_as),
            "linkType": "internal" if session.peer_as == local_as else "external",
            "routerId": session.peer_router_id if up else "0.0.0.0", "vrf": "default", "version": 4,
            "holdTime": HOLD_TIME_S if up else 0, "keepaliveTime": KEEPALIVE_S if up else 0,
            "configHoldTime": HOLD_TIME_S, "configKeepaliveTime": KEEPALIVE_S,
            "state": "Established" if up else "Active",
            "establishedTransitions": session.flaps + (1 if up else 0),
            "lastState": "OpenConfirm" if up else "Idle",
            "prefixesSent": sent if version == 4 else 0, "prefixesReceived": received if version == 4 else 0,
            "v6PrefixesSent": sent if version == 6 else 0, "v6PrefixesReceived": received if version == 6 else 0,
            "localAsn": _asn(local_as), "localRouterId": device.router_id(), "updateSource": local or ""}
        if up:
            peer["establishedTime"] = max(0, int(now - session.since))
            interface = device.outgoing_interface(session.neighbor)
            if interface is not None:
                peer["ifName"] = interface
        if session.description is not None:
            peer["description"] = session.description
        peer_list.append(peer)
    data = {"vrfs": {"default": {"peerList": peer_list}}}
    text = "".join(f"BGP neighbor is {peer['peerAddress']}, remote AS {peer['asn']}, {peer['linkType']} link\n"
                   f"  BGP state is {peer['state']}\n" for peer in peer_list)
    return data, text
