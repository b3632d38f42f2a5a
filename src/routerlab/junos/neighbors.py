"""The BGP session RPCs of the Junos emulator (issue 15): what napalm's `get_bgp_neighbors` sends.

- `get-instance-information`: the master instance and its routing tables (the lab has no other instances,
  nor Junos' internal `__juniper_private__` ones, which napalm skips anyway).
- `get-bgp-neighbor-information` (`show bgp neighbor [instance NAME] [ADDRESS]`): one `<bgp-peer
  style="detail">` per configured neighbor, in the order of napalm's recorded replies
  (tests/lab/junos/data/get-bgp-neighbor-information.xml); a session that is down (the `sessions_down` fault)
  is `Active`, with no identifiers and no table counts, as the recorded down peer shows it.
- `get-bgp-summary-information` (`show bgp summary`): the per-table counts and one terse `<bgp-peer>` per
  neighbor with its time in the current state.

`instance NAME` selects the instances whose name begins with NAME (Juniper, "show bgp neighbor"): here the
master instance or nothing. The lab does not count BGP messages, octets or queues, and does not show the
policy chains (the route RPCs show their effect), so those elements are absent.
"""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from lxml import etree

from routerlab.device import BgpSession
from routerlab.junos.elements import E

if TYPE_CHECKING:
    from routerlab.junos.server import JunosDevice

INSTANCE = "master"
TABLES = {4: "inet.0", 6: "inet6.0"}
FAMILIES = {4: "inet-unicast", 6: "inet6-unicast"}
HOLD_TIME_S = 90


def _selected(device: "JunosDevice", instance: str | None, neighbor: str | None) -> list[BgpSession]:
    if instance is not None and not INSTANCE.startswith(instance):
        return []
    sessions = device.bgp_sessions()
    if neighbor is not None:
        wanted = str(ipaddress.ip_address(neighbor))
        sessions = [session for session in sessions if session.neighbor == wanted]
    return sessions


def instance_information(device: "JunosDevice") -> list:
    counts = {}
    for prefix, _ in device.candidates().items():
        counts[prefix.version] = counts.get(prefix.version, 0) + 1
    ribs = [E("instance-rib", E("irib-name", text=name), E("irib-active-count", text=str(counts.get(version, 0))),
              E("irib-holddown-count", text="0"), E("irib-hidden-count", text=str(device.hidden_count(version))))
            for version, name in TABLES.items()]
    return [E("instance-information", E("instance-core", E("instance-name", text=INSTANCE),
                                        E("instance-type", text="forwarding"), *ribs))]


def neighbor_information(device: "JunosDevice", instance: str | None, neighbor: str | None) -> list:
    local_as = device.local_as()
    return [E("bgp-information", *[_peer_detail(device, session, local_as)
                                   for session in _selected(device, instance, neighbor)])]


def _peer_detail(device: "JunosDevice", session: BgpSession, local_as: int | None) -> etree._Element:
    up = session.established
    children = [E("peer-address", text=f"{session.neighbor}+179" if up else session.neighbor),
                E("peer-as", text=str(session.peer_as or 0)), E("local-address", text=device.local_address(session.neighbor) or ""),
                E("local-as", text=str(local_as or 0))]
    if session.description is not None:
        children.append(E("description", text=session.description))
    children += [E("peer-cfg-rti", text=INSTANCE), E("peer-fwd-rti", text=INSTANCE),
                 E("peer-type", text="Internal" if session.peer_as == local_as else "External"),
                 E("peer-state", text="Established" if up else "Active"),
                 E("peer-flags", text="Sync" if up else None),
                 E("last-state", text="OpenConfirm" if up else "Idle"),
                 E("last-event", text="RecvKeepAlive" if up else "Start"),
                 E("last-error", text="None" if session.flaps == 0 else "Cease"),
                 E("bgp-option-information",
                   E("bgp-options", text="Preference PeerAS Refresh"), E("bgp-options2"),
                   E("bgp-options-extended"), E("address-families", text=FAMILIES[session.version]),
                   E("holdtime", text=str(HOLD_TIME_S)), E("preference", text="170")),
                 E("flap-count", text=str(session.flaps))]
    if up:
        children += [E("peer-id", text=session.peer_router_id), E("local-id", text=device.router_id()),
                     E("active-holdtime", text=str(HOLD_TIME_S)), E("keepalive-interval", text=str(HOLD_TIME_S // 3)),
                     E("nlri-type-peer", text=FAMILIES[session.version]),
                     E("nlri-type-session", text=FAMILIES[session.version]),
                     E("bgp-rib", E("name", text=TABLES[session.version]), E("send-state", text="in sync"),
                       *_counts(session), E("advertised-prefix-count", text=str(session.sent)), junos_style="detail")]
    return E("bgp-peer", *children, junos_style="detail")


def _counts(session: BgpSession) -> list[etree._Element]:
    return [E("active-prefix-count", text=str(session.active)),
            E("received-prefix-count", text=str(session.received)),
            E("accepted-prefix-count", text=str(session.accepted)), E("suppressed-prefix-count", text="0")]


def summary_information(device: "JunosDevice", instance: str | None) -> list:
    sessions = _selected(device, instance, None)
    now = device.clock.now()
    groups = {session.version for session in sessions}
    children = [E("group-count", text=str(len(groups))), E("peer-count", text=str(len(sessions))),
                E("down-peer-count", text=str(sum(1 for session in sessions if not session.established)))]
    for version, name in TABLES.items():
        of_family = [session for session in sessions if session.version == version and session.established]
        if not any(session.version == version for session in sessions):
            continue
        received = sum(session.received for session in of_family)
        accepted = sum(session.accepted for session in of_family)
        active = sum(session.active for session in of_family)
        children.append(E("bgp-rib", E("name", text=name), E("total-prefix-count", text=str(received)),
                          E("received-prefix-count", text=str(received)),
                          E("accepted-prefix-count", text=str(accepted)),
                          E("active-prefix-count", text=str(active)), E("suppressed-prefix-count", text="0"),
                          junos_style="brief"))
    for session in sessions:
        elapsed = max(0, int(now - session.since))
        peer = [E("peer-address", text=session.neighbor), E("peer-as", text=str(session.peer_as or 0)),
                E("flap-count", text=str(session.flaps)),
                E("elapsed-time", text=_elapsed(elapsed), junos_seconds=str(elapsed))]
        if session.established:
            peer += [E("peer-state", text="Established", junos_format="Establ"),
                     E("bgp-rib", E("name", text=TABLES[session.version]), *_counts(session), junos_style="terse")]
        else:
            peer.append(E("peer-state", text="Active"))
        children.append(E("bgp-peer", *peer, junos_style="terse"))
    return [E("bgp-information", *children)]


def _elapsed(seconds: int) -> str:
    """How `show bgp summary` words a time in state: "4:07", "1:02:03", "3d 4:05:06"."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{days}d {clock}" if days else clock
