"""What each BGP session of a config announces, read from the config text the way the router would apply it,
so tests can check that a session never announces a pool of the other address family.

`announcements(vendor, text)` -> {neighbor address: set of announced prefixes}, for the baseline's own
routes (the pool prefixes the config originates or filters on), with the managed policies applied as the
text has them. The model of each vendor is deliberately small, just what the renderer writes:

- EOS: an IPv4-transport neighbor is active for IPv4 unicast unless `no neighbor X activate` under
  `address-family ipv4`; an IPv6-transport one only with `neighbor X activate` there (`bgp default
  ipv4-unicast transport ipv6` is off by default). Nobody is active for IPv6 unicast without `neighbor X
  activate` under `address-family ipv6`. A family's routes are its `network` statements (IPv4 in router-bgp
  mode or `address-family ipv4`, IPv6 under `address-family ipv6`), passed through the neighbor's outbound
  prefix-list of that family (router-bgp mode applies to IPv4 unicast) and its outbound route-map (all
  families); a neighbor without an outbound prefix-list announces every route of the family, which the
  tests treat as a leak.
- Junos: a neighbor negotiates the families of its own `family` statements, else its group's, else IPv4
  unicast only. Every pool prefix the config names (any prefix-list) is a candidate route; a route of a
  negotiated family goes through the neighbor's (else the group's) export chain: terms in order, a term
  matches when its `from prefix-list` (or route-filter) holds the prefix or it has no `from`; `accept`
  announces, `reject` drops, `next policy` moves on, a term that only modifies goes to the next term; a route
  no policy decides is announced (BGP's default export).
"""
from __future__ import annotations

import ipaddress

from trafficshift.render.readback import _junos_tree


def _version(address: str) -> int:
    return ipaddress.ip_address(address).version


# -- EOS --------------------------------------------------------------------------------------------------------
def _eos_model(text: str) -> dict:
    lists: dict[str, list[tuple[str, str]]] = {}  # name -> [(action, prefix)] in sequence order
    route_maps: dict[str, list[tuple[int, str, str | None]]] = {}  # name -> [(seq, permit|deny, match list)]
    bgp = {"neighbors": set(), "activate": {}, "prefix_list": {}, "route_map": {}, "network": {4: [], 6: []},
           "af_lines": {4: [], 6: []}}
    block, family, route_map = None, None, None
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 3
        words = stripped.split()
        if depth == 0:
            block, family, route_map = None, None, None
            if words[:2] == ["ip", "prefix-list"] and "seq" in words:
                seq = words.index("seq")
                lists.setdefault(words[2], []).append((words[seq + 2], words[seq + 3]))
            elif words[:2] in (["ip", "prefix-list"], ["ipv6", "prefix-list"]):  # block form
                block, route_map = "pfx", words[2]
                lists.setdefault(words[2], [])
            elif words[0] == "route-map" and len(words) == 4:
                block, route_map = "route-map", (words[1], int(words[3]), words[2])
                route_maps.setdefault(words[1], []).append((int(words[3]), words[2], None))
            elif words[:2] == ["router", "bgp"]:
                block = "bgp"
            continue
        if block == "pfx" and words[0] == "seq":
            lists[route_map].append((words[2], words[3]))
        elif block == "route-map" and words[0] == "match" and "prefix-list" in words:
            name, seq, action = route_map
            route_maps[name] = [(s, a, words[-1] if s == seq else m) for s, a, m in route_maps[name]]
        elif block == "bgp" and depth == 1:
            family = {"ipv4": 4, "ipv6": 6}.get(words[1]) if words[0] == "address-family" else None
            if family is None:
                _eos_bgp_line(bgp, words, 4, in_af=False)
        elif block == "bgp" and depth == 2 and family is not None:
            bgp["af_lines"][family].append(stripped)
            _eos_bgp_line(bgp, words, family, in_af=True)
    return {"lists": lists, "route_maps": route_maps, "bgp": bgp}


def _eos_bgp_line(bgp: dict, words: list[str], family: int, in_af: bool) -> None:
    negated = words[0] == "no"
    words = words[1:] if negated else words
    if words[0] == "network":
        bgp["network"][family].append(words[1])
    elif words[0] == "neighbor" and len(words) >= 3:
        address = words[1]
        try:
            _version(address)
        except ValueError:
            return  # a peer group
        if words[2] == "remote-as":
            bgp["neighbors"].add(address)
        elif words[2] == "activate" and in_af:
            bgp["activate"][(address, family)] = not negated
        elif words[2] == "prefix-list" and words[-1] == "out":
            bgp["prefix_list"][(address, family)] = words[3]
        elif words[2] == "route-map" and words[-1] == "out":
            bgp["route_map"][address] = words[3]


def _eos_permits(lists: dict, name: str, prefix: str) -> bool:
    network = ipaddress.ip_network(prefix)
    for action, entry in lists.get(name, []):
        entry = ipaddress.ip_network(entry)
        if entry.version == network.version and (entry == network or (entry.prefixlen == 0 and action == "deny")):
            return action == "permit"
    return False


def _eos_route_map_permits(model: dict, name: str | None, prefix: str) -> bool:
    if name is None:
        return True
    family = ipaddress.ip_network(prefix).version
    for _, action, match in sorted(model["route_maps"].get(name, [])):
        if match is None or (model["lists"].get(match) and all(
                ipaddress.ip_network(p).version == family for _, p in model["lists"][match])
                and _eos_permits(model["lists"], match, prefix)):
            return action == "permit"
    return False  # a route-map denies what no entry permits


def eos_announcements(text: str) -> dict[str, set[str]]:
    model = _eos_model(text)
    bgp = model["bgp"]
    out: dict[str, set[str]] = {}
    for neighbor in sorted(bgp["neighbors"]):
        announced = set()
        for family in (4, 6):
            default = family == 4 and _version(neighbor) == 4
            if not bgp["activate"].get((neighbor, family), default):
                continue
            prefix_list = bgp["prefix_list"].get((neighbor, family))
            for prefix in bgp["network"][family]:
                if prefix_list is not None and not _eos_permits(model["lists"], prefix_list, prefix):
                    continue
                if _eos_route_map_permits(model, bgp["route_map"].get(neighbor), prefix):
                    announced.add(prefix if prefix_list is not None else f"UNFILTERED {prefix}")
        out[neighbor] = announced
    return out


def eos_address_family_neighbors(text: str) -> dict[int, set[str]]:
    """The neighbor addresses named under `address-family ipv4` / `ipv6` (activated, deactivated or with a
    setting)."""
    bgp = _eos_model(text)["bgp"]
    named = {4: set(), 6: set()}
    for family, lines in bgp["af_lines"].items():
        for line in lines:
            words = line.removeprefix("no ").split()
            if words[0] == "neighbor":
                named[family].add(words[1])
    return named


# -- Junos ------------------------------------------------------------------------------------------------------
def _children(tree: list, *path: str) -> list:
    """The statements below `path`, over every block of that name (a rendered baseline and shift block each
    have a `policy-options`), `replace:` tags dropped."""
    nodes = tree
    for word in path:
        nodes = [child for words, children in nodes if " ".join(_untagged(words)) == word and children is not None
                 for child in children]
    return [(_untagged(words), children) for words, children in nodes]


def _untagged(words: tuple) -> tuple:
    return tuple(word for word in words if word not in ("replace:", "delete:"))


def _leaf_values(body: list, key: str) -> list[str]:
    return [value for words, _ in body if words[:1] == (key,) for value in words[1:]]


def _families(body: list) -> set[int] | None:
    families = {words[1] for words, _ in body if words[:1] == ("family",) and len(words) > 1}
    return {{"inet": 4, "inet6": 6}[f] for f in families if f in ("inet", "inet6")} if families else None


def _term_clauses(words: tuple, children) -> list[tuple]:
    if children is None:
        return [words[1:]] if len(words) > 1 else []
    return [child for child, _ in children]


def junos_announcements(text: str) -> dict[str, set[str]]:
    tree = _junos_tree(text)
    options = _children(tree, "policy-options")
    lists = {words[1]: {w[0] for w, _ in (body or [])} for words, body in options
             if words[:1] == ("prefix-list",) and len(words) == 2}
    policies = {words[1]: body or [] for words, body in options if words[:1] == ("policy-statement",)}
    candidates = {prefix for prefixes in lists.values() for prefix in prefixes}

    def decision(chain: list[str], prefix: str) -> bool:
        for name in chain:
            verdict = None
            for words, body in policies.get(name, []):
                if words[:1] != ("term",) or body is None:
                    continue
                matches, action = True, None
                for clause_words, clause_body in body:
                    clauses = _term_clauses(clause_words, clause_body)
                    if clause_words[:1] == ("from",):
                        names = [c[1] for c in clauses if c[:1] == ("prefix-list",)]
                        filters = [c[1] for c in clauses if c[:1] == ("route-filter",)]
                        matches = any(prefix in lists.get(n, ()) for n in names) or prefix in filters
                    elif clause_words[:1] == ("then",):
                        for clause in clauses:
                            if clause in (("accept",), ("reject",)):
                                action = clause[0]
                            elif clause == ("next", "policy"):
                                action = "next"
                if not matches or action is None:
                    continue
                verdict = action
                break
            if verdict in ("accept", "reject"):
                return verdict == "accept"
        return True  # BGP's default export policy announces active BGP routes

    out: dict[str, set[str]] = {}
    for words, group in _children(tree, "protocols", "bgp"):
        if words[:1] != ("group",) or group is None:
            continue
        group_families, group_export = _families(group), _leaf_values(group, "export")
        for neighbor_words, neighbor in group:
            if neighbor_words[:1] != ("neighbor",):
                continue
            neighbor = neighbor or []
            families = _families(neighbor) or group_families or {4}
            chain = _leaf_values(neighbor, "export") or group_export
            out[neighbor_words[1]] = {p for p in candidates
                                      if ipaddress.ip_network(p).version in families and decision(chain, p)}
    return out


ANNOUNCEMENTS = {"junos": junos_announcements, "eos": eos_announcements}


def expected_announcements(network, router: str) -> dict[str, set[str]]:
    """Per session of `router`: the prefixes of its site's pools in the session's family."""
    site = network.routers[router].site
    pools = [p for pool in network.pools.values() if site in pool.sites for p in pool.prefixes]
    return {neighbor: {str(ipaddress.ip_network(p)) for p in pools if ipaddress.ip_network(p).version == family}
            for link in network.routers[router].links.values() for family, neighbor, _ in link.sessions()}
