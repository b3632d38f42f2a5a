"""Read the managed traffic-shift block back out of a router's running config, as plan intents.

`read_intents(network, router, running_config)` is the inverse of `render.render_shift` for what the router
keeps: render intents -> commit -> read back gives the same intents again, except `Detour.from_link`,
which exists only in the plan (the router is told where traffic goes, not where it came from) and reads
back as None.

Both vendors are first parsed into the same neutral terms (policy, match, action), then interpreted once:
- `TS-IN-<link>`: a term setting local-preference on `TS-DETOUR[6]-<link>` prefixes (EOS: a prefix-list,
  Junos: inlined route-filters) -> one `Detour` per prefix;
- `TS-OUT-<link>`: a term prepending on `POOL[6]-<pool>` -> `Prepend` (count = prepended AS numbers), a
  rejecting term on it -> `Withdraw`; the IPv4 and IPv6 terms of one pool give one intent.
Managed policies for an interface the router no longer has in the pillar are not intents the renderer
could express, so they are skipped (the next render deletes or replaces what it manages).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from trafficshift.errors import TrafficShiftError
from trafficshift.model import Network
from trafficshift.model.plan import Detour, Intent, Prepend, Withdraw, sort_intents
from trafficshift.render.structure import MANAGED_PREFIX, PresentObjects, object_suffix

POOL_LIST = re.compile(r"POOL6?-(?P<pool>.+)")
DETOUR_LIST = re.compile(rf"{MANAGED_PREFIX}DETOUR6?-.+")


class ReadbackError(TrafficShiftError):
    """The running config could not be parsed."""


@dataclass(frozen=True)
class Term:
    """One managed policy term as the router holds it, vendor-neutral."""

    policy: str
    action: str  # modify | reject | pass
    match_list: str | None = None
    prefixes: tuple[str, ...] = ()  # the matched prefixes when the router inlines them (Junos route-filters)
    local_pref: int | None = None
    prepend_count: int = 0


def read_intents(network: Network, router: str, running_config: str) -> tuple[Intent, ...]:
    """The intents for `router` that its running config carries, sorted like a plan's."""
    vendor = network.routers[router].vendor
    if vendor == "junos":
        terms, lists = _junos_terms(running_config)
    elif vendor == "eos":
        terms, lists = _eos_terms(running_config)
    else:
        raise ReadbackError(f"{router}: cannot read back {vendor!r} configs")
    links = {object_suffix(link): link for link in network.routers[router].links}
    intents: dict[tuple, Intent] = {}
    for term in terms:
        direction, _, suffix = term.policy[len(MANAGED_PREFIX):].partition("-")
        link = links.get(suffix)
        if link is None:
            continue
        for intent in _intents(router, link, direction, term, lists):
            intents.setdefault(intent.key(), intent)
    return sort_intents(intents.values())


def read_present_objects(vendor: str, running_config: str) -> PresentObjects:
    """What a router's running config holds that a new baseline has to account for: the pool prefix-lists
    (and EOS `network` statements), so it removes what the pillar no longer has (`structure.with_present`),
    every BGP neighbor's effective import and export chain, so ours goes in front of the operator's, the
    policy names (Junos policy-statements, EOS route-maps) and (EOS) our detour prefix-lists, so the managed
    objects of a link the pillar no longer has are found."""
    if vendor == "junos":
        lists, policies = {}, []
        tree = _junos_tree(running_config)
        for words, children in tree:
            if words != ("policy-options",) or children is None:
                continue
            for list_words, body in children:
                if list_words[:1] == ("prefix-list",) and len(list_words) == 2 and body is not None \
                        and POOL_LIST.fullmatch(list_words[1]):
                    lists[list_words[1]] = tuple(entry[0] for entry, _ in body if entry)
                elif list_words[:1] == ("policy-statement",) and len(list_words) == 2:
                    policies.append(list_words[1])
        return PresentObjects(lists, chains=_junos_chains(tree), policies=tuple(sorted(policies)))
    if vendor == "eos":
        _, all_lists = _eos_terms(running_config)
        blocks = _eos_blocks(running_config)
        bgp = [body for head, body in blocks if head.startswith("router bgp ")]
        networks = tuple(line.split()[1] for body in bgp for line in body
                         if line.startswith("network ") and len(line.split()) >= 2)
        route_maps = {head.split()[1] for head, _ in blocks if head.startswith("route-map ") and len(head.split()) >= 2}
        return PresentObjects({name: prefixes for name, prefixes in all_lists.items() if POOL_LIST.fullmatch(name)},
                              networks, chains=_eos_chains([line for body in bgp for line in body]),
                              policies=tuple(sorted(route_maps)),
                              detour_lists=tuple(sorted(name for name in all_lists if DETOUR_LIST.fullmatch(name))))
    raise ReadbackError(f"cannot read back {vendor!r} configs")


def _chain_key(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _junos_chains(tree: list) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Neighbor address -> (import chain, export chain) as the router applies them: a neighbor's own
    statement overrides its group's, a group's overrides the global `protocols bgp` one (Juniper, "Applying
    Routing Policy": "A peer-level import or export statement overrides a group import or export
    statement")."""
    def own(body) -> dict[str, tuple[str, ...]]:
        return {words[0]: tuple(words[1:]) for words, children in body or ()
                if children is None and words[:1] in (("import",), ("export",))}

    chains = {}
    for words, children in tree:
        if words != ("protocols",) or children is None:
            continue
        for bgp_words, bgp in children:
            if bgp_words != ("bgp",) or bgp is None:
                continue
            top = own(bgp)
            for group_words, group in bgp:
                if group_words[:1] != ("group",) or group is None:
                    continue
                in_group = {**top, **own(group)}
                for neighbor_words, neighbor in group:
                    key = _chain_key(neighbor_words[1]) if neighbor_words[:1] == ("neighbor",) \
                        and len(neighbor_words) == 2 else None
                    if key is not None:
                        chain = {**in_group, **own(neighbor)}
                        chains[key] = (chain.get("import", ()), chain.get("export", ()))
    return chains


def _eos_chains(bgp_lines: list[str]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Neighbor address -> (inbound, outbound) route-maps and prefix-lists under `router bgp` (any address
    family), a peer group's applying to its members unless the neighbor has its own of that kind."""
    applied: dict[str, dict[tuple[str, str], str]] = {}
    groups: dict[str, str] = {}
    for line in bgp_lines:
        words = line.split()
        if words[:1] != ["neighbor"] or len(words) < 4:
            continue
        if words[2:4] == ["peer", "group"] and len(words) == 5:
            groups[words[1]] = words[4]
        elif words[2] in ("route-map", "prefix-list") and len(words) == 5 and words[4] in ("in", "out"):
            applied.setdefault(words[1], {})[(words[2], words[4])] = words[3]
    chains = {}
    for name in set(applied) | set(groups):
        key = _chain_key(name)
        if key is None:
            continue  # a peer group
        policies = {**applied.get(groups.get(name, ""), {}), **applied.get(name, {})}
        chains[key] = tuple(tuple(policies[kind, direction] for kind in ("route-map", "prefix-list")
                                  if (kind, direction) in policies) for direction in ("in", "out"))
    return chains


def _intents(router: str, link: str, direction: str, term: Term, lists: dict[str, tuple[str, ...]]):
    if direction == "IN":
        if term.local_pref is None:
            return []
        detour_list = term.match_list if DETOUR_LIST.fullmatch(term.match_list or "") else None
        prefixes = lists.get(detour_list, ()) if detour_list else term.prefixes
        return [Detour(router, link, prefix, None, term.local_pref) for prefix in prefixes]
    pool = POOL_LIST.fullmatch(term.match_list or "") if direction == "OUT" else None
    if pool is None:
        return []
    if term.action == "reject":
        return [Withdraw(router, link, pool["pool"])]
    if term.prepend_count:
        return [Prepend(router, link, pool["pool"], term.prepend_count)]
    return []


# -- Junos: curly-brace text ----------------------------------------------------------------------------------

JUNOS_TOKEN = re.compile(r'\s+|/\*.*?\*/|#[^\n]*|"(?:[^"\\]|\\.)*"|[{};\[\]]|[^\s{};\[\]"]+', re.S)


def _junos_tree(text: str) -> list:
    """Statements as (words, children or None); `[ a b ]` lists join the statement's words. Reads the
    running config and our own rendered text alike."""
    root: list = []
    stack = [root]
    words: list[str] = []
    in_list = False
    for match in JUNOS_TOKEN.finditer(text):
        token = match.group()
        if token.isspace() or token.startswith(("/*", "#")) or token == "replace:":
            continue  # `replace:` only says how a load applies the statement after it
        if token == "[":
            in_list = True
        elif token == "]":
            in_list = False
        elif token == ";" and not in_list:
            stack[-1].append((tuple(words), None))
            words = []
        elif token == "{":
            children: list = []
            stack[-1].append((tuple(words), children))
            stack.append(children)
            words = []
        elif token == "}":
            if len(stack) == 1:
                raise ReadbackError("unbalanced '}' in the Junos config")
            stack.pop()
        else:
            words.append(token[1:-1] if token.startswith('"') else token)
    if len(stack) != 1:
        raise ReadbackError("unterminated block in the Junos config")
    return root


def _clauses(words: tuple, children) -> list[tuple]:
    """`from prefix-list X;` and `from { prefix-list X; }` alike -> [("prefix-list", "X")]."""
    if children is None:
        return [words[1:]] if len(words) > 1 else []
    return [child_words for child_words, _ in children]


def _junos_terms(text: str) -> tuple[list[Term], dict]:
    terms = []
    for words, children in _junos_tree(text):
        if words != ("policy-options",) or children is None:
            continue
        for policy_words, policy_body in children:
            if len(policy_words) != 2 or policy_words[0] != "policy-statement" or policy_body is None \
                    or not policy_words[1].startswith(MANAGED_PREFIX):
                continue
            for term_words, term_body in policy_body:
                if term_words[:1] == ("term",) and term_body is not None:
                    terms.append(_junos_term(policy_words[1], term_body))
    return terms, {}


def _junos_term(policy: str, body: list) -> Term:
    match_list, prefixes, action, local_pref, prepend = None, [], "modify", None, 0
    for words, children in body:
        if words[:1] == ("from",):
            for clause in _clauses(words, children):
                if clause[:1] == ("prefix-list",) and len(clause) > 1:
                    match_list = clause[1]
                elif clause[:1] == ("route-filter",) and len(clause) > 1:
                    prefixes.append(clause[1])
        elif words[:1] == ("then",):
            for clause in _clauses(words, children):
                if clause == ("reject",):
                    action = "reject"
                elif clause == ("next", "policy"):
                    action = "pass"
                elif clause[:1] == ("local-preference",) and len(clause) > 1:
                    local_pref = int(clause[1])
                elif clause[:1] == ("as-path-prepend",) and len(clause) > 1:
                    prepend = len(" ".join(clause[1:]).split())
    return Term(policy, action, match_list, tuple(prefixes), local_pref, prepend)


# -- EOS: running-config text ---------------------------------------------------------------------------------

def _eos_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Top-level lines with the indented lines under them."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.strip() == "!":
            continue
        if line[0].isspace():
            if blocks:
                blocks[-1][1].append(line.strip())
        else:
            blocks.append((line.strip(), []))
    return blocks


def _eos_terms(text: str) -> tuple[list[Term], dict]:
    lists: dict[str, list[str]] = {}
    terms = []
    for head, body in _eos_blocks(text):
        words = head.split()
        # IPv4 prefix-lists come in two forms: one line per entry (what we render), or a block of `seq`
        # entries (what EOS 4.32 shows, and IPv6 lists always)
        if words[:2] == ["ip", "prefix-list"] and len(words) >= 7 and words[3] == "seq" and words[5] == "permit":
            lists.setdefault(words[2], []).append(words[6])
        elif words[:2] in (["ip", "prefix-list"], ["ipv6", "prefix-list"]) and len(words) == 3:
            lists.setdefault(words[2], []).extend(
                line.split()[3] for line in body if len(line.split()) >= 4 and line.split()[2] == "permit")
        elif words[:1] == ["route-map"] and len(words) >= 3 and words[1].startswith(MANAGED_PREFIX):
            terms.append(_eos_entry(words[1], words[2], body))
    return terms, {name: tuple(prefixes) for name, prefixes in lists.items()}


def _eos_entry(policy: str, verb: str, body: list[str]) -> Term:
    match_list, local_pref, prepend = None, None, 0
    for line in body:
        words = line.split()
        if words[:1] == ["match"] and "prefix-list" in words:
            match_list = words[-1]
        elif words[:2] == ["set", "local-preference"] and len(words) == 3:
            local_pref = int(words[2])
        elif words[:3] == ["set", "as-path", "prepend"]:
            prepend = len(words) - 3
    action = "reject" if verb == "deny" else "modify" if match_list else "pass"
    return Term(policy, action, match_list, (), local_pref, prepend)
