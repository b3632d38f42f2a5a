"""parse_network: the `traffic:` pillar key -> `Network`, or every problem at once."""
from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from typing import Iterable, Mapping

from trafficshift.errors import ValidationError
from trafficshift.model import (
    DEFAULT_MARKER_VALUE,
    INTERFACE_EXAMPLES,
    INTERFACE_PATTERN,
    INTERFACE_PATTERNS,
    NAME_PATTERN,
    Network,
    Policy,
    canonical_interface,
    host_address,
    interface_address,
    is_documentation_asn,
    is_private_asn,
    pool_prefix_refusal,
)
from trafficshift.model.values import LONGEST_ANNOUNCEABLE
from trafficshift.problems import component, location, number, problem
from trafficshift.tolerance import exceeds
from trafficshift.validation.base import (DEFAULT_LIMITS, Limits, _count, _map, _model, _overlaps, _parsed,
                                          _parsed_prefix, _raise, _real, _seq, _too_long)

#: every string a validated Network may contain (keys and values): what can reach a router config
SAFE_TEXT = re.compile(r"[A-Za-z0-9._:/-]*", re.ASCII)


# -- network ------------------------------------------------------------------------------------------------
def _network_limits(data: Mapping, root: str, limits: Limits) -> list[str]:
    sites, routers, pools = _map(data.get("sites")), _map(data.get("routers")), _map(data.get("pools"))
    problems = _count(root, ("sites",), len(sites), limits.max_sites, "sites")
    problems += _count(root, ("routers",), len(routers), limits.max_routers, "routers")
    problems += _count(root, ("pools",), len(pools), limits.max_pools, "pools")
    links = sum(len(_map(_map(router).get("links"))) for router in routers.values())
    problems += _count(root, ("routers",), links, limits.max_links, "links over all routers")
    prefixes = sum(len(_seq(_map(pool).get("prefixes"))) for pool in pools.values())
    problems += _count(root, ("pools",), prefixes, limits.max_pool_prefixes, "prefixes over all pools")
    located: list[tuple[tuple, object]] = []
    for name, router in routers.items():
        router = _map(router)
        located.append((("routers", name, "router_id"), router.get("router_id")))
        for ifname, link in _map(router.get("links")).items():
            for key in ("neighbor", "local_address", "neighbor6", "local_address6"):
                located.append((("routers", name, "links", ifname, key), _map(link).get(key)))
    for name, pool in pools.items():
        prefixes = _seq(_map(pool).get("prefixes"))
        located += [(("pools", name, "prefixes", i), prefix) for i, prefix in enumerate(prefixes)]
    baseline = _map(data.get("baseline"))
    for key in ("ntp_servers", "syslog_hosts"):
        located += [(("baseline", key, i), address) for i, address in enumerate(_seq(baseline.get(key)))]
    return problems + _too_long(root, located, limits)


def _network_references(data: Mapping, root: str) -> list[str]:
    problems: list[str] = []
    sites, routers, pools = _map(data.get("sites")), _map(data.get("routers")), _map(data.get("pools"))

    def site_ref(loc: tuple, value: object, *, not_self: object = None) -> None:
        if isinstance(value, str) and re.fullmatch(NAME_PATTERN, value) and value not in sites:
            problems.append(problem(root, loc, "unknown site", value))
        elif not_self is not None and value == not_self:
            problems.append(problem(root, loc, "a site cannot name itself", value))

    router_ids: dict[str, list[str]] = defaultdict(list)
    lab = data.get("lab") is True
    for name, router in routers.items():
        router = _map(router)
        site_ref(("routers", name, "site"), router.get("site"))
        if is_private_asn(router.get("asn")) and not lab:
            message = ("is a private ASN (RFC 6996): upstreams remove private ASNs from the AS path, so the "
                       "router's announcements and prepends would not reach the Internet as sent; only a lab "
                       f"network ({component(root)}:lab: true) may use one")
            problems.append(problem(root, ("routers", name, "asn"), message, router["asn"]))
        if isinstance(router.get("router_id"), str):
            router_ids[router["router_id"]].append(str(name))
        neighbors: dict[str, str] = {}
        subnets: list[tuple] = []
        for ifname, link in _map(router.get("links")).items():
            link = _map(link)
            loc = ("routers", name, "links", ifname)
            if link.get("peer_as") == router.get("asn") and isinstance(link.get("peer_as"), int):
                message = "equals the router's own asn (links are eBGP)"
                problems.append(problem(root, (*loc, "peer_as"), message, link["peer_as"]))
            elif is_documentation_asn(link.get("peer_as")) and not lab:
                message = ("is a documentation ASN (RFC 5398: 64496-64511, 65536-65551), no real peer's; "
                           f"only a lab network ({component(root)}:lab: true) may use one")
                problems.append(problem(root, (*loc, "peer_as"), message, link["peer_as"]))
            for key in SESSION_KEYS:
                neighbor = link.get(key)
                canonical = _parsed(host_address, neighbor)  # 2001:DB8::1 and 2001:db8::1 are one peer
                if canonical is None:
                    continue
                if canonical in neighbors:
                    message = f"duplicate neighbor, also on {neighbors[canonical]}"
                    problems.append(problem(root, (*loc, key), message, neighbor))
                neighbors.setdefault(canonical, str(ifname))
            problems += _link_addresses(root, loc, link, subnets)
        for loc, (other, other_loc) in _overlaps(subnets, report_equal=True).items():
            message = f"subnet overlaps {other} of {location(root, other_loc)}"
            problems.append(problem(root, loc, message, _raw_link(routers, loc).get(loc[-1])))
        problems += _interface_names(root, name, router)
    for router_id, names in router_ids.items():
        if len(names) > 1:
            for name in names:
                message = f"duplicate router_id, shared by {', '.join(sorted(names))}"
                problems.append(problem(root, ("routers", name, "router_id"), message, router_id))

    for name, site in sites.items():
        seen: set = set()
        for index, neighbor in enumerate(_seq(_map(site).get("neighbors"))):
            site_ref(("sites", name, "neighbors", index), neighbor, not_self=name)
            if isinstance(neighbor, str) and neighbor in seen:
                problems.append(problem(root, ("sites", name, "neighbors", index), "duplicate site", neighbor))
            seen.add(neighbor if isinstance(neighbor, str) else None)

    owner: dict[str, tuple] = {}
    pool_prefixes: list[tuple] = []
    for name, pool in pools.items():
        pool = _map(pool)
        seen = set()
        for index, site in enumerate(_seq(pool.get("sites"))):
            site_ref(("pools", name, "sites", index), site)
            if isinstance(site, str) and site in seen:
                problems.append(problem(root, ("pools", name, "sites", index), "duplicate site", site))
            seen.add(site if isinstance(site, str) else None)
        for index, prefix in enumerate(_seq(pool.get("prefixes"))):
            parsed = _parsed_prefix(prefix)
            if parsed is None:
                continue  # the model reports the invalid prefix itself
            canonical = str(parsed)
            loc = ("pools", name, "prefixes", index)
            if canonical in owner:
                where = location(root, owner[canonical])
                problems.append(problem(root, loc, f"duplicate prefix, also at {where}", prefix))
            else:
                owner[canonical] = loc
                if pool_prefix_refusal(parsed) is None:  # the model's finding; a default route overlaps everything
                    pool_prefixes.append((parsed, loc, name))
                    longest = LONGEST_ANNOUNCEABLE[parsed.version]
                    if parsed.prefixlen > longest and not lab:
                        message = (f"is longer than /{longest}: most networks filter IPv{parsed.version} announcements "
                                   f"longer than /{longest}, so the pool would be unreachable from much of the "
                                   f"Internet; only a lab network ({component(root)}:lab: true) may announce one")
                        problems.append(problem(root, loc, message, prefix))
    # a pool is shifted as a whole: a more specific in another pool would keep (or take) the traffic a shift
    # of the covering pool means to move
    for loc, (other, other_loc) in _overlaps(pool_prefixes, report_equal=False).items():
        message = f"overlaps {other} of another pool at {location(root, other_loc)}"
        problems.append(problem(root, loc, message, _seq(_map(pools.get(loc[1])).get("prefixes"))[loc[3]]))

    for site, spill in _map(data.get("catchment")).items():
        site_ref(("catchment", site), site)
        total = 0.0
        for target, fraction in _map(spill).items():
            site_ref(("catchment", site, target), target, not_self=site)
            fraction = _real(fraction) or 0.0
            total += fraction if 0 < fraction <= 1 else 0.0  # an invalid fraction is the model's finding
        if exceeds(total, 1.0):
            problems.append(problem(root, ("catchment", site), "fractions must sum to <= 1", round(total, 6)))

    policy = _map(data.get("policy"))
    overload, target, low = (
        _real(policy.get(key, Policy.model_fields[key].default))
        for key in ("overload_threshold", "target_utilization", "low_watermark")
    )
    if target is not None and overload is not None and target >= overload:
        message = f"must be below overload_threshold {number(overload)}"
        problems.append(problem(root, ("policy", "target_utilization"), message, target))
    if low is not None and target is not None and low > target:
        message = f"must be <= target_utilization {number(target)}"
        problems.append(problem(root, ("policy", "low_watermark"), message, low))
    return problems


def _raw_link(routers: Mapping, loc: tuple) -> Mapping:
    """The raw link at ``("routers", router, "links", interface, ...)``."""
    return _map(_map(_map(routers.get(loc[1])).get("links")).get(loc[3]))


#: a link's BGP sessions: neighbor key -> its interface address key
SESSION_KEYS = {"neighbor": "local_address", "neighbor6": "local_address6"}


def _link_addresses(root: str, loc: tuple, link: Mapping, subnets: list) -> list[str]:
    """Each session's neighbor must be another address of its interface subnet (when the local address is
    given); collects the subnets into `subnets` for the router's overlap check. Values the model refuses are
    its finding."""
    problems = []
    for neighbor_key, local_key in SESSION_KEYS.items():
        local = _parsed(interface_address, link.get(local_key))
        if local is None:
            continue
        local = ipaddress.ip_interface(local)
        if local_key == "local_address6" and local.version != 6:
            continue  # the model reports the family
        subnets.append((local.network, (*loc, local_key), loc))
        neighbor = _parsed(host_address, link.get(neighbor_key))
        if neighbor is None:
            continue
        neighbor = ipaddress.ip_address(neighbor)
        if neighbor == local.ip:
            message = f"equals the router's own interface address ({local_key} {local})"
            problems.append(problem(root, (*loc, neighbor_key), message, link.get(neighbor_key)))
        elif neighbor.version != local.version or neighbor not in local.network:
            message = f"outside the subnet of {local_key} {local}"
            problems.append(problem(root, (*loc, neighbor_key), message, link.get(neighbor_key)))
    return problems


def _interface_names(root: str, name: object, router: Mapping) -> list[str]:
    """Every link on an interface of the router's vendor, spelled the one way the device shows it back, and
    each device interface once (`Ethernet1` and `ethernet01` are one port on EOS)."""
    vendor = router.get("vendor")
    if not isinstance(vendor, str) or vendor not in INTERFACE_PATTERNS:
        return []  # the model reports the vendor
    problems: list[str] = []
    ports: dict[str, list[str]] = defaultdict(list)
    for ifname in _map(router.get("links")):
        if not isinstance(ifname, str) or not re.fullmatch(INTERFACE_PATTERN, ifname, re.ASCII):
            continue  # the model reports the key
        loc = ("routers", name, "links", ifname)
        canonical = canonical_interface(vendor, ifname)
        if canonical is not None:
            ports[canonical].append(ifname)
            continue
        other = next((v for v in sorted(INTERFACE_PATTERNS) if v != vendor and canonical_interface(v, ifname)), None)
        if other is not None:
            message = f"an interface name of vendor {other}, the router's vendor is {vendor} ({INTERFACE_EXAMPLES[vendor]})"
        else:
            message = f"not an interface name of vendor {vendor} ({INTERFACE_EXAMPLES[vendor]})"
        problems.append(problem(root, loc, message, ifname))
    for canonical, ifnames in ports.items():
        for ifname in ifnames:
            loc = ("routers", name, "links", ifname)
            if len(ifnames) > 1:
                others = ", ".join(location(root, ("routers", name, "links", o)) for o in ifnames if o != ifname)
                problems.append(problem(root, loc, f"the same device interface {canonical} as {others}", ifname))
            elif ifname != canonical:
                message = f"must be spelled {canonical}, the one way the device shows it back"
                problems.append(problem(root, loc, message, ifname))
    return problems


def _marker_community(network: Network, root: str) -> list[str]:
    """The marker must be the operator's own: its ASN part one of the routers' ASNs (a community in another
    AS's namespace may mean something to that AS), or derivable from their one 16-bit ASN when unset."""
    asns = sorted({router.asn for router in network.routers.values()})
    loc = ("policy", "marker_community")
    marker = network.policy.marker_community
    if marker is None:
        if asns and (len(asns) > 1 or asns[0] > 65535):
            message = (f"required: the default <ASN>:{DEFAULT_MARKER_VALUE} needs the routers to share one ASN "
                       f"of at most 65535, they have {', '.join(map(str, asns))}")
            return [problem(root, loc, message, show=False)]
        return []
    if asns and int(marker.partition(":")[0]) not in asns:
        message = f"must be in the network's own ASN ({', '.join(map(str, asns))}:value)"
        return [problem(root, loc, message, marker)]
    return []


def _pool_families(network: Network, root: str) -> list[str]:
    """A site announces a pool over its BGP sessions: one without a session of any of the pool's address
    families could neither announce the pool nor have its ingress shifted."""
    problems = []
    carried: dict[str, set[int]] = {}
    for router in network.routers.values():
        for link in router.links.values():
            carried.setdefault(router.site, set()).update(link.families)
    for name, pool in sorted(network.pools.items()):
        for index, site in enumerate(pool.sites):
            if site in network.sites and not carried.get(site, set()) & set(pool.families):
                families = " or ".join(f"IPv{family}" for family in pool.families)
                problems.append(problem(root, ("pools", name, "sites", index),
                                        f"site has no BGP session carrying {families}, the pool's prefixes", site))
    return problems


def _unsafe_strings(value: object, loc: tuple = ()) -> Iterable[tuple[tuple, str]]:
    """Every string (key or value) in a dumped model outside SAFE_TEXT, with its location."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and not SAFE_TEXT.fullmatch(key):
                yield (*loc, key), key
            yield from _unsafe_strings(item, (*loc, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _unsafe_strings(item, (*loc, index))
    elif isinstance(value, str) and not SAFE_TEXT.fullmatch(value):
        yield loc, value


def parse_network(data: object, root: str = "traffic", *, limits: Limits = DEFAULT_LIMITS) -> Network:
    """The `traffic:` pillar key -> `Network`, or `ValidationError` with every problem."""
    if not isinstance(data, Mapping):
        raise ValidationError([problem(root, (), "must be a mapping", data)])
    _raise(_network_limits(data, root, limits))
    network, problems = _model(Network, data, root)
    problems += _network_references(data, root)
    if network is not None:
        problems += _marker_community(network, root) + _pool_families(network, root)
    _raise(problems)
    # defence in depth: whatever the field constraints say, nothing outside the safe set may get through
    unsafe = _unsafe_strings(network.model_dump())
    _raise(problem(root, loc, "contains characters outside [A-Za-z0-9._:/-]", text) for loc, text in unsafe)
    return network
