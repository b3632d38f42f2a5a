"""Expectations for a router's detours and their check against the routes the router shows.

A detour of prefix P toward link L holds when the router's active path for P comes from L's neighbor (the
session of P's address family) with the detour's local preference, and the active path of every
more-specific prefix inside P the router has comes from that neighbor too (forwarding follows the longest
match: a more-specific from another peer keeps P's traffic where it was). The local preference is what
carries the choice to the site's other routers over iBGP; a path from the right neighbor without it means
an import policy after ours overrode it, or the new policy has not reached the routes yet. The router's answer is NAPALM's `get_route_to(P)` result, `{prefix: [path, ...]}`; a path's
neighbor is its `next_hop` (an eBGP next hop is the neighbor's address; Junos' `remote_address` is the
peer's router ID), else its `protocol_attributes.remote_address`.

A prepend of pool X toward link L holds when L's neighbor is sent every prefix of X (of the families L's
sessions carry) with the router's AS `count + 1` times at the front of the path; a withdrawal when L's
neighbor is not sent X, while the router's other neighbors that no withdrawal names still are (a withdrawal
must move the pool's ingress elsewhere, not take it off the router). What a neighbor is sent is the router's
advertised routes toward it, `{prefix: AS path}`.

A miss whose neighbor's BGP session the router reports down says so (`with_sessions`): the check reads the
sessions only when something missed, so a passing check costs no more.

Large plans are sampled: every detour off a link the plan still predicts over target is checked, plus a
deterministic sample of the others (the `sample` detours whose prefixes hash lowest, so the same plan
always checks the same prefixes, whatever order the intents arrive in).
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import asdict, dataclass, replace
from typing import Iterable, Mapping

from trafficshift.model import Network
from trafficshift.model.plan import Detour, Intent, Prepend, Withdraw

#: why a detour did not show on the router
OTHER_NEIGHBOR = "other-neighbor"  # the active path for the prefix comes from another neighbor
NO_ROUTE = "no-route"  # the router has no route for the prefix itself
MORE_SPECIFIC = "more-specific"  # a more-specific prefix inside it leaves by another neighbor
LOCAL_PREF = "local-preference"  # the right neighbor, without the detour's local preference
STILL_SENT = "still-sent"  # a withdrawn pool's prefix is still sent to the neighbor
NOT_SENT = "not-sent"  # a prepended pool's prefix, or one no withdrawal names, is not sent to the neighbor
PREPEND_COUNT = "prepend-count"  # sent with another number of the router's AS in front


@dataclass(frozen=True, order=True)
class Expectation:
    """On `router`, the active path for `prefix` comes from `neighbor` (on `link`, the detour's alternate),
    with local preference `local_pref` (None: any)."""

    router: str
    prefix: str
    link: str
    neighbor: str
    local_pref: int | None = None


@dataclass(frozen=True, order=True)
class Miss:
    """An expectation the router's routes do not meet: `prefix` (or the more-specific `via_prefix` inside it)
    leaves by `actual` (a neighbor address; None: no route at all), not by `expected` on `link`; or by
    `expected` with local preference `local_pref`, not `expected_local_pref`."""

    router: str
    prefix: str
    link: str
    expected: str
    reason: str
    actual: str | None = None
    via_prefix: str | None = None
    local_pref: int | None = None
    expected_local_pref: int | None = None
    #: whether the router reports its BGP session to `expected` down (None: not asked, or not reported)
    session_down: bool | None = None

    def describe(self, network: Network | None = None) -> str:
        """One line for the operator: which prefix, on which router, went where instead (and why, when the
        expected neighbor's session is down)."""
        line = self._describe(network)
        if self.session_down:
            line += f"; the BGP session to {_neighbor_name(network, self.router, self.expected)} is down"
        return line

    def _describe(self, network: Network | None) -> str:
        where = _neighbor_name(network, self.router, self.actual)
        want = f"{self.expected} on {self.link}"
        if self.reason == NO_ROUTE:
            tail = f"; it follows {self.via_prefix} via {where}" if self.via_prefix else ""
            return f"{self.router}: {self.prefix} has no route of its own (expected via {want}){tail}"
        if self.reason == LOCAL_PREF:
            return f"{self.router}: {self.prefix} leaves via {where} with local preference {self.local_pref}, " \
                   f"not the detour's {self.expected_local_pref} (a later import policy overrides it, or the " \
                   f"routes do not follow the new policy yet)"
        if self.reason == MORE_SPECIFIC:
            return f"{self.router}: {self.prefix} is detoured to {want}, but the more-specific " \
                   f"{self.via_prefix} still leaves via {where}"
        return f"{self.router}: {self.prefix} leaves via {where}, not via {want}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, order=True)
class Announcement:
    """On `router`, the neighbor `neighbor` on `link` is sent `prefix` with the router's AS `own_count` times at
    the front of the path (`own_count` None: any), or not at all (`sent` False); `why` names the intent."""

    router: str
    prefix: str
    link: str
    neighbor: str
    sent: bool
    own_count: int | None
    why: str


@dataclass(frozen=True, order=True)
class AnnouncementMiss:
    """An announcement the router's advertised routes do not show: `actual_count` is how many times the
    router's AS leads the path it sends (None: it sends no route for the prefix)."""

    router: str
    prefix: str
    link: str
    neighbor: str
    reason: str
    why: str
    actual_count: int | None = None
    expected_count: int | None = None
    #: whether the router reports its BGP session to `neighbor` down (None: not asked, or not reported)
    session_down: bool | None = None

    def describe(self, network: Network | None = None) -> str:
        where = _neighbor_name(network, self.router, self.neighbor)
        if self.reason == STILL_SENT:
            return f"{self.router}: {self.prefix} is still sent to {where} ({self.why})"
        if self.reason == NOT_SENT:
            down = "; its BGP session is down" if self.session_down else ""
            return f"{self.router}: {self.prefix} is not sent to {where} ({self.why}{down})"
        return (f"{self.router}: {self.prefix} is sent to {where} with the router's AS {self.actual_count} time(s) "
                f"in front, not {self.expected_count} ({self.why})")

    def to_dict(self) -> dict:
        return asdict(self)


def _neighbor_name(network: Network | None, router: str, address: str | None) -> str:
    if address is None:
        return "no neighbor"
    if network is not None and router in network.routers:
        for interface, link in sorted(network.routers[router].links.items()):
            if any(_same(address, neighbor) for _, neighbor, _ in link.sessions()):
                return f"{address} ({interface}, {link.peer})"
    return address


def _same(a: str | None, b: str | None) -> bool:
    try:
        return a is not None and b is not None and ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


def _sample_key(prefix: str) -> bytes:
    return hashlib.sha256(prefix.encode()).digest()


def detour_expectations(network: Network, router: str, intents: Iterable[Intent], *, sample: int,
                        hot_links: Iterable[str] = ()) -> tuple[Expectation, ...]:
    """What to check on `router` for its detours among `intents`: every detour off a link of `hot_links`
    (link ids the plan predicts above target) plus `sample` of the others; sorted by prefix."""
    hot = set(hot_links)
    detours = sorted({intent for intent in intents if isinstance(intent, Detour) and intent.router == router})
    chosen = [d for d in detours if d.from_link in hot]
    others = sorted((d for d in detours if d.from_link not in hot), key=lambda d: (_sample_key(d.prefix), d))
    chosen += others[:max(0, sample)]
    expectations = set()
    links = network.routers[router].links
    for detour in chosen:
        family = ipaddress.ip_network(detour.prefix).version
        neighbor = next((address for version, address, _ in links[detour.link].sessions() if version == family), None)
        if neighbor is not None:  # validation refuses a detour onto a link without the prefix's family
            expectations.add(Expectation(router, detour.prefix, detour.link, neighbor, detour.local_pref))
    return tuple(sorted(expectations, key=lambda e: (ipaddress.ip_network(e.prefix).version,
                                                     ipaddress.ip_network(e.prefix), e.link)))


def announcement_expectations(network: Network, router: str, intents: Iterable[Intent]) -> tuple[Announcement, ...]:
    """What `router`'s neighbors must be sent for its prepends and withdrawals among `intents` (every one:
    pools are few), sorted."""
    mine = [intent for intent in intents if isinstance(intent, (Prepend, Withdraw)) and intent.router == router]
    links = network.routers[router].links
    withdrawn = {(w.link, w.pool) for w in mine if isinstance(w, Withdraw)}
    expected = set()
    for intent in mine:
        pool = network.pools.get(intent.pool)
        if pool is None:
            continue
        for prefix in pool.prefixes:
            family = ipaddress.ip_network(prefix).version
            if isinstance(intent, Prepend):
                for version, neighbor, _ in links[intent.link].sessions():
                    if version == family:
                        expected.add(Announcement(router, prefix, intent.link, neighbor, True, intent.count + 1,
                                                  f"prepend {intent.count} of pool {intent.pool}"))
                continue
            for interface, link in sorted(links.items()):
                for version, neighbor, _ in link.sessions():
                    if version != family:
                        continue
                    if interface == intent.link:
                        expected.add(Announcement(router, prefix, interface, neighbor, False, None,
                                                  f"withdrawal of pool {intent.pool}"))
                    elif (interface, intent.pool) not in withdrawn:
                        expected.add(Announcement(router, prefix, interface, neighbor, True, None,
                                                  f"pool {intent.pool} withdrawn on {intent.link} only"))
    # a prepend and a "still sent" on one neighbor: the prepend says more
    exact = {(a.neighbor, a.prefix) for a in expected if a.own_count is not None}
    return tuple(sorted(a for a in expected if a.own_count is not None or (a.neighbor, a.prefix) not in exact
                        or not a.sent))


def _leading(path: list[int], asn: int) -> int:
    count = 0
    for hop in path:
        if hop != asn:
            break
        count += 1
    return count


def check_announcements(expectations: Iterable[Announcement], advertised: Mapping[str, Mapping[str, list[int]]],
                        asn: int) -> list[AnnouncementMiss]:
    """The announcements the routes the router sends do not meet. `advertised[neighbor]` is `{prefix: AS path
    as sent}`; `asn` the router's own AS."""
    misses = []
    for want in expectations:
        sent = {str(ipaddress.ip_network(prefix, strict=False)): path
                for prefix, path in (advertised.get(want.neighbor) or {}).items()}
        path = sent.get(str(ipaddress.ip_network(want.prefix)))
        if not want.sent:
            if path is not None:
                misses.append(AnnouncementMiss(want.router, want.prefix, want.link, want.neighbor, STILL_SENT,
                                               want.why, _leading(path, asn)))
        elif path is None:
            misses.append(AnnouncementMiss(want.router, want.prefix, want.link, want.neighbor, NOT_SENT, want.why))
        elif want.own_count is not None and _leading(path, asn) != want.own_count:
            misses.append(AnnouncementMiss(want.router, want.prefix, want.link, want.neighbor, PREPEND_COUNT,
                                           want.why, _leading(path, asn), want.own_count))
    return misses


def _active_path(paths) -> dict | None:
    return next((path for path in paths or () if path.get("current_active")), None)


def _neighbor_of(path: dict | None) -> str | None:
    if path is None:
        return None
    return path.get("next_hop") or (path.get("protocol_attributes") or {}).get("remote_address") or None


def check_routes(expectations: Iterable[Expectation], replies: Mapping[str, Mapping[str, list]]) -> list[Miss]:
    """The expectations the routes do not meet. `replies[prefix]` is `get_route_to(prefix)` on the router
    (with more-specifics where the vendor shows them only on request)."""
    misses = []
    for want in expectations:
        target = ipaddress.ip_network(want.prefix)
        shown = {}
        for text, paths in (replies.get(want.prefix) or {}).items():
            try:
                shown[ipaddress.ip_network(text, strict=False)] = paths
            except ValueError:
                continue  # not a prefix (a router's oddity): nothing to judge by
        same_family = {prefix: paths for prefix, paths in shown.items() if prefix.version == target.version}
        active = _active_path(same_family.get(target))
        if active is None:
            covering = sorted((p for p in same_family if p != target and target.subnet_of(p)),
                              key=lambda p: p.prefixlen)
            via = covering[-1] if covering else None
            misses.append(Miss(want.router, want.prefix, want.link, want.neighbor, NO_ROUTE,
                               _neighbor_of(_active_path(same_family[via])) if via else None,
                               str(via) if via else None))
            continue
        hop = _neighbor_of(active)
        if not _same(hop, want.neighbor):
            misses.append(Miss(want.router, want.prefix, want.link, want.neighbor, OTHER_NEIGHBOR, hop))
            continue
        local_pref = (active.get("protocol_attributes") or {}).get("local_preference")
        if want.local_pref is not None and local_pref is not None and local_pref != want.local_pref:
            misses.append(Miss(want.router, want.prefix, want.link, want.neighbor, LOCAL_PREF, hop,
                               local_pref=local_pref, expected_local_pref=want.local_pref))
            continue
        for prefix in sorted(p for p in same_family if p != target and p.subnet_of(target)):
            inside = _active_path(same_family[prefix])
            if inside is not None and not _same(_neighbor_of(inside), want.neighbor):
                misses.append(Miss(want.router, want.prefix, want.link, want.neighbor, MORE_SPECIFIC,
                                   _neighbor_of(inside), str(prefix)))
                break
    return misses


def with_sessions(misses: Iterable[Miss | AnnouncementMiss], established: Mapping[str, bool]) -> list:
    """The misses, each saying whether the BGP session to the neighbor it concerns (a detour's alternate, the
    neighbor an announcement is for) is down. `established` maps neighbor addresses to whether the router
    reports the session up (NAPALM's `get_bgp_neighbors` `is_up`); a neighbor it does not report stays
    unknown."""
    known = {}
    for address, up in established.items():
        try:
            known[ipaddress.ip_address(address)] = bool(up)
        except ValueError:
            continue  # a name the router reports that is not an address: nothing to match
    explained = []
    for miss in misses:
        neighbor = miss.expected if isinstance(miss, Miss) else miss.neighbor
        try:
            up = known.get(ipaddress.ip_address(neighbor))
        except ValueError:
            up = None
        explained.append(replace(miss, session_down=None if up is None else not up))
    return explained


def neighbor_sends(reply: Mapping[str, list], prefix: str, neighbor: str) -> bool:
    """Whether `get_route_to(prefix)` (`reply`) shows a path for exactly `prefix` from `neighbor`, active or
    not: what a detour's exact match on the alternate's routes needs. A covering or a more-specific prefix
    does not count; nor does a route an import policy rejected (the router hides it)."""
    target = ipaddress.ip_network(prefix)
    for text, paths in (reply or {}).items():
        try:
            shown = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if shown == target and any(_same(_neighbor_of(path), neighbor) for path in paths or ()):
            return True
    return False


def more_specific_kept(reply: Mapping[str, list], prefix: str, neighbor: str) -> str | None:
    """The first more-specific inside `prefix` in `get_route_to(prefix)` (`reply`, with the more-specifics)
    whose active path comes from `neighbor`: a detour of `prefix` away from that neighbor leaves its traffic
    there (forwarding follows the longest match). None when there is none."""
    target = ipaddress.ip_network(prefix)
    inside = []
    for text, paths in (reply or {}).items():
        try:
            shown = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if shown.version == target.version and shown != target and shown.subnet_of(target) \
                and _same(_neighbor_of(_active_path(paths)), neighbor):
            inside.append(shown)
    return str(min(inside)) if inside else None
