"""parse_load / check_load: a load source's data -> `LoadCheck` (fail static when not to be acted on)."""
from __future__ import annotations

import ipaddress
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Annotated

import pydantic
from pydantic import Field

from trafficshift.bulk import collector_paused
from trafficshift.errors import ValidationError
from trafficshift.model import (
    LINK_ID_PATTERN,
    Load,
    Network,
)
from trafficshift.model.plan import Plan
from trafficshift.model.values import Frozen, LinkId, NonNegativeBps, Prefix
from trafficshift.problems import component, location, number, problem
from trafficshift.model.projection import expected_link_load
from trafficshift.validation.base import (DEFAULT_LIMITS, Limits, LoadCheck, _canonical_prefix, _count, _map, _model,
                                          _raise, _seq, _too_long)

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


# -- load ---------------------------------------------------------------------------------------------------
_CONTAINERS = (dict, list, tuple)
_SCALARS = (str, int, float, type(None))
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})  # exact types: subclasses take the slow path
_CONTAINER_TYPES = frozenset(_CONTAINERS)


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
            # _is_container, inlined with exact-type sets first: the hot loop on large loads
            deeper += [value for value in values
                       if type(value) not in _SCALAR_TYPES
                       and (type(value) in _CONTAINER_TYPES or _is_container(value))]
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


def _load_references(data: Mapping, network: Network, root: str, load: _ExplainedLoad | None) -> list[str]:
    """Cross-references of the raw load; `load` (if the model accepted it) supplies canonical prefixes,
    which saves parsing every prefix twice on large loads."""
    problems: list[str] = []
    canonical_prefixes = [demand.prefix for demand in load.egress] if load is not None else None
    link_ids = set(network.link_ids())

    unknown: dict[str, bool] = {}  # link id -> whether it is well-formed but unknown (ids repeat 100x)

    def is_unknown(value: str) -> bool:
        # a malformed id is the model's finding; one problem per path, not a second "unknown link"
        found = unknown.get(value)
        if found is None:
            found = unknown[value] = bool(re.fullmatch(LINK_ID_PATTERN, value)) and value not in link_ids
        return found

    def link_ref(loc: tuple, value: object) -> None:
        if isinstance(value, str) and is_unknown(value):
            problems.append(problem(root, loc, "unknown link", value))

    first_seen: dict[str, int] = {}
    for index, entry in enumerate(_seq(data.get("egress"))):
        entry = _map(entry)
        preferred = entry.get("link")
        link_ref(("egress", index, "link"), preferred)
        alternates_seen: set = set()
        for alt_index, alternate in enumerate(_seq(entry.get("alternates"))):
            link = _map(alternate).get("link")
            if not isinstance(link, str):
                alternates_seen.add(None)
                continue
            duplicate = link in alternates_seen
            if is_unknown(link) or link == preferred or duplicate:  # the location only for a problem
                loc = ("egress", index, "alternates", alt_index, "link")
                link_ref(loc, link)
                if link == preferred:
                    problems.append(problem(root, loc, "an alternate cannot be the preferred link", link))
                elif duplicate:
                    problems.append(problem(root, loc, "duplicate alternate", link))
            alternates_seen.add(link)
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
    # a failed link (capacity 0, or reported down) has no capacity to judge rates by, and its counter reads
    # whatever the failure left: the planner moves its prefixes away whatever they measure
    down = {link_id for link_id, counter in load.links.items() if not counter.up}
    capacity = {link_id: network.link(link_id).capacity_bps for link_id in network.link_ids()
                if network.link(link_id).capacity_bps > 0 and link_id not in down}
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
    `active`: the plan applied while the load was measured (see `check_load`).

    Two paths, one verdict: `_accepted` builds the model and checks sizes and references with set
    operations (a 200k-entry load in a fraction of a second); anything it does not accept goes through
    `_explained`, which walks the raw data and names every problem. `_accepted` never accepts what
    `_explained` refuses (tests/validation/test_validation_fast_path.py)."""
    if not isinstance(data, Mapping):
        raise ValidationError([problem(root, (), "must be a mapping", data)])
    with collector_paused():
        load = _accepted(data, network, limits)
        if load is None:
            load = _explained(data, network, root, limits)
        return check_load(load, network, now=now, root=root, active=active)


#: no valid prefix is written in more characters (a full IPv6 address and /128); below this string limit the
#: prefixes' raw lengths matter and only `_explained` measures them
_LONGEST_PREFIX = len("0000:0000:0000:0000:0000:0000:0000:0000/128")


def _accepted(data: Mapping, network: Network, limits: Limits) -> Load | None:
    """The load when the model and every size and reference check accept it, else None. The model bounds
    the depth of what it accepts (each field has a type), so the nesting walk is not needed here."""
    egress, links, sites = data.get("egress", ()), data.get("links", {}), data.get("sites", {})
    if (limits.max_string_length < _LONGEST_PREFIX or type(egress) not in (list, tuple)
            or not isinstance(links, Mapping) or not isinstance(sites, Mapping)
            or len(egress) > limits.max_egress or len(links) > limits.max_links or len(sites) > limits.max_sites):
        return None
    try:
        load = Load.model_validate(data)
    except pydantic.ValidationError:
        return None
    demands = load.egress
    link_ids = set(network.link_ids())
    if not link_ids.issuperset(load.links) or not link_ids.issuperset(demand.link for demand in demands):
        return None
    prefixes = {demand.prefix for demand in demands}
    if len(prefixes) < len(demands) or any(prefix.startswith("::ffff:") for prefix in prefixes):
        return None  # a duplicate or (perhaps) an IPv4-mapped prefix
    if not link_ids.issuperset(alternate.link for demand in demands for alternate in demand.alternates):
        return None
    for demand in demands:
        if demand.alternates:
            alternates = {alternate.link for alternate in demand.alternates}
            if (len(alternates) < len(demand.alternates) or demand.link in alternates
                    or len(demand.alternates) > limits.max_alternates):
                return None
    for site, site_load in load.sites.items():
        if site not in network.sites:
            return None
        for pool in site_load.pools:
            if pool not in network.pools or site not in network.pools[pool].sites:
                return None
    return load


class _AlternateEntry(Frozen):
    link: LinkId
    preference: Annotated[int, Field(ge=0, le=1000, strict=True)] = 0


class _EgressEntry(Frozen):
    prefix: Prefix
    bps: NonNegativeBps
    link: LinkId
    alternates: tuple[_AlternateEntry, ...] = ()


class _ExplainedLoad(Load):
    """`Load` with a pydantic model per egress entry and alternate: slower, but pydantic reports every
    problem of every entry, and `_pydantic_problem` words each in the load's terms."""

    egress: tuple[_EgressEntry, ...] = ()


def _explained(data: Mapping, network: Network, root: str, limits: Limits) -> Load:
    """Every problem of a load `_accepted` did not accept, as one ValidationError; nesting first, before
    anything else walks the data."""
    too_deep = nesting_problem(data, root)
    _raise([too_deep] if too_deep else [])
    _raise(_load_limits(data, root, limits))
    explained, problems = _model(_ExplainedLoad, data, root)
    problems += _load_references(data, network, root, explained)
    _raise(problems)
    load, problems = _model(Load, data, root)  # what `egress_demands` refuses that the entries' models do not
    _raise(problems)
    return load
