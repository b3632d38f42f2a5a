"""Junos routing policy, evaluated on the lab's configuration tree (issue 15): what an import chain does to
a route a neighbor sends, what an export chain does to a route the router would send.

Semantics (Juniper, "How a Routing Policy Is Evaluated" and "Applying Routing Policies and Policy Chains to
Routing Protocols"): the policies of a chain are evaluated left to right and the terms of a policy in
order. A term matches when every kind of condition in its `from` matches (several values of one kind: any
of them); its actions then apply, and a modification carries forward to the rest of the chain. `accept` and
`reject` end the evaluation, `next policy` skips to the next policy, and a term without one of them goes on
to the next term (`next term`). A route no policy decides gets the protocol's default policy: BGP import
accepts every route; BGP export advertises the active BGP routes and nothing else.

Covered: `from` prefix-list, prefix-list-filter, route-filter (exact, orlonger, longer, upto,
prefix-length-range), community (all members of one named community; several names: any), neighbor,
protocol, family; `then` local-preference, community add/delete/set, as-path-prepend, metric, origin,
accept, reject, next term, next policy; a policy's own unnamed `from`/`then` after its terms. Not covered
(an unknown condition never matches, so a term using one is skipped): as-path regular expressions,
community regular expressions, policy subroutines, route-filter longest-match across a term's filters (any
filter that matches counts).
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Sequence

from routerlab.bgp import Route
from routerlab.junos.config import Node

ACCEPT, REJECT = "accept", "reject"


def _statements(node: Node | None) -> list[tuple[str, ...]]:
    """The statements directly below `node` as word tuples, whatever shape the tree keeps them in."""
    if node is None:
        return []
    out: list[tuple[str, ...]] = []
    for child in node.children.values():
        if child.kind == "leaf":
            out.append(tuple(child.words))
        elif child.kind == "list":
            out.extend((child.key, value) for value in child.values)
        else:
            out.append(tuple(child.name_words))
    return out


def _policy_options(tree: Node) -> Node:
    return tree.find("policy-options") or Node.root()


def _prefix_list(tree: Node, name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    node = _policy_options(tree).find(f"prefix-list {name}")
    return [ipaddress.ip_network(words[0], strict=False) for words in _statements(node) if words]


def _members(tree: Node, name: str) -> set[str] | None:
    node = _policy_options(tree).find(f"community {name}")
    if node is None:
        return None
    return {value for words in _statements(node) if words[:1] == ("members",) for value in words[1:]}


def _filter_matches(prefix, base, how: Sequence[str]) -> bool:
    if prefix.version != base.version or not prefix.subnet_of(base):
        return False
    length = prefix.prefixlen
    kind = how[0] if how else "exact"
    if kind == "exact":
        return prefix == base
    if kind == "orlonger":
        return True
    if kind == "longer":
        return length > base.prefixlen
    if kind == "upto" and len(how) > 1:
        return length <= int(how[1].lstrip("/"))
    if kind == "prefix-length-range" and len(how) > 1:
        low, _, high = how[1].partition("-")
        return int(low.lstrip("/")) <= length <= int(high.lstrip("/"))
    return False


def _condition(tree: Node, route: Route, words: tuple[str, ...]) -> tuple[str, bool]:
    """(kind, whether `route` meets this one condition)."""
    kind = words[0]
    if kind == "prefix-list" and len(words) > 1:
        return kind, route.prefix in _prefix_list(tree, words[1])
    if kind == "prefix-list-filter" and len(words) > 1:
        return kind, any(_filter_matches(route.prefix, base, words[2:]) for base in _prefix_list(tree, words[1]))
    if kind == "route-filter" and len(words) > 1:
        return kind, _filter_matches(route.prefix, ipaddress.ip_network(words[1], strict=False), words[2:])
    if kind == "community" and len(words) > 1:
        members = _members(tree, words[1])
        return kind, bool(members) and members <= route.communities
    if kind == "neighbor" and len(words) > 1:
        return kind, route.neighbor is not None and \
            ipaddress.ip_address(route.neighbor) == ipaddress.ip_address(words[1])
    if kind == "protocol" and len(words) > 1:
        return kind, route.protocol == words[1]
    if kind == "family" and len(words) > 1:
        return kind, {"inet": 4, "inet6": 6}.get(words[1]) == route.prefix.version
    return kind, False


def _term_matches(tree: Node, route: Route, conditions: list[tuple[str, ...]]) -> bool:
    met: dict[str, bool] = {}
    for words in conditions:
        kind, ok = _condition(tree, route, words)
        met[kind] = met.get(kind, False) or ok
    return all(met.values())


def _apply(tree: Node, route: Route, actions: list[tuple[str, ...]]) -> tuple[Route, str | None]:
    """`route` after the term's modifications, and its flow action (accept, reject, next-policy, None)."""
    flow = None
    for words in actions:
        kind = words[0]
        if kind == "local-preference" and len(words) > 1:
            route = route.with_changes(local_pref=int(words[1]))
        elif kind == "metric" and len(words) > 1:
            route = route.with_changes(med=int(words[1]))
        elif kind == "origin" and len(words) > 1:
            route = route.with_changes(origin=words[1])
        elif kind == "as-path-prepend" and len(words) > 1:
            route = route.with_changes(as_path=tuple(int(a) for a in " ".join(words[1:]).split()) + route.as_path)
        elif kind == "community" and len(words) > 2:
            members = _members(tree, words[2]) or set()
            if words[1] == "add":
                route = route.with_changes(communities=route.communities | members)
            elif words[1] == "delete":
                route = route.with_changes(communities=route.communities - members)
            elif words[1] == "set":
                route = route.with_changes(communities=frozenset(members))
        elif kind in (ACCEPT, REJECT):
            flow = kind
        elif words == ("next", "policy"):
            flow = "next-policy"
    return route, flow


def _terms(policy: Node) -> Iterable[tuple[list[tuple[str, ...]], list[tuple[str, ...]]]]:
    """(conditions, actions) per term, in order; the policy's own unnamed from/then last."""
    for child in policy.children.values():
        if child.kind == "container" and child.name_words[:1] == ["term"]:
            yield _statements(child.find("from")), _statements(child.find("then"))
    if policy.find("then") is not None or policy.find("from") is not None:
        yield _statements(policy.find("from")), _statements(policy.find("then"))


def evaluate(tree: Node, chain: Sequence[str], route: Route, *, direction: str) -> Route | None:
    """`route` as the chain leaves it (accepted), or None (rejected). `direction`: "import" or "export"."""
    for name in chain:
        policy = _policy_options(tree).find(f"policy-statement {name}")
        if policy is None:
            continue  # the commit refuses an undefined policy; a tree from elsewhere may lack one
        for conditions, actions in _terms(policy):
            if not _term_matches(tree, route, conditions):
                continue
            route, flow = _apply(tree, route, actions)
            if flow == ACCEPT:
                return route
            if flow == REJECT:
                return None
            if flow == "next-policy":
                break
    if direction == "import":
        return route
    return route if route.protocol == "bgp" else None


def neighbor_chains(tree: Node) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every configured BGP neighbor's (import chain, export chain): its own statement, else its group's,
    else the global one (Juniper: a peer-level statement overrides the group's, a group-level one the
    global one)."""
    def own(node: Node) -> dict[str, tuple[str, ...]]:
        return {key: tuple(node.children[key].values) for key in ("import", "export")
                if key in node.children and node.children[key].kind == "list"}

    bgp = tree.find("protocols", "bgp")
    if bgp is None:
        return {}
    chains = {}
    top = own(bgp)
    for group in bgp.children.values():
        if group.kind != "container" or group.name_words[:1] != ["group"]:
            continue
        in_group = {**top, **own(group)}
        for neighbor in group.children.values():
            words = neighbor.name_words
            if neighbor.kind == "container" and words[:1] == ["neighbor"] and len(words) == 2:
                chain = {**in_group, **own(neighbor)}
                chains[str(ipaddress.ip_address(words[1]))] = (chain.get("import", ()), chain.get("export", ()))
    return chains


def neighbor_peers(tree: Node) -> dict[str, tuple[int | None, str | None]]:
    """Every configured BGP neighbor -> (peer AS, description): `peer-as` of the neighbor, else of its group
    (an internal group's peers are in the router's own AS); the description the neighbor statement gives."""
    def leaf(node: Node, key: str) -> str | None:
        child = node.children.get(key)
        return child.words[1] if child is not None and child.kind == "leaf" and len(child.words) > 1 else None

    bgp = tree.find("protocols", "bgp")
    own_as = tree.find("routing-options", "autonomous-system")
    peers = {}
    for group in (bgp.children.values() if bgp is not None else ()):
        if group.kind != "container" or group.name_words[:1] != ["group"]:
            continue
        group_as = leaf(group, "peer-as")
        if group_as is None and leaf(group, "type") == "internal" and own_as is not None:
            group_as = own_as.words[1]
        for neighbor in group.children.values():
            words = neighbor.name_words
            if neighbor.kind == "container" and words[:1] == ["neighbor"] and len(words) == 2:
                peer_as = leaf(neighbor, "peer-as") or group_as
                peers[str(ipaddress.ip_address(words[1]))] = (
                    int(peer_as) if peer_as is not None else None, leaf(neighbor, "description"))
    return peers
