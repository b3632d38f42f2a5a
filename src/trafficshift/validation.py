"""Validation: untrusted pillar / load-source data -> the typed model, failing closed.

This module is the only way to build `Network` and `Load` from untrusted data (pillar, load files,
Prometheus). Three entry points:

``parse_network(data, root="traffic") -> Network``
    Raises `trafficshift.errors.ValidationError` listing EVERY problem (sorted), each path-qualified::

        traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be > 0, got -5

``parse_load(data, network, *, now, root="traffic_load", active=None) -> LoadCheck``
    Raises `ValidationError` when the load is malformed (types, units, unknown links/sites/pools,
    duplicate prefixes, IPv4-mapped prefixes, size limits, nesting deeper than `MAX_LOAD_DEPTH`). A
    well-formed load that must not be acted on -- older than ``policy.max_load_age_s``, stamped in the
    future, per-prefix sums that disagree with a link's counter beyond ``policy.counter_tolerance``, missing
    counters, a rate above its link's or site's capacity times `MAX_RATE_FACTOR` (a counter wrap or a unit
    mistake), a sum that overflows -- is NOT an exception: the returned
    `LoadCheck` has ``stale=True`` and ``reasons`` (sorted, path-qualified). The planner must then fail
    static (keep the last plan). ``LoadCheck.load`` is the validated `Load` either way.
    Pass ``active=`` the plan applied while the load was measured: its detours moved traffic off the
    demands' preferred links, and the counters are compared with that (else every active detour would
    read as a counter mismatch and the system could never move back).

``check_load(load, network, *, now, active=None) -> LoadCheck``
    The fail-static checks alone, for a `Load` built in code (tests, the planner's own inputs).

Messages name a path under the pillar root, say what is wrong in a few words and show the offending value
(ASCII-escaped, truncated; never the value of an unknown key or of a key that looks like a secret).
Inputs are bounded by `Limits` (counts and string lengths; `max_bytes` is enforced where bytes exist,
i.e. by the load sources) and the check stops before the model is built when a limit is exceeded.
"""
from __future__ import annotations

import ipaddress
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import pydantic

from trafficshift.errors import ValidationError
from trafficshift.model import (
    DEFAULT_MARKER_VALUE,
    DOMAIN_PATTERN,
    INTERFACE_EXAMPLES,
    INTERFACE_PATTERN,
    INTERFACE_PATTERNS,
    LINK_ID_PATTERN,
    NAME_PATTERN,
    Load,
    Network,
    Policy,
    canonical_interface,
    host_address,
    interface_address,
    is_documentation_asn,
    pool_prefix_refusal,
    span,
)
from trafficshift.plan import Plan
from trafficshift.problems import component, location, number, problem
from trafficshift.projection import expected_link_load
from trafficshift.tolerance import exceeds

#: every string a validated Network may contain (keys and values): what can reach a router config
SAFE_TEXT = re.compile(r"[A-Za-z0-9._:/-]*", re.ASCII)
#: a load stamped further in the future than this is from a broken clock, not fresh
MAX_CLOCK_SKEW_S = 60.0
#: a rate above its link's capacity (a site's ingress above its ingress_capacity_bps) times this is not a
#: measurement: rates averaged over a window can read a little over line rate (window edges, bursts, a
#: scrape that lands late), never half again above it; 2**64-ish values are a 64-bit counter wrap, and 8x
#: or 1000x values a unit mistake (bytes counted as bits twice, kbit/s read as bit/s). The load is stale
#: (fail static), not malformed. docs/pillar-schema.md, "Plausible rates"
MAX_RATE_FACTOR = 1.5
#: containers nested deeper than this in a load are refused; the load format itself needs 5 levels
#: (load > egress > entry > alternates > alternate). Checked without recursion (`nesting_problem`)
MAX_LOAD_DEPTH = 32

_PATTERN_MESSAGES = {
    NAME_PATTERN: (
        "must be a name of ASCII letters, digits, '.', '_', '-' (starting with a letter or digit, at most 63)"
    ),
    INTERFACE_PATTERN: "must be an interface name like et-0/0/1 (ASCII letters, digits, '/', ':', '.', '_', '-')",
    LINK_ID_PATTERN: "must be a link id router:interface, e.g. ams01-r1:et-0/0/1",
    DOMAIN_PATTERN: "must be a domain name of lowercase ASCII letters, digits, '-' and '.'",
}


@dataclass(frozen=True)
class Limits:
    """Upper bounds on input size. Generous for production; tests pass smaller ones."""

    max_bytes: int = 512 * 1024 * 1024  # a load file / Prometheus response
    max_string_length: int = 256  # free-form strings (addresses, prefixes) before parsing
    max_sites: int = 10_000
    max_routers: int = 10_000
    max_links: int = 200_000  # eBGP links over all routers
    max_pools: int = 10_000
    max_pool_prefixes: int = 1_000_000  # over all pools
    max_egress: int = 1_000_000  # egress entries in one load
    max_alternates: int = 64  # per egress entry


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class LoadCheck:
    """A validated load and whether it may be acted on. ``stale`` is True when ``reasons`` is not empty."""

    load: Load
    age_s: float
    stale: bool
    reasons: tuple[str, ...] = ()


# -- pydantic errors as problems --------------------------------------------------------------------------
def _pydantic_problem(root: str, error: Mapping[str, Any]) -> str:
    kind, loc, ctx, value = error["type"], list(error["loc"]), error.get("ctx") or {}, error.get("input")
    is_key = bool(loc) and loc[-1] == "[key]"
    if is_key:
        loc.pop()
    if kind == "missing":
        return problem(root, loc, "required", show=False)
    if kind == "extra_forbidden":
        return problem(root, loc, "unknown key", show=False)
    if kind == "value_error":  # our own validators already name the value; keep it short and ASCII
        message = str(ctx.get("error", error["msg"])).encode("ascii", "backslashreplace").decode()
        return problem(root, loc, message if len(message) <= 160 else message[:157] + "...", show=False)
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        message = f"must be {bounds[kind]} {number(limit)}"
    elif kind == "string_pattern_mismatch":
        message = _PATTERN_MESSAGES.get(ctx.get("pattern"), f"must match {ctx.get('pattern')}")
    else:
        message = {
            "float_type": "must be a number (plain digits; units like 100G and YAML's 100e9 are strings)",
            "int_type": "must be an integer",
            "string_type": "must be a string",
            "bool_type": "must be true or false",
            "finite_number": "must be a finite number",
            "dict_type": "must be a mapping",
            "model_type": "must be a mapping",
            "model_attributes_type": "must be a mapping",
            "tuple_type": "must be a list",
            "list_type": "must be a list",
            "literal_error": f"must be one of {ctx.get('expected')}",
            "too_short": f"must have at least {ctx.get('min_length')} item(s)",
            "too_long": f"must have at most {ctx.get('max_length')} item(s)",
        }.get(kind, str(error["msg"]).lower())
    return problem(root, loc, f"key {message}" if is_key else message, value)


def _model(model: type[pydantic.BaseModel], data: object, root: str) -> tuple[Any, list[str]]:
    try:
        return model.model_validate(data), []
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
        # pydantic also reports a too-short list when one of its items failed: only the item's problem counts
        failed = {tuple(e["loc"][:-1]) for e in errors if e["type"] != "too_short" and e["loc"]}
        errors = [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in failed)]
        return None, [_pydantic_problem(root, error) for error in errors]


def _raise(problems: Iterable[str]) -> None:
    problems = sorted(set(problems))
    if problems:
        raise ValidationError(problems)


# -- defensive access to raw data (cross-reference checks run even when the model rejects the input) --------
def _map(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _seq(value: object) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _real(value: object) -> float | None:
    """A finite number, or None (bools and strings are the model's business)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            return None
        return number if math.isfinite(number) else None
    return None


def _parsed_prefix(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        return None


def _canonical_prefix(value: object) -> str | None:
    parsed = _parsed_prefix(value)
    return None if parsed is None else str(parsed)


def _parsed(parse, value: object):
    """`value` parsed by one of the model's parsers, or None when the model refuses it (and reports it)."""
    try:
        return parse(value)
    except ValueError:
        return None


_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _overlaps(
    items: Iterable[tuple[_IPNetwork, tuple, object]], *, report_equal: bool
) -> dict[tuple, tuple[_IPNetwork, tuple]]:
    """For (network, loc, owner) items: each loc that overlaps an item of another owner -> (that network, its
    loc), the first one found. CIDR blocks overlap only by nesting, so one sorted sweep with a stack of the
    blocks enclosing the current one finds every overlap in O(n log n). A block equal to an earlier one is
    reported only with `report_equal` (pool prefixes report those as duplicates)."""
    found: dict[tuple, tuple[_IPNetwork, tuple]] = {}

    def note(a: tuple, b: tuple) -> None:
        found.setdefault(a[1], (b[0], b[1]))
        found.setdefault(b[1], (a[0], a[1]))

    first: dict[tuple, tuple] = {}
    spans = []
    for item in items:
        network = item[0]
        start, end = span(network)
        key = (network.version, start, network.prefixlen)
        if key in first:  # equal blocks: the first stands for all in the sweep
            if report_equal and first[key][2] != item[2]:
                note(item, first[key])
            continue
        first[key] = item
        spans.append((key, end, item))
    spans.sort(key=lambda entry: entry[0])
    stack: list = []  # (version, end, item) of the blocks enclosing the current one, outermost first
    for (version, start, _), end, item in spans:
        while stack and (stack[-1][0] != version or stack[-1][1] < start):
            stack.pop()
        other = next((enclosing for _, _, enclosing in reversed(stack) if enclosing[2] != item[2]), None)
        if other is not None:
            note(item, other)
        stack.append((version, end, item))
    return found


def _too_long(root: str, located: Iterable[tuple[tuple, object]], limits: Limits) -> list[str]:
    """Free-form strings over the length limit, given as (loc, value) pairs."""
    return [
        problem(root, loc, f"{len(value)} characters, more than the limit of {limits.max_string_length}", show=False)
        for loc, value in located
        if isinstance(value, str) and len(value) > limits.max_string_length
    ]


def _count(root: str, loc: tuple, count: int, limit: int, what: str) -> list[str]:
    if count > limit:
        return [f"{location(root, loc)}: {count} {what}, more than the limit of {limit}"]
    return []


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
            problems.append(problem(root, loc, message, _raw_link(routers, loc).get("local_address")))
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
        problems += _marker_community(network, root)
    _raise(problems)
    # defence in depth: whatever the field constraints say, nothing outside the safe set may get through
    unsafe = _unsafe_strings(network.model_dump())
    _raise(problem(root, loc, "contains characters outside [A-Za-z0-9._:/-]", text) for loc, text in unsafe)
    return network


# -- load ---------------------------------------------------------------------------------------------------
_CONTAINERS = (dict, list, tuple)
_SCALARS = (str, int, float, type(None))


def _is_container(value: object) -> bool:
    return isinstance(value, _CONTAINERS) or (not isinstance(value, _SCALARS) and isinstance(value, Mapping))


def _children(value: object):
    """(key, item) pairs of a container, or None for anything else."""
    if isinstance(value, Mapping):
        return iter(value.items())
    if isinstance(value, (list, tuple)):
        return iter(enumerate(value))
    return None


def deep_location(root: str, loc: tuple) -> str:
    """The location of a too-deep container: in full when short, else its first and last components (a
    hostile document can nest 32 keys of 60 characters each)."""
    text = location(root, loc)
    if len(text) <= 300:
        return text
    return f"{location(root, loc[:4])}:...({len(loc) - 6} more):{location(root, loc[-2:])[len(root) + 1:]}"


def deep_problem(root: str, loc: tuple, limit: int = MAX_LOAD_DEPTH) -> str:
    return f"{deep_location(root, loc)}: nested deeper than the limit of {limit} levels"


def nesting_problem(data: object, root: str = "traffic_load", limit: int = MAX_LOAD_DEPTH) -> str | None:
    """The first container nested deeper than `limit` (the top-level mapping is level 1), as a problem, or
    None. Without recursion, so 10,000 nested lists cannot overflow the interpreter's stack: one level at a
    time over the containers only, and when a level beyond `limit` exists, a depth-first walk with a stack of
    iterators names the first container there."""
    if not _is_container(data):
        return None
    level = [data]
    for _ in range(limit):
        deeper = []
        for container in level:
            values = container.values() if isinstance(container, Mapping) else container
            deeper += [value for value in values  # _is_container, inlined: the hot loop on large loads
                       if isinstance(value, _CONTAINERS)
                       or (not isinstance(value, _SCALARS) and isinstance(value, Mapping))]
        if not deeper:
            return None
        level = deeper
    stack, loc = [_children(data)], []  # loc[i]: the key of the container open at level i + 2
    while stack:
        for key, item in stack[-1]:
            children = _children(item)
            if children is not None:
                if len(stack) >= limit:
                    return deep_problem(root, (*loc, key), limit)
                loc.append(key)
                stack.append(children)
                break
        else:
            stack.pop()
            if loc:
                loc.pop()
    return None


def _fsum(values: Iterable[float]) -> float:
    """An exact sum, or infinity when it overflows (`math.fsum` raises instead of returning inf)."""
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


def _ipv4_mapped(canonical: str) -> ipaddress.IPv4Network | None:
    """For an IPv4-mapped IPv6 prefix (``::ffff:198.51.100.0/120``): the IPv4 prefix it is written for."""
    if not canonical.startswith("::ffff:"):  # cheap: every prefix inside ::ffff:0:0/96 is written so
        return None
    network = ipaddress.ip_network(canonical)
    if network.prefixlen < 96 or network.network_address.ipv4_mapped is None:
        return None
    return ipaddress.IPv4Network((network.network_address.ipv4_mapped, network.prefixlen - 96))


def _load_limits(data: Mapping, root: str, limits: Limits) -> list[str]:
    egress = _seq(data.get("egress"))
    problems = _count(root, ("egress",), len(egress), limits.max_egress, "entries")
    problems += _count(root, ("links",), len(_map(data.get("links"))), limits.max_links, "link counters")
    problems += _count(root, ("sites",), len(_map(data.get("sites"))), limits.max_sites, "sites")
    for index, entry in enumerate(egress):
        entry = _map(entry)
        alternates = len(_seq(entry.get("alternates")))
        problems += _count(root, ("egress", index, "alternates"), alternates, limits.max_alternates, "alternates")
    prefixes = ((("egress", index, "prefix"), _map(entry).get("prefix")) for index, entry in enumerate(egress))
    problems += _too_long(root, prefixes, limits)
    return problems


def _load_references(data: Mapping, network: Network, root: str, load: Load | None) -> list[str]:
    """Cross-references of the raw load; `load` (if the model accepted it) supplies canonical prefixes,
    which saves parsing every prefix twice on large loads."""
    problems: list[str] = []
    canonical_prefixes = [demand.prefix for demand in load.egress] if load is not None else None
    link_ids = set(network.link_ids())

    def link_ref(loc: tuple, value: object) -> None:
        # a malformed id is the model's finding; one problem per path, not a second "unknown link"
        if isinstance(value, str) and re.fullmatch(LINK_ID_PATTERN, value) and value not in link_ids:
            problems.append(problem(root, loc, "unknown link", value))

    first_seen: dict[str, int] = {}
    for index, entry in enumerate(_seq(data.get("egress"))):
        entry = _map(entry)
        preferred = entry.get("link")
        link_ref(("egress", index, "link"), preferred)
        alternates_seen: set = set()
        for alt_index, alternate in enumerate(_seq(entry.get("alternates"))):
            link = _map(alternate).get("link")
            loc = ("egress", index, "alternates", alt_index, "link")
            link_ref(loc, link)
            if isinstance(link, str) and link == preferred:
                problems.append(problem(root, loc, "an alternate cannot be the preferred link", link))
            elif isinstance(link, str) and link in alternates_seen:
                problems.append(problem(root, loc, "duplicate alternate", link))
            alternates_seen.add(link if isinstance(link, str) else None)
        if canonical_prefixes is not None:
            canonical = canonical_prefixes[index]
        else:
            canonical = _canonical_prefix(entry.get("prefix"))
        mapped = _ipv4_mapped(canonical) if canonical is not None else None
        if mapped is not None:
            # never a route of its own: the IPv4 demand's duplicate in disguise
            message = f"an IPv4-mapped IPv6 prefix, the destination {mapped} (write the IPv4 prefix)"
            problems.append(problem(root, ("egress", index, "prefix"), message, entry.get("prefix")))
        elif canonical is not None:
            if canonical in first_seen:
                # one prefix, one best path: a local-pref override is network-wide, so demand is per prefix
                message = f"duplicate prefix, also at {location(root, ('egress', first_seen[canonical]))}"
                problems.append(problem(root, ("egress", index, "prefix"), message, entry.get("prefix")))
            else:
                first_seen[canonical] = index

    for link_id in _map(data.get("links")):
        link_ref(("links", link_id), link_id)
    for site, site_load in _map(data.get("sites")).items():
        if isinstance(site, str) and site not in network.sites:
            problems.append(problem(root, ("sites", site), "unknown site", site))
        for pool in _map(_map(site_load).get("pools")):
            if not isinstance(pool, str):
                continue
            if pool not in network.pools:
                problems.append(problem(root, ("sites", site, "pools", pool), "unknown pool", pool))
            elif site not in network.pools[pool].sites:
                message = f"pool is not announced at site {component(site)}"
                problems.append(problem(root, ("sites", site, "pools", pool), message, pool))
    return problems


def _over(value: float, capacity: float) -> bool:
    """`value` is above `capacity` times MAX_RATE_FACTOR (a bound that overflows is no bound)."""
    return value > capacity * MAX_RATE_FACTOR


_WRAP_OR_UNIT = "(counter wrap or unit mistake?)"


def _wrap(where: str, what: str, value: float, bound: str) -> str:
    return f"{where}: {what}{number(value)} bps is above {number(MAX_RATE_FACTOR)} x {bound} {_WRAP_OR_UNIT}"


def _implausible_rates(load: Load, network: Network, root: str, active: Plan | None) -> list[str]:
    """Counter consistency and plausibility of the rates. A rate above its link's (site's) capacity times
    `MAX_RATE_FACTOR` or a sum that overflows to infinity is a reason of its own; the consistency of that
    link's (site's) numbers is then not judged (they are known to be garbage, and inf vs inf would pass).
    Sums are exact (`math.fsum`); one that is not finite is a reason, never a comparison."""
    policy = network.policy
    reasons: list[str] = []
    capacity = {link_id: network.link(link_id).capacity_bps for link_id in network.link_ids()}
    per_link: dict[str, list[float]] = defaultdict(list)
    implausible: set[str] = set()  # links with a demand above their bound
    for index, demand in enumerate(load.egress):
        per_link[demand.link].append(demand.bps)
        link_capacity = capacity.get(demand.link)
        if link_capacity is not None and _over(demand.bps, link_capacity):
            bound = f"the capacity {number(link_capacity)} bps of its link {demand.link}"
            reasons.append(_wrap(f"{root}:egress:{index}:bps", "", demand.bps, bound))
            implausible.add(demand.link)
    unshifted = {link_id: _fsum(values) for link_id, values in per_link.items()}
    routings: list[Mapping[str, float]] = [unshifted]
    if active is not None and active.intents:
        routings.insert(0, expected_link_load(network, load, active))

    for link_id, link_capacity in capacity.items():
        counter = load.links.get(link_id)
        sums = [per_link.get(link_id, 0.0) for per_link in routings]
        if link_id in implausible:
            pass  # its demand is the reason; its sum would repeat it
        elif not all(math.isfinite(prefix_sum) for prefix_sum in sums):
            reasons.append(f"{root}:links:{link_id}: per-prefix sum overflows to infinity {_WRAP_OR_UNIT}")
            implausible.add(link_id)
        elif all(_over(prefix_sum, link_capacity) for prefix_sum in sums):  # as routed with or without `active`
            bound = f"the link's capacity {number(link_capacity)} bps"
            reasons.append(_wrap(f"{root}:links:{link_id}", "per-prefix sum ", min(sums), bound))
            implausible.add(link_id)
        if counter is None:
            reasons.append(f"{root}:links:{link_id}: no counter for this link")
            continue
        if _over(counter.out_bps, link_capacity):
            bound = f"the link's capacity {number(link_capacity)} bps"
            reasons.append(_wrap(f"{root}:links:{link_id}:out_bps", "counter ", counter.out_bps, bound))
            continue
        if link_id in implausible:
            continue
        differences = []
        for prefix_sum in sums:
            scale = max(counter.out_bps, prefix_sum)  # relative to the larger: a zero counter is not a division
            differences.append((abs(prefix_sum - counter.out_bps) / scale if scale else 0.0, prefix_sum))
        relative, prefix_sum = min(differences)
        if relative > policy.counter_tolerance:
            reasons.append(
                f"{root}:links:{link_id}: per-prefix sum {number(prefix_sum)} bps and counter "
                f"{number(counter.out_bps)} bps differ by {relative:.1%}, "
                f"more than policy counter_tolerance {policy.counter_tolerance:.0%}"
            )

    for site in sorted(network.sites):
        site_load = load.sites.get(site)
        if site_load is None:
            reasons.append(f"{root}:sites:{site}: no ingress for this site")
            continue
        site_capacity = network.sites[site].ingress_capacity_bps
        bound = f"the site's ingress_capacity_bps {number(site_capacity)} bps"
        found = len(reasons)
        if _over(site_load.ingress_bps, site_capacity):
            reasons.append(_wrap(f"{root}:sites:{site}:ingress_bps", "ingress ", site_load.ingress_bps, bound))
        for pool, bps in sorted(site_load.pools.items()):
            if _over(bps, site_capacity):
                reasons.append(_wrap(f"{root}:sites:{site}:pools:{pool}", "pool ingress ", bps, bound))
        if len(reasons) > found:
            continue
        pools_sum = _fsum(site_load.pools.values())
        if not math.isfinite(pools_sum):
            reasons.append(f"{root}:sites:{site}: pool ingress sum overflows to infinity {_WRAP_OR_UNIT}")
        elif pools_sum > site_load.ingress_bps * (1 + policy.counter_tolerance):
            reasons.append(
                f"{root}:sites:{site}: pool ingress {number(pools_sum)} bps "
                f"exceeds total ingress {number(site_load.ingress_bps)} bps"
            )
    return reasons


def check_load(
    load: Load, network: Network, *, now: float, root: str = "traffic_load", active: Plan | None = None
) -> LoadCheck:
    """The fail-static conditions of a well-formed load: age, counter consistency, completeness, rates no
    link or site can carry (above capacity x `MAX_RATE_FACTOR`: a counter wrap or a unit mistake) and sums
    that overflow.

    Counters measure traffic as routed, demands sit on their preferred links: with `active` (the plan that
    is applied while the load was measured) a counter may match what the demands produce under its detours
    or without them (a counter window that straddles the commit, a detour not yet in effect), so the
    planner's own shifts never read as inconsistent data; a counter that matches neither does."""
    policy = network.policy
    reasons: list[str] = []
    age = now - load.timestamp
    if age > policy.max_load_age_s:
        reasons.append(
            f"{root}:timestamp: load is {number(round(age, 1))}s old, "
            f"more than policy max_load_age_s {number(policy.max_load_age_s)}s"
        )
    if age < -MAX_CLOCK_SKEW_S:
        reasons.append(f"{root}:timestamp: load is stamped {number(round(-age, 1))}s in the future (clock skew?)")

    reasons += _implausible_rates(load, network, root, active)
    reasons.sort()
    return LoadCheck(load=load, age_s=age, stale=bool(reasons), reasons=tuple(reasons))


def parse_load(
    data: object,
    network: Network,
    *,
    now: float,
    root: str = "traffic_load",
    limits: Limits = DEFAULT_LIMITS,
    active: Plan | None = None,
) -> LoadCheck:
    """The `traffic_load:` pillar key -> `LoadCheck` (see the module docstring), or `ValidationError`.
    `active`: the plan applied while the load was measured (see `check_load`)."""
    if not isinstance(data, Mapping):
        raise ValidationError([problem(root, (), "must be a mapping", data)])
    too_deep = nesting_problem(data, root)  # before anything else walks the data
    _raise([too_deep] if too_deep else [])
    _raise(_load_limits(data, root, limits))
    load, problems = _model(Load, data, root)
    problems += _load_references(data, network, root, load)
    _raise(problems)
    return check_load(load, network, now=now, root=root, active=active)


__all__ = [
    "DEFAULT_LIMITS", "Limits", "LoadCheck", "MAX_LOAD_DEPTH", "MAX_RATE_FACTOR", "SAFE_TEXT", "check_load",
    "nesting_problem", "parse_load", "parse_network",
]
