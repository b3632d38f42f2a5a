"""The vendor-neutral intermediate structure both vendors' templates render, and how it is built.

`build(network, router_name, intents, generator)` checks every intent against the network and the vendor's
declared capabilities (raising `RenderError` before anything is rendered) and returns a `RouterConfig`:
plain frozen dataclasses, every collection sorted, so the templates only loop and print.

Managed objects (the traffic-shift block) carry the `TS-` prefix; everything else is baseline
(docs/rendering.md, "Naming").
"""
from __future__ import annotations

import ipaddress
import re
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trafficshift.errors import RenderError
from trafficshift.model import NAME_PATTERN, Network, Router, standard_community
from trafficshift.model.plan import Detour, Intent, Prepend, Withdraw, sort_intents

if TYPE_CHECKING:
    from trafficshift.render.base import Generator

MANAGED_PREFIX = "TS-"
MARKER_COMMUNITY = "TS-MARKER"
MAX_U32 = 4294967295
#: address families; IPv6 objects carry a `6` in their name (`POOL6-web`, `TS-DETOUR6-et-0-0-1`)
FAMILIES = (4, 6)


@dataclass(frozen=True)
class Term:
    """One policy term (Junos term / EOS route-map entry). `action`: modify (set attributes, then go on),
    reject (terminal), pass (the unconditional last term: Junos `next policy`, EOS bare `permit`).
    `community` is added to the matched routes, `strip_community` removed from them."""

    name: str
    seq: int
    action: str
    match_list: str | None = None
    family: int = 4  # of `match_list`
    local_pref: int | None = None
    prepend: tuple[int, ...] = ()
    community: str | None = None
    strip_community: str | None = None


@dataclass(frozen=True)
class Policy:
    name: str
    terms: tuple[Term, ...]
    managed: bool = True
    #: import policies apply to routes learned from an eBGP neighbor, export policies to those sent to it
    direction: str = "import"


@dataclass(frozen=True)
class PrefixList:
    name: str
    family: int
    prefixes: tuple[str, ...]
    managed: bool = False


@dataclass(frozen=True)
class Interface:
    name: str
    kind: str
    peer: str
    #: IPv4 interface address with length (Junos `family inet`, EOS `ip address`)
    address: str | None
    #: IPv6 interface address with length (Junos `family inet6`, EOS `ipv6 address`)
    address6: str | None = None


@dataclass(frozen=True)
class Neighbor:
    """One BGP session: a link has one per family it carries, both with the link's policies."""

    address: str
    peer: str
    peer_as: int
    import_policy: str
    export_policy: str
    #: the session's address family (its transport), the only one it carries
    family: int = 4
    #: the baseline filter of what the session announces: the announce prefix-list (EOS) / policy (Junos)
    #: of its family, `ANYCAST-OUT` or `ANYCAST6-OUT`; on Junos `ANYCAST[6]-ANNOUNCE` when the operator
    #: exports to the neighbor too (it accepts the pools and leaves every other route to their chain)
    announce: str = "ANYCAST-OUT"
    #: most prefixes the session may receive before the router tears it down (`Link.prefix_limit`)
    max_prefixes: int = 0
    #: the operator's own import and export policies the router applied to this neighbor before us (read
    #: from the router, `with_present`): they stay, after ours
    operator_import: tuple[str, ...] = ()
    operator_export: tuple[str, ...] = ()

    @property
    def import_chain(self) -> tuple[str, ...]:
        return (self.import_policy, *self.operator_import)

    @property
    def export_chain(self) -> tuple[str, ...]:
        return (self.export_policy, self.announce, *self.operator_export)


@dataclass(frozen=True)
class PresentObjects:
    """What a router's running config holds that the baseline must account for: the pool prefix-lists
    `POOL[6]-<pool>` an earlier baseline left, by name; on EOS the `network` statements under `router bgp`;
    every BGP neighbor's effective (import, export) policy chain by address, ours included; the names of all
    policies (Junos policy-statements, EOS route-maps); on EOS our detour prefix-lists."""

    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    networks: tuple[str, ...] = ()
    chains: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    policies: tuple[str, ...] = ()
    detour_lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    name: str
    neighbors: tuple[Neighbor, ...]


@dataclass(frozen=True)
class RouterConfig:
    name: str
    site: str
    hostname: str
    domain_name: str
    ntp_servers: tuple[str, ...]
    syslog_hosts: tuple[str, ...]
    asn: int
    router_id: str
    interfaces: tuple[Interface, ...]
    groups: tuple[Group, ...]
    #: every prefix this router's site announces, IPv4 first (EOS `network` statements)
    announced: tuple[str, ...]
    prefix_lists: tuple[PrefixList, ...]
    policies: tuple[Policy, ...]
    communities: dict[str, str] = field(default_factory=dict)
    #: (name, family) of every managed prefix-list this router can ever have, defined or not: EOS deletes
    #: them all before defining the current ones, so a list the plan no longer needs cannot linger
    managed_list_slots: tuple[tuple[str, int], ...] = ()
    #: the IPv4 baseline prefix-list of every announced prefix (and, on Junos, the export policy accepting
    #: the announce list); on EOS it filters every IPv4 neighbor's announcements, so it always exists there
    announce_name: str = "ANYCAST-OUT"
    #: the families with an announce filter (`announce_list(family)`): IPv4 always, IPv6 when the router has
    #: an IPv6 session. One with no prefixes announces nothing (EOS: a deny-all prefix-list, Junos: a
    #: policy of only `term REJECT`)
    announce_families: tuple[int, ...] = (4,)
    #: (name, family) of pool prefix-lists on the router that no pool of the pillar has any more, and (EOS)
    #: `network` statements for prefixes those lists, or the current ones, held that the site no longer
    #: announces: the baseline removes them (`with_present`)
    stale_lists: tuple[tuple[str, int], ...] = ()
    stale_networks: tuple[str, ...] = ()
    #: (Junos) the families whose `ANYCAST[6]-ANNOUNCE` policy some neighbor's chain uses, and those
    #: policies left on the router that no chain uses any more (deleted)
    shared_announce_families: tuple[int, ...] = ()
    stale_policies: tuple[str, ...] = ()
    #: the managed objects of links the pillar no longer has: policies a neighbor outside the pillar still
    #: applies are made pass-through (no shift of theirs stays in effect; removing them would leave the
    #: session without our announce filter), the others deleted, with (EOS) their detour prefix-lists
    departed_neutral: tuple[Policy, ...] = ()
    departed_deleted: tuple[str, ...] = ()
    departed_lists: tuple[tuple[str, int], ...] = ()

    @property
    def baseline_lists(self) -> tuple[PrefixList, ...]:
        return tuple(pl for pl in self.prefix_lists if not pl.managed)

    @property
    def managed_lists(self) -> tuple[PrefixList, ...]:
        return tuple(pl for pl in self.prefix_lists if pl.managed)

    @property
    def announce_lists(self) -> tuple[PrefixList, ...]:
        return tuple(pl for pl in self.prefix_lists if pl.name in (announce_list(4), announce_list(6)))

    def announce_name_in(self, family: int) -> str:
        return announce_list(family)

    def shared_announce_name_in(self, family: int) -> str:
        return shared_announce(family)

    def neighbors_in(self, family: int) -> tuple[Neighbor, ...]:
        """Every session of `family`, over all groups, by address."""
        return tuple(sorted((n for group in self.groups for n in group.neighbors if n.family == family),
                            key=lambda n: ipaddress.ip_address(n.address)))

    def announced_in(self, family: int) -> tuple[str, ...]:
        return tuple(p for p in self.announced if ipaddress.ip_network(p).version == family)

    def stale_networks_in(self, family: int) -> tuple[str, ...]:
        return tuple(p for p in self.stale_networks if ipaddress.ip_network(p).version == family)

    def prefix_list(self, name: str) -> PrefixList:
        return next(pl for pl in self.prefix_lists if pl.name == name)


def object_suffix(interface: str) -> str:
    """`et-0/0/1` -> `et-0-0-1`: interface names carry `/` and `:`, which policy names avoid. The vendors'
    interface patterns keep this one-to-one (no `-` where a `/` or `:` could stand)."""
    return re.sub(r"[/:]", "-", interface)


def import_policy(interface: str) -> str:
    return f"{MANAGED_PREFIX}IN-{object_suffix(interface)}"


def export_policy(interface: str) -> str:
    return f"{MANAGED_PREFIX}OUT-{object_suffix(interface)}"


def _tag(family: int) -> str:
    return "6" if family == 6 else ""


def detour_list(interface: str, family: int) -> str:
    return f"{MANAGED_PREFIX}DETOUR{_tag(family)}-{object_suffix(interface)}"


def pool_list(pool: str, family: int) -> str:
    return f"POOL{_tag(family)}-{pool}"


def announce_list(family: int) -> str:
    return f"ANYCAST{_tag(family)}-OUT"


def shared_announce(family: int) -> str:
    return f"ANYCAST{_tag(family)}-ANNOUNCE"


def is_ours(policy: str) -> bool:
    """A policy (or EOS prefix-list) name the baseline or the shift block owns, in any neighbor chain."""
    return policy.startswith(MANAGED_PREFIX) or policy in {name(family) for family in FAMILIES
                                                          for name in (announce_list, shared_announce)}


def _prefix(value: str, what: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value, strict=True)
    except (TypeError, ValueError):
        raise RenderError(f"{what}: {value!r} is not a valid prefix") from None


def _router_id(value: str, what: str) -> str:
    """Router-ids are IPv4 on both vendors."""
    try:
        parsed = ipaddress.ip_address(value)
    except (TypeError, ValueError):
        raise RenderError(f"{what}: {value!r} is not a valid address") from None
    if parsed.version != 4:
        raise RenderError(f"{what}: {value!r}: a router-id is an IPv4 address")
    return str(parsed)


def _session_address(value: str, family: int, what: str) -> str:
    """A neighbor address of `family`."""
    try:
        parsed = ipaddress.ip_address(value)
    except (TypeError, ValueError):
        raise RenderError(f"{what}: {value!r} is not a valid IP address") from None
    if parsed.version != family:
        raise RenderError(f"{what}: {value!r} is not an IPv{family} address")
    return str(parsed)


def _interface_address(value: str, family: int, what: str) -> str:
    """An interface address with its length, of the family of the session it serves."""
    try:
        parsed = ipaddress.ip_interface(value)
    except (TypeError, ValueError):
        raise RenderError(f"{what}: {value!r} is not a valid interface address") from None
    if parsed.version != family:
        raise RenderError(f"{what}: {value!r} is not an IPv{family} interface address (its session's "
                          f"neighbor is IPv{family})")
    return str(parsed)


def _sessions(link, where: str, generator: "Generator") -> tuple[tuple[int, str, str | None], ...]:
    """(family, neighbor, local address) per session of `link`, IPv4 first, each address checked against its
    family and the vendor's supported families (the model's rules, again: the link may be unvalidated)."""
    neighbor6, local6 = link.neighbor6, link.local_address6
    try:
        family = ipaddress.ip_address(link.neighbor).version
    except (TypeError, ValueError):
        raise RenderError(f"{where}:neighbor: {link.neighbor!r} is not a valid IP address") from None
    sessions = [(family, link.neighbor, link.local_address, "neighbor", "local_address")]
    if neighbor6 is not None:
        if family == 6:
            raise RenderError(f"{where}:neighbor6: not allowed when neighbor is IPv6")
        sessions.append((6, neighbor6, local6, "neighbor6", "local_address6"))
    elif local6 is not None:
        raise RenderError(f"{where}:local_address6: only with neighbor6")
    checked = []
    for family, neighbor, local, neighbor_key, local_key in sessions:
        if family not in generator.address_families:
            raise RenderError(f"{where}:{neighbor_key}: {generator.vendor} does not support IPv{family} sessions")
        checked.append((family, _session_address(neighbor, family, f"{where}:{neighbor_key}"),
                        None if local is None else _interface_address(local, family, f"{where}:{local_key}")))
    return tuple(checked)


def _prefix_limit(link, family: int, where: str) -> int:
    limit = link.prefix_limit(family)
    if type(limit) is not int or not 1 <= limit <= MAX_U32:
        raise RenderError(f"{where}:max_prefixes_v{family}: must be an integer in 1..{MAX_U32}, got {limit!r}")
    return limit


def _name(value: str, what: str) -> str:
    """Names are validated upstream (model.NAME_PATTERN); checked again because they become parts of
    object names, where the output filter alone cannot tell `POOL-` + `` from a real name."""
    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value, re.ASCII):
        raise RenderError(f"{what}: {value!r} is not a valid name ({NAME_PATTERN})")
    return value


def _address(value: str, what: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except (TypeError, ValueError):
        raise RenderError(f"{what}: {value!r} is not a valid IP address") from None


def _sorted_prefixes(prefixes, family: int | None = None) -> tuple[str, ...]:
    """Sorted, IPv4 first; only `family` if given."""
    networks = {ipaddress.ip_network(p) for p in prefixes}
    return tuple(str(n) for n in sorted(networks, key=lambda n: (n.version, n))
                 if family is None or n.version == family)


def _families(prefixes) -> tuple[int, ...]:
    return tuple(sorted({ipaddress.ip_network(p).version for p in prefixes}))


def _sorted_addresses(values, what: str) -> tuple[str, ...]:
    return tuple(str(a) for a in sorted({ipaddress.ip_address(_address(v, what)) for v in values},
                                          key=lambda a: (a.version, a)))


def _site_pools(network: Network, site: str) -> dict[str, tuple[str, ...]]:
    return {_name(name, "pools"): tuple(str(_prefix(p, f"pools:{name}")) for p in pool.prefixes)
            for name, pool in sorted(network.pools.items()) if site in pool.sites}


def _marker_community(network: Network) -> str:
    marker = network.marker_community
    if marker is None:
        raise RenderError("policy.marker_community: not set, and the routers have no single 16-bit ASN to "
                          "derive it from")
    try:
        return standard_community(marker)
    except ValueError as exc:
        raise RenderError(f"policy.marker_community: {exc}") from None


def _check_intents(network: Network, router_name: str, router: Router, intents: tuple[Intent, ...],
                   generator: "Generator", site_pools: dict) -> None:
    seen: dict[tuple, Intent] = {}
    out_actions: dict[tuple[str, str], str] = {}
    carried_by_link: dict[str, set[int]] = {}  # a router may hold thousands of detours onto a few links
    detour_lp: dict[str, int] = {}
    for intent in intents:
        where = f"intent {intent!r}"
        if type(intent) not in generator.intent_types:
            raise RenderError(f"{where}: {generator.vendor} does not support {type(intent).__name__} intents")
        if intent.link not in router.links:
            raise RenderError(f"{where}: router {router_name} has no link on interface {intent.link!r}")
        if intent.link not in carried_by_link:
            carried_by_link[intent.link] = _carried(router_name, router, intent.link, generator)
        carried = carried_by_link[intent.link]
        if intent.key() in seen:
            raise RenderError(f"{where}: duplicate of {seen[intent.key()]!r}")
        seen[intent.key()] = intent
        if isinstance(intent, Detour):
            _prefix(intent.prefix, f"{where}: prefix")
            lp = intent.local_pref
            if type(lp) is not int or not 0 <= lp <= MAX_U32:
                raise RenderError(f"{where}: local_pref must be an integer in 0..{MAX_U32}")
            if detour_lp.setdefault(intent.link, lp) != lp:
                raise RenderError(f"{where}: detours onto one link must share one local_pref, "
                                  f"{intent.link} already has {detour_lp[intent.link]}")
            family = ipaddress.ip_network(intent.prefix).version
            if family not in carried:
                raise RenderError(f"{where}: {intent.link} has no IPv{family} session to learn the prefix from")
            continue
        if intent.pool not in site_pools:
            raise RenderError(f"{where}: pool {intent.pool!r} is not announced at site {router.site}")
        if not carried & set(_families(site_pools[intent.pool])):
            raise RenderError(f"{where}: {intent.link} has no session of pool {intent.pool}'s address families "
                              f"({', '.join(f'IPv{f}' for f in _families(site_pools[intent.pool]))})")
        other = out_actions.setdefault((intent.link, intent.pool), intent.kind)
        if other != intent.kind:
            raise RenderError(f"{where}: pool {intent.pool} is both prepended and withdrawn on {intent.link}")
        if isinstance(intent, Prepend):
            limit = min(network.policy.max_prepend, generator.max_prepend)
            if type(intent.count) is not int or not 1 <= intent.count <= limit:
                raise RenderError(f"{where}: count must be an integer in 1..{limit}")


def _carried(router_name: str, router: Router, interface: str, generator: "Generator") -> set[int]:
    """The address families the BGP sessions of `interface`'s link carry."""
    where = f"routers:{router_name}:links:{interface}"
    return {family for family, _, _ in _sessions(router.links[interface], where, generator)}


def _import_terms(detours: list[Detour], interface: str) -> tuple[Term, ...]:
    terms = [Term(f"DETOUR{_tag(family)}", 0, "modify", match_list=detour_list(interface, family), family=family,
                  local_pref=detours[0].local_pref, community=MARKER_COMMUNITY)
             for family in _families(d.prefix for d in detours)]
    return _numbered(terms)


def _export_terms(prepends: list[Prepend], withdraws: list[Withdraw], asn: int, site_pools: dict,
                  carried: set[int]) -> tuple[Term, ...]:
    # terminal rejects after every modifying term, the pass-through last (lint.py checks this order); the
    # marker stays inside the AS: every route that leaves toward the eBGP neighbor has it removed. A pool's
    # terms exist only for the families the link's sessions carry: an IPv6 term on an IPv4-only link would
    # never match
    terms = [Term(f"PREPEND{_tag(family)}-{p.pool}", 0, "modify", match_list=pool_list(p.pool, family),
                  family=family, prepend=(asn,) * p.count, strip_community=MARKER_COMMUNITY)
             for p in sorted(prepends, key=lambda i: i.pool) for family in _families(site_pools[p.pool])
             if family in carried]
    terms += [Term(f"WITHDRAW{_tag(family)}-{w.pool}", 0, "reject", match_list=pool_list(w.pool, family),
                   family=family)
              for w in sorted(withdraws, key=lambda i: i.pool) for family in _families(site_pools[w.pool])
              if family in carried]
    return _numbered(terms, strip_community=MARKER_COMMUNITY)


def _numbered(terms: list[Term], strip_community: str | None = None) -> tuple[Term, ...]:
    terms = [*terms, Term("PASS", 0, "pass", strip_community=strip_community)]
    return tuple(dataclasses.replace(term, seq=10 * (i + 1)) for i, term in enumerate(terms))


def build(network: Network, router_name: str, intents, generator: "Generator") -> RouterConfig:
    """The whole router (baseline and managed block) as a `RouterConfig`; `intents` may hold the whole
    plan, only this router's are used."""
    if router_name not in network.routers:
        raise RenderError(f"unknown router {router_name!r}")
    router = network.routers[router_name]
    _name(router_name, "routers")
    if router.vendor != generator.vendor:
        raise RenderError(f"router {router_name} runs {router.vendor}, not {generator.vendor}")
    for interface in router.links:
        if not isinstance(interface, str) or not re.fullmatch(generator.interface_pattern, interface, re.ASCII):
            raise RenderError(f"router {router_name}: {interface!r} is not a {generator.vendor} interface name "
                              f"(expected {generator.interface_pattern})")

    site_pools = _site_pools(network, router.site)
    mine = sort_intents(i for i in intents if i.router == router_name)
    _check_intents(network, router_name, router, mine, generator, site_pools)

    interfaces, groups, policies = [], {}, []
    detour_lists = []
    for interface, link in sorted(router.links.items()):
        where = f"routers:{router_name}:links:{interface}"
        sessions = _sessions(link, where, generator)
        local = {family: address for family, _, address in sessions}
        interfaces.append(Interface(interface, _name(link.kind, f"{where}:kind"), _name(link.peer, f"{where}:peer"),
                                    local.get(4), local.get(6)))
        group = groups.setdefault(_name(link.group, f"{where}:group"), [])
        group += [Neighbor(address, link.peer, link.peer_as, import_policy(interface), export_policy(interface),
                           family, announce_list(family), _prefix_limit(link, family, where))
                  for family, address, _ in sessions]
        on_link = [i for i in mine if i.link == interface]
        detours = [i for i in on_link if isinstance(i, Detour)]
        detour_lists += [PrefixList(detour_list(interface, family), family,
                                    _sorted_prefixes((d.prefix for d in detours), family), managed=True)
                         for family in _families(d.prefix for d in detours)]
        policies.append(Policy(import_policy(interface), _import_terms(detours, interface)))
        policies.append(Policy(export_policy(interface), _export_terms(
            [i for i in on_link if isinstance(i, Prepend)], [i for i in on_link if isinstance(i, Withdraw)],
            router.asn, site_pools, {family for family, _, _ in sessions}), direction="export"))

    announced = _sorted_prefixes(p for prefixes in site_pools.values() for p in prefixes)
    baseline_lists = [PrefixList(pool_list(name, family), family, _sorted_prefixes(prefixes, family))
                      for name, prefixes in site_pools.items() for family in _families(prefixes)]
    baseline_lists += [PrefixList(announce_list(family), family, _sorted_prefixes(announced, family))
                       for family in _families(announced)]
    session_families = {n.family for ns in groups.values() for n in ns}
    return RouterConfig(
        name=router_name,
        site=router.site,
        hostname=router_name,
        domain_name=network.baseline.domain_name,
        ntp_servers=_sorted_addresses(network.baseline.ntp_servers, "baseline:ntp_servers"),
        syslog_hosts=_sorted_addresses(network.baseline.syslog_hosts, "baseline:syslog_hosts"),
        asn=router.asn,
        router_id=_router_id(router.router_id, f"router {router_name}: router_id"),
        interfaces=tuple(interfaces),
        groups=tuple(Group(name, tuple(sorted(ns, key=lambda n: (n.family, ipaddress.ip_address(n.address)))))
                     for name, ns in sorted(groups.items())),
        announced=announced,
        prefix_lists=tuple(sorted(baseline_lists + detour_lists, key=lambda pl: pl.name)),
        policies=tuple(sorted(policies, key=lambda p: p.name)),
        communities={MARKER_COMMUNITY: _marker_community(network)},
        managed_list_slots=tuple(sorted((detour_list(i, family), family) for i in router.links for family in FAMILIES)),
        announce_families=tuple(sorted({4} | session_families)),
    )


def with_present(cfg: RouterConfig, present: PresentObjects, *, chains_operator_policies: bool) -> RouterConfig:
    """`cfg` fitted to what the router holds now.

    - It removes what an earlier baseline left that this one no longer renders: a pool prefix-list whose
      pool is gone, and (EOS) a `network` statement for a prefix a pool list held and the site no longer
      announces. Only prefixes our own lists held count as ours: the operator's other `network` statements
      stay.
    - Each neighbor keeps the operator's import and export policies, after ours
      (`chains_operator_policies`, Junos); a vendor that cannot chain refuses a neighbor that has any,
      rather than replace them."""
    current = {pl.name for pl in cfg.baseline_lists}
    stale_lists = tuple(sorted((name, 6 if name.startswith("POOL6-") else 4) for name in present.lists
                               if name not in current))
    owned = {ipaddress.ip_network(p, strict=False) for prefixes in present.lists.values() for p in prefixes}
    announced = {ipaddress.ip_network(p) for p in cfg.announced}
    stale_networks = tuple(str(n) for n in sorted({ipaddress.ip_network(p, strict=False) for p in present.networks},
                                                  key=lambda n: (n.version, n))
                           if n in owned and n not in announced)

    groups, ours = [], set()
    for group in cfg.groups:
        neighbors = []
        for neighbor in group.neighbors:
            key = str(ipaddress.ip_address(neighbor.address))
            ours.add(key)
            imports, exports = (tuple(p for p in chain if not is_ours(p))
                                for chain in present.chains.get(key, ((), ())))
            if (imports or exports) and not chains_operator_policies:
                raise RenderError(
                    f"router {cfg.name}: BGP neighbor {neighbor.address} ({neighbor.peer}) already applies the "
                    f"operator's {', '.join(imports + exports)}: the baseline would replace them (one route-map "
                    f"and one prefix-list per neighbor and direction), and putting ours in front of them is "
                    f"not supported on this vendor yet; nothing was changed")
            neighbors.append(dataclasses.replace(
                neighbor, operator_import=imports, operator_export=exports,
                announce=shared_announce(neighbor.family) if exports else neighbor.announce))
        groups.append(dataclasses.replace(group, neighbors=tuple(neighbors)))
    shared = tuple(sorted({n.family for g in groups for n in g.neighbors if n.operator_export}))
    # what neighbors we do not render (a link gone from the pillar) still apply must stay defined
    in_use = {p for key, chain in present.chains.items() if key not in ours for p in chain[0] + chain[1]}
    unused_announce = {shared_announce(f) for f in FAMILIES} - {shared_announce(f) for f in shared}
    stale_policies = tuple(sorted(p for p in present.policies if p in unused_announce and p not in in_use))
    current = {p.name for p in cfg.policies}
    slots = {name for name, _ in cfg.managed_list_slots}
    departed = sorted(p for p in present.policies if MANAGED_POLICY.fullmatch(p) and p not in current)
    return dataclasses.replace(
        cfg, stale_lists=stale_lists, stale_networks=stale_networks, groups=tuple(groups),
        shared_announce_families=shared, stale_policies=stale_policies,
        departed_neutral=tuple(_pass_through(p) for p in departed if p in in_use),
        departed_deleted=tuple(p for p in departed if p not in in_use),
        departed_lists=tuple((name, 6 if name.startswith(f"{MANAGED_PREFIX}DETOUR6-") else 4)
                             for name in present.detour_lists if name not in slots))


#: the shift policies of one link (`import_policy`, `export_policy`)
MANAGED_POLICY = re.compile(rf"{MANAGED_PREFIX}(?:IN|OUT)-[A-Za-z0-9.-]+")


def _pass_through(name: str) -> Policy:
    """A departed link's shift policy with no shift left in it: what an empty plan renders."""
    if name.startswith(f"{MANAGED_PREFIX}IN-"):
        return Policy(name, _numbered([]))
    return Policy(name, _numbered([], strip_community=MARKER_COMMUNITY), direction="export")
