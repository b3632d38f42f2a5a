"""EOS routing policy, evaluated on the lab's configuration tree (issue 15): what a neighbor's inbound
route-map and prefix-list do to a route it sends, what the outbound ones do to a route the router would
send.

Semantics (the route-map model EOS shares with the other industry-standard CLIs): a route-map's entries are
tried in sequence order; the first entry whose `match` clauses all hold decides: `permit` applies its `set`
clauses and accepts, `deny` rejects; a route no entry matches is denied (the implicit deny). A prefix-list
is tried the same way, first matching `seq` deciding, the implicit deny at the end. A neighbor with neither
in one direction passes every route (the lab does not model `bgp missing-policy`). On export both a
prefix-list and a route-map apply when the neighbor has both.

Covered: `match ip|ipv6 address prefix-list`, `match community` (a standard community-list: any of its
permitted values), `set local-preference`, `set community ... additive | delete` and plain `set community`
(replace), `set as-path prepend`, `set metric`, `set origin`; prefix-list entries with `ge`/`le`. Not
covered (an entry using one never matches): `continue`, `sub-route-map`, AS-path lists, regular
expressions, large and extended communities.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

from routerlab.bgp import Route
from routerlab.eos.config import Config, Node


def _route_map_entries(config: Config, name: str) -> list[tuple[int, str, list[str]]]:
    """(sequence, permit|deny, clause lines) of route-map `name`, in sequence order."""
    entries = []
    for node in config.root.children:
        words = node.text.split()
        if words[:2] == ["route-map", name] and len(words) == 4:
            entries.append((int(words[3]), words[2], [child.text for child in node.children]))
    return sorted(entries)


def _prefix_list_entries(config: Config, family: int, name: str) -> list[tuple[int, str, str, list[str]]]:
    """(seq, permit|deny, prefix, ge/le words) of the IPv4 or IPv6 prefix-list `name`, in seq order."""
    header = f"{'ipv6' if family == 6 else 'ip'} prefix-list {name}"
    entries = []
    for node in config.root.children:
        if node.text != header:
            continue
        for child in node.children:
            words = child.text.split()
            if words[:1] == ["seq"] and len(words) >= 4:
                entries.append((int(words[1]), words[2], words[3], words[4:]))
    return sorted(entries)


def prefix_list_permits(config: Config, name: str, prefix) -> bool:
    """Whether prefix-list `name` (of the prefix's family) permits `prefix`: the first entry covering it
    decides; none (or no such list: not modelled, the lab denies) is the implicit deny."""
    for _, action, base_text, bounds in _prefix_list_entries(config, prefix.version, name):
        base = ipaddress.ip_network(base_text, strict=False)
        if base.version != prefix.version or not prefix.subnet_of(base):
            continue
        options = dict(zip(bounds[::2], (int(v) for v in bounds[1::2])))
        # no ge/le: exactly the entry's length; ge alone: up to the longest; le alone: from the entry's length
        low = options.get("ge", base.prefixlen)
        high = options.get("le", prefix.max_prefixlen if "ge" in options else base.prefixlen)
        if low <= prefix.prefixlen <= high:
            return action == "permit"
    return False


def _community_list(config: Config, name: str) -> set[str]:
    values = set()
    for node in config.root.children:
        words = node.text.split()
        if words[:2] == ["ip", "community-list"] and name in words:
            at = words.index(name)
            if words[at + 1:at + 2] == ["permit"]:
                values.update(words[at + 2:])
    return values


def _matches(config: Config, route: Route, clauses: Iterable[str]) -> bool:
    for clause in clauses:
        words = clause.split()
        if words[:1] != ["match"]:
            continue
        if words[1:3] in (["ip", "address"], ["ipv6", "address"]) and words[3:4] == ["prefix-list"]:
            family = 6 if words[1] == "ipv6" else 4
            if route.prefix.version != family or not prefix_list_permits(config, words[4], route.prefix):
                return False
        elif words[1:2] == ["community"] and len(words) > 2:
            if not _community_list(config, words[2]) & route.communities:
                return False
        else:
            return False  # a condition the lab does not model never matches
    return True


def _apply_sets(route: Route, clauses: Iterable[str]) -> Route:
    for clause in clauses:
        words = clause.split()
        if words[:2] == ["set", "local-preference"] and len(words) == 3:
            route = route.with_changes(local_pref=int(words[2]))
        elif words[:2] == ["set", "metric"] and len(words) == 3:
            route = route.with_changes(med=int(words[2]))
        elif words[:2] == ["set", "origin"] and len(words) == 3:
            route = route.with_changes(origin=words[2])
        elif words[:3] == ["set", "as-path", "prepend"]:
            route = route.with_changes(as_path=tuple(int(a) for a in words[3:]) + route.as_path)
        elif words[:2] == ["set", "community"] and len(words) > 2:
            values, mode = words[2:], "replace"
            if values[-1] in ("additive", "delete"):
                values, mode = values[:-1], values[-1]
            if mode == "additive":
                route = route.with_changes(communities=route.communities | set(values))
            elif mode == "delete":
                route = route.with_changes(communities=route.communities - set(values))
            else:
                route = route.with_changes(communities=frozenset(values))
    return route


def apply_route_map(config: Config, name: str, route: Route) -> Route | None:
    """`route` as route-map `name` leaves it, or None when denied (no such route-map: not modelled, the lab
    denies)."""
    for _, action, clauses in _route_map_entries(config, name):
        if _matches(config, route, clauses):
            return _apply_sets(route, clauses) if action == "permit" else None
    return None


def _neighbor_policy(config: Config, neighbor: str, direction: str) -> tuple[str | None, str | None]:
    """(route-map, prefix-list) under `router bgp` for `neighbor` and direction ("in"/"out"), its peer
    group's when it has none of its own."""
    applied: dict[str, dict[str, str]] = {}
    groups: dict[str, str] = {}

    def walk(node: Node) -> None:
        for child in node.children:
            words = child.text.split()
            if words[:1] == ["neighbor"] and len(words) == 5 and words[2:4] == ["peer", "group"]:
                groups[words[1]] = words[4]
            elif words[:1] == ["neighbor"] and len(words) == 5 and words[2] in ("route-map", "prefix-list") \
                    and words[4] == direction:
                applied.setdefault(words[1], {})[words[2]] = words[3]
            if child.mode is not None:
                walk(child)

    for node in config.root.children:
        if node.text.startswith("router bgp "):
            walk(node)
    key = str(ipaddress.ip_address(neighbor))
    own = next((v for k, v in applied.items() if _same(k, key)), {})
    group = applied.get(groups.get(neighbor, groups.get(key, "")), {})
    chosen = {**group, **own}
    return chosen.get("route-map"), chosen.get("prefix-list")


def _same(name: str, address: str) -> bool:
    try:
        return str(ipaddress.ip_address(name)) == address
    except ValueError:
        return False


def evaluate(config: Config, neighbor: str, route: Route, *, direction: str) -> Route | None:
    """`route` after `neighbor`'s inbound ("import") or outbound ("export") policy, or None when filtered."""
    route_map, prefix_list = _neighbor_policy(config, neighbor, "in" if direction == "import" else "out")
    if prefix_list is not None and not prefix_list_permits(config, prefix_list, route.prefix):
        return None
    if route_map is not None:
        return apply_route_map(config, route_map, route)
    return route


def configured_neighbors(config: Config) -> set[str]:
    """The neighbor addresses `router bgp` configures (a `remote-as` or a peer group of their own)."""
    found = set()

    def walk(node: Node) -> None:
        for child in node.children:
            words = child.text.split()
            session = words[2:3] == ["remote-as"] or words[2:4] == ["peer", "group"]
            if words[:1] == ["neighbor"] and session:
                try:
                    found.add(str(ipaddress.ip_address(words[1])))
                except ValueError:
                    pass  # a peer group's own settings
            if child.mode is not None:
                walk(child)

    for node in config.root.children:
        if node.text.startswith("router bgp "):
            walk(node)
    return found


def network_statements(config: Config) -> set:
    """The prefixes `router bgp` announces with `network` (its IPv4 and IPv6 address families included)."""
    found = set()

    def walk(node: Node) -> None:
        for child in node.children:
            words = child.text.split()
            if words[:1] == ["network"] and len(words) >= 2:
                try:
                    found.add(ipaddress.ip_network(words[1], strict=False))
                except ValueError:
                    pass
            if child.mode is not None:
                walk(child)

    for node in config.root.children:
        if node.text.startswith("router bgp "):
            walk(node)
    return found


def neighbor_peers(config: Config) -> dict[str, tuple[int | None, str | None]]:
    """Every configured neighbor -> (remote AS, description): its own `remote-as` and `description`, else its
    peer group's."""
    settings: dict[str, dict[str, str]] = {}
    groups: dict[str, str] = {}

    def walk(node: Node) -> None:
        for child in node.children:
            words = child.text.split()
            if words[:1] == ["neighbor"] and len(words) == 5 and words[2:4] == ["peer", "group"]:
                groups[words[1]] = words[4]
            elif words[:1] == ["neighbor"] and len(words) >= 4 and words[2] in ("remote-as", "description"):
                settings.setdefault(words[1], {})[words[2]] = " ".join(words[3:]) if words[2] == "description" \
                    else words[3]
            if child.mode is not None:
                walk(child)

    for node in config.root.children:
        if node.text.startswith("router bgp "):
            walk(node)
    peers = {}
    for neighbor in configured_neighbors(config):
        named = next((name for name in {**settings, **groups} if _same(name, neighbor)), neighbor)
        chosen = {**settings.get(groups.get(named, ""), {}), **settings.get(named, {})}
        remote_as = chosen.get("remote-as")
        peers[neighbor] = (asn(remote_as) if remote_as is not None else None, chosen.get("description"))
    return peers


def asn(text: str) -> int:
    """An AS number as EOS accepts it: asplain, or asdot ("1.10" is 65546)."""
    high, _, low = text.partition(".")
    return int(high) * 65536 + int(low) if low else int(high)
