"""Scenario generator for the planner benchmark: synthetic networks at scale and realistic ones from the
SNDlib topologies and measured demand matrices shipped in the `topohub` wheel, plus the LP reference.

Everything is seeded, so a scenario is the same on every run.
"""
from __future__ import annotations

import ast
import ipaddress
import math
import random
import re
import time
from dataclasses import dataclass

from trafficshift.model import Load, Network, Policy
from trafficshift.model.plan import utilization

#: the bench compares with an LP that has no caps: lift the caps that would otherwise stop the planner early
BENCH_POLICY = dict(
    max_moved_fraction=1.0,
    max_overrides=100_000,
    max_shifting_elements=100_000,
    max_plan_change=1_000_000,
    max_withdraw_sites=1,
    split_threshold_bps=2e9,
)
POOLS = {"pool-bulk": 10, "pool-free": 20, "pool-paid": 30, "pool-critical": 40}  # name -> priority
KINDS = ("transit", "private", "public-ix")


@dataclass(frozen=True)
class Scenario:
    name: str
    network: Network
    load: Load


def _capacity(rng: random.Random, load_bps: float, overloaded: bool, floor_bps: float) -> float:
    """A capacity that puts `load_bps` at 92-115% (overloaded) or 30-70% of it."""
    if load_bps <= 0:
        return floor_bps
    utilization = rng.uniform(0.92, 1.15) if overloaded else rng.uniform(0.30, 0.70)
    return max(load_bps / utilization, 1.0)


def _prefix(index: int, length: int = 24) -> str:
    """The index-th /length from 20.0.0.0 on: 20.0.0.0/24, 20.0.1.0/24, ..."""
    return str(ipaddress.IPv4Network((0x14000000 + (index << (32 - length)), length)))


def _assemble(name, seed, sites, site_links, link_kind, demands, pools_at, overload_share, site_overload_share, policy,
              hot_apart=True, raw=False):
    """Build Network and Load from plain data: sites {site: neighbors}, site_links {site: [(router, if)]},
    demands [(prefix, bps, link, [alternate links])], pools_at {pool: [sites]}. `hot_apart` keeps an
    overloaded site from neighboring another one; `raw` returns the pillar data (network, load) instead."""
    rng = random.Random(seed * 7919 + 1)
    link_load: dict[str, float] = {}
    for _, bps, link, _ in demands:
        link_load[link] = link_load.get(link, 0.0) + bps
    loads = sorted(link_load.values())
    floor = loads[len(loads) // 2] * 2 if loads else 10e9
    routers: dict[str, dict] = {}
    overloaded_sites: set[str] = set()  # one overloaded link per site, so a site never has only full links
    for site in sorted(site_links):
        for router, interface in site_links[site]:
            lid = f"{router}:{interface}"
            index = len(routers.get(router, {}).get("links", {}))
            overloaded = rng.random() < overload_share and site not in overloaded_sites
            # links of one site are sized alike (at least 60% of its busiest link's load), as operators do
            busiest = max(link_load.get(f"{r}:{i}", 0.0) for r, i in site_links[site])
            entry = routers.setdefault(router, {
                "site": site, "vendor": "junos" if len(routers) % 2 == 0 else "eos", "asn": 64512,
                "router_id": str(ipaddress.IPv4Address(0x0A000000 + len(routers) + 1)), "links": {},
            })
            entry["links"][interface] = {
                "peer": f"peer-{site}-{index}", "neighbor": str(ipaddress.IPv4Address(0xC6120000 + 2 * len(link_load) + index)),
                "peer_as": 64600 + index, "kind": link_kind[lid], "group": link_kind[lid],
                "capacity_bps": _capacity(rng, link_load.get(lid, 0.0), overloaded, floor) if overloaded
                else max(_capacity(rng, link_load.get(lid, 0.0), False, floor), 0.6 * busiest),
            }
            if overloaded:
                overloaded_sites.add(site)
    site_ingress = {}
    site_entries = {}
    hot_sites: set[str] = set()  # an overloaded site never spills into another one (see docs/benchmarks.md)
    for site in sorted(sites):
        pools = {pool: rng.lognormvariate(math.log(2e9), 0.6) for pool in sorted(pools_at) if site in pools_at[pool]}
        total = sum(pools.values()) * 1.1  # plus ingress of no pool, which cannot move
        site_ingress[site] = {"ingress_bps": total, "pools": pools}
        hot = rng.random() < site_overload_share
        if hot_apart:
            hot = hot and not hot_sites & ({site} | set(sites[site])) and not any(site in sites[other] for other in hot_sites)
        if hot:
            hot_sites.add(site)
        capacity = _capacity(rng, total, hot, 1e9)
        site_entries[site] = {"ingress_capacity_bps": capacity, "neighbors": list(sites[site])}
    network = {
        "sites": site_entries, "routers": routers,
        "pools": {pool: {"prefixes": [f"192.0.{i}.0/24"], "priority": POOLS[pool], "sites": sorted(pools_at[pool])}
                  for i, pool in enumerate(sorted(pools_at))},
        "policy": Policy(**policy).model_dump(),
    }
    egress = [{"prefix": p, "bps": bps, "link": link, "alternates": [{"link": a, "preference": k} for k, a in enumerate(alts)]}
              for p, bps, link, alts in demands]
    load = {
        "timestamp": 1_700_000_000.0, "source": "bench", "egress": egress,
        "links": {lid: {"out_bps": bps} for lid, bps in sorted(link_load.items())}, "sites": site_ingress,
    }
    if raw:
        return network, load
    return Scenario(name, Network.model_validate(network), Load.model_validate(load))


def synthetic(name: str, sites: int, links: int, prefixes: int, seed: int = 1, overload_share: float = 0.08,
              site_overload_share: float = 0.1, policy: dict | None = None, hot_apart: bool = True,
              raw: bool = False) -> Scenario | tuple[dict, dict]:
    """`sites` sites on a ring (neighbors by ring distance), two routers each, `links` links spread over
    them, `prefixes` /24 demands with log-normal rates on random links, two alternates each (same site
    and next site)."""
    rng = random.Random(seed)
    names = [f"s{i:04d}" for i in range(sites)]
    neighbors = {s: [names[(i + d) % sites] for k in range(1, 4) for d in (k, -k) if sites > 1][:4] for i, s in enumerate(names)}
    site_links: dict[str, list[tuple[str, str]]] = {s: [] for s in names}
    link_kind: dict[str, str] = {}
    for k in range(links):
        site = names[k % sites]
        router = f"{site}-r{1 + (k // sites) % 2}"
        interface = f"et-0/0/{k // sites}"
        site_links[site].append((router, interface))
        link_kind[f"{router}:{interface}"] = KINDS[k % 3]
    flat = [f"{r}:{i}" for s in names for r, i in site_links[s]]
    by_site = {s: [f"{r}:{i}" for r, i in site_links[s]] for s in names}
    demands = []
    for index in range(prefixes):
        site = names[rng.randrange(sites)]
        link = rng.choice(by_site[site]) if by_site[site] else rng.choice(flat)
        local = [x for x in by_site[site] if x != link]
        remote = by_site[neighbors[site][0]] if neighbors[site] and by_site[neighbors[site][0]] else flat
        alts = ([rng.choice(local)] if local else []) + [rng.choice(remote)]
        alts = [a for a in dict.fromkeys(alts) if a != link]
        demands.append((_prefix(index), rng.lognormvariate(math.log(2e6), 1.2), link, alts))
    pools_at = {pool: names for pool in POOLS}
    return _assemble(name, seed, neighbors, site_links, link_kind, demands, pools_at, overload_share,
                     site_overload_share, {**BENCH_POLICY, **(policy or {})}, hot_apart, raw)


# -- hand-made load shapes the random generators rarely draw ----------------------------------------------
def _rebuild(base: Scenario, name: str, edit) -> Scenario:
    """`base` with its plain data changed by `edit(network, load)` (dicts as the pillar holds them)."""
    network, load = base.network.model_dump(mode="json"), base.load.model_dump(mode="json")
    edit(network, load)
    return Scenario(name, Network.model_validate(network), Load.model_validate(load))


def _link_loads(load: dict) -> dict[str, float]:
    totals: dict[str, float] = {}
    for demand in load["egress"]:
        totals[demand["link"]] = totals.get(demand["link"], 0.0) + demand["bps"]
    return totals


def hot_adjacent(seed: int = 21) -> Scenario:
    """Half the sites overloaded, neighbors of each other included, so shifted ingress lands on hot sites."""
    return synthetic("shape-hot-adjacent", sites=12, links=48, prefixes=1_500, seed=seed, site_overload_share=0.5,
                     hot_apart=False)


def flash_crowd(seed: int = 22) -> Scenario:
    """One pool at one site six times its usual ingress (a flash crowd), the site far above capacity."""
    def edit(network, load):
        site = sorted(load["sites"])[0]
        pools = load["sites"][site]["pools"]
        pool = sorted(pools)[-1]
        extra = 5 * pools[pool]
        pools[pool] += extra
        load["sites"][site]["ingress_bps"] += extra
    return _rebuild(synthetic("flash", sites=10, links=40, prefixes=1_200, seed=seed), "shape-flash-crowd", edit)


def many_small(seed: int = 23) -> Scenario:
    """Most links slightly overloaded at once: many small relief moves competing for the same alternates."""
    return synthetic("shape-many-small", sites=16, links=96, prefixes=3_000, seed=seed, overload_share=0.6,
                     site_overload_share=0.3)


def unsplittable(seed: int = 24) -> Scenario:
    """The busiest link carries a few huge /24s (which never split), each larger than its excess."""
    def edit(network, load):
        totals = _link_loads(load)
        link = max(sorted(totals), key=lambda lid: totals[lid])
        mine = [d for d in load["egress"] if d["link"] == link and d["alternates"]]
        for demand in mine[:3]:
            demand["bps"] = totals[link] / 4
        totals = _link_loads(load)
        router, _, interface = link.partition(":")
        network["routers"][router]["links"][interface]["capacity_bps"] = totals[link] / 0.95
        load["links"] = {lid: {"out_bps": bps} for lid, bps in sorted(totals.items())}
    return _rebuild(synthetic("unsplittable", sites=8, links=32, prefixes=800, seed=seed), "shape-unsplittable", edit)


def overlapping(seed: int = 25) -> Scenario:
    """Every tenth demand also has a more-specific /25 and a covering /23 of its own, exiting other links."""
    def edit(network, load):
        extra = []
        links = sorted({d["link"] for d in load["egress"]})
        for k, demand in enumerate(load["egress"][::10]):
            net = ipaddress.ip_network(demand["prefix"])
            other = links[(links.index(demand["link"]) + 1 + k) % len(links)]
            alternates = [a for a in demand["alternates"] if a["link"] != other]
            if other == demand["link"]:
                continue
            extra.append({"prefix": str(next(net.subnets(new_prefix=25))), "bps": demand["bps"] / 3, "link": other,
                          "alternates": alternates + ([{"link": demand["link"], "preference": 9}])})
            covering = str(net.supernet(new_prefix=23))
            if covering not in {d["prefix"] for d in load["egress"] + extra}:
                extra.append({"prefix": covering, "bps": demand["bps"] / 2, "link": demand["link"],
                              "alternates": demand["alternates"]})
        load["egress"] += extra
        load["links"] = {lid: {"out_bps": bps} for lid, bps in sorted(_link_loads(load).items())}
    return _rebuild(synthetic("overlapping", sites=8, links=32, prefixes=1_000, seed=seed), "shape-overlapping", edit)


def at_watermark(seed: int = 26) -> Scenario:
    """Every third link and site loaded to exactly its high watermark (the threshold, not above it)."""
    def edit(network, load):
        threshold = network["policy"]["overload_threshold"]
        totals = _link_loads(load)
        for k, lid in enumerate(sorted(totals)):
            if k % 3 == 0 and totals[lid] > 0:
                router, _, interface = lid.partition(":")
                network["routers"][router]["links"][interface]["capacity_bps"] = totals[lid] / threshold
        for k, site in enumerate(sorted(load["sites"])):
            if k % 3 == 0:
                network["sites"][site]["ingress_capacity_bps"] = load["sites"][site]["ingress_bps"] / threshold
    return _rebuild(synthetic("watermark", sites=9, links=36, prefixes=900, seed=seed), "shape-at-watermark", edit)


def failed_link(seed: int = 27) -> Scenario:
    """The busiest link of each of two sites has failed (capacity 0) with its demand still on it."""
    def edit(network, load):
        totals = _link_loads(load)
        for site in sorted(network["sites"])[:2]:
            mine = [lid for lid in sorted(totals) if network["routers"][lid.partition(":")[0]]["site"] == site]
            router, _, interface = max(mine, key=lambda lid: totals[lid]).partition(":")
            network["routers"][router]["links"][interface]["capacity_bps"] = 0.0
    return _rebuild(synthetic("failed", sites=8, links=32, prefixes=900, seed=seed), "shape-failed-link", edit)


#: the hand-made shapes, by scenario name
SHAPES = {scenario.__name__.replace("_", "-"): scenario
          for scenario in (hot_adjacent, flash_crowd, many_small, unsplittable, overlapping, at_watermark, failed_link)}


def shuffled(scenario: Scenario, seed: int) -> Scenario:
    """The same network and load with every list and mapping the pillar or a load source could order
    differently given in another order (site neighbors excepted: their order means nearest first)."""
    rng = random.Random(seed)

    def mix(items):
        items = list(items)
        rng.shuffle(items)
        return items

    def remap(mapping):
        return {key: mapping[key] for key in mix(mapping)}

    def edit(network, load):
        network["sites"] = remap(network["sites"])
        network["routers"] = remap(network["routers"])
        for router in network["routers"].values():
            router["links"] = remap(router["links"])
        network["pools"] = remap(network["pools"])
        for pool in network["pools"].values():
            pool["sites"], pool["prefixes"] = mix(pool["sites"]), mix(pool["prefixes"])
        network["catchment"] = {site: remap(shares) for site, shares in remap(network.get("catchment", {})).items()}
        load["egress"] = mix(load["egress"])
        for demand in load["egress"]:
            demand["alternates"] = mix(demand["alternates"])
        load["links"], load["sites"] = remap(load["links"]), remap(load["sites"])
        for site in load["sites"].values():
            site["pools"] = remap(site["pools"])
    return _rebuild(scenario, scenario.name, edit)


def sndlib_keys() -> list[str]:
    """Every SNDlib network the installed topohub ships."""
    import importlib.resources

    return sorted(entry.name[:-5] for entry in importlib.resources.files("topohub").joinpath("data", "sndlib").iterdir()
                  if entry.name.endswith(".json"))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", name).strip("-.")[:40] or "node"


def sndlib(key: str, prefixes_per_demand: int = 8, seed: int = 1, bps_per_unit: float = 1e6,
           policy: dict | None = None) -> Scenario:
    """A topohub SNDlib network: each node is a site with one router, each edge an external link at both
    ends (one link per neighbor), each measured demand s->t is `prefixes_per_demand` prefixes egressing at
    s over the link toward t's next hop on the shortest path (by the edge `dist`), with the other links
    of s as alternates (ordered by their path length to t)."""
    import topohub

    topo = topohub.get(f"sndlib/{key}")
    names = {n["id"]: _safe(n["name"]) for n in topo["nodes"]}
    adjacency: dict[int, dict[int, float]] = {n: {} for n in names}
    for edge in topo["edges"]:
        u, v, dist = edge["source"], edge["target"], float(edge.get("dist", 1.0))
        if u != v:
            adjacency[u][v] = min(dist, adjacency[u].get(v, math.inf))
            adjacency[v][u] = min(dist, adjacency[v].get(u, math.inf))
    distance = {source: _dijkstra(adjacency, source) for source in sorted(adjacency)}
    site_links = {}
    link_of = {}
    link_kind = {}
    for u in sorted(adjacency):
        router = f"{names[u]}-r1"
        site_links[names[u]] = []
        for k, v in enumerate(sorted(adjacency[u])):
            interface = f"et-0/0/{k}"
            site_links[names[u]].append((router, interface))
            link_of[(u, v)] = f"{router}:{interface}"
            link_kind[f"{router}:{interface}"] = KINDS[(u + v) % 3]
    rng = random.Random(seed)
    demands_raw = topo["graph"]["demands"]
    if isinstance(demands_raw, str):
        demands_raw = ast.literal_eval(demands_raw)
    demands = []
    index = 0
    weights = [1.0 / (k + 1) for k in range(prefixes_per_demand)]  # Zipf-like split over a destination's prefixes
    for s in sorted(demands_raw, key=int):
        for t in sorted(demands_raw[s], key=int):
            s_id, t_id, value = int(s), int(t), float(demands_raw[s][t])
            if s_id == t_id or value <= 0 or t_id not in distance[s_id]:
                continue
            via = sorted(adjacency[s_id], key=lambda v: (adjacency[s_id][v] + distance[v].get(t_id, math.inf), v))
            for w in weights:
                bps = value * bps_per_unit * w / sum(weights) * rng.uniform(0.8, 1.2)
                demands.append((_prefix(index, 20), bps, link_of[(s_id, via[0])], [link_of[(s_id, v)] for v in via[1:]]))
                index += 1
    sites = {names[u]: [names[v] for v in sorted(distance[u], key=lambda v: (distance[u][v], v)) if v != u][:4]
             for u in sorted(adjacency)}
    pools_at = {pool: sorted(sites) for pool in POOLS}
    return _assemble(f"sndlib-{key}", seed, sites, site_links, link_kind, demands, pools_at, 0.2, 0.15,
                     {**BENCH_POLICY, **(policy or {})})


def _dijkstra(adjacency: dict[int, dict[int, float]], source: int) -> dict[int, float]:
    import heapq

    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        d, u = heapq.heappop(queue)
        if d > best[u]:
            continue
        for v, w in sorted(adjacency[u].items()):
            if d + w < best.get(v, math.inf):
                best[v] = d + w
                heapq.heappush(queue, (d + w, v))
    return best


# -- the LP reference -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LpResult:
    feasible: bool
    moved_bps: float
    moved_egress_bps: float
    moved_ingress_bps: float
    max_util_after: float
    seconds: float
    link_bound: dict[str, float]
    site_bound: dict[str, float]
    proven: bool = True  # the solver proved the optimum (an integral one may stop at its time limit)


def bounds(network: Network, load: Load, projection) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]:
    """Projected load without shifts (the planner's: per-prefix estimates scaled to the counters) and the
    load each link/site must end at or under: its target when it is overloaded or under target, its current
    load when it sits between target and overload threshold (the planner neither relieves nor loads those)."""
    policy = network.policy
    natural = dict(projection.natural)

    def bound(current: float, capacity: float) -> float:
        if current > policy.overload_threshold * capacity or current <= policy.target_utilization * capacity:
            return policy.target_utilization * capacity
        return current

    site_natural = {s: (load.sites[s].ingress_bps if s in load.sites else 0.0) for s in network.sites}
    link_bound = {lid: bound(natural[lid], network.link(lid).capacity_bps) for lid in natural}
    site_bound = {s: bound(site_natural[s], network.sites[s].ingress_capacity_bps) for s in network.sites}
    return natural, link_bound, site_natural, site_bound


def lp_reference(network: Network, load: Load) -> LpResult:
    """Minimum traffic moved (egress prefixes to alternates, anycast pool ingress off sites, fractional)
    such that every link and site ends at or under its bound: a lower bound for the planner."""
    return _reference(network, load, integral=False)


def mip_reference(network: Network, load: Load, time_limit_s: float = 60.0) -> LpResult:
    """The same problem in the planner's own action space: whole prefixes to one alternate each (no
    splits), whole prepend steps per (site, pool, link) up to `max_prepend`, withdrawal (never on a pool's
    last link at a site, at most `max_withdraw_sites` sites per pool). `feasible` says whether an integral
    fix exists; `proven` whether HiGHS proved its minimum within `time_limit_s`."""
    return _reference(network, load, integral=True, time_limit_s=time_limit_s)


def _reference(network: Network, load: Load, integral: bool, time_limit_s: float = 60.0) -> LpResult:
    import highspy

    from trafficshift.model.projection import Projection
    from trafficshift.planner.integral import colwise_program

    started = time.perf_counter()
    policy = network.policy
    # the planner's own routing projection and counter scaling, so both solve the same instance
    helper = Projection(network, load, scale_to_counters=True)
    natural, link_bound, site_natural, site_bound = bounds(network, load, helper)
    link_row = {lid: k for k, lid in enumerate(sorted(natural))}
    site_row = {s: len(link_row) + k for k, s in enumerate(sorted(site_natural))}
    # a column: its matrix entries per unit, upper bound and cost per unit; integral columns are 0/1
    columns: list[list[tuple[int, float]]] = []
    upper: list[float] = []
    cost: list[float] = []
    extra_rows: list[tuple[list[tuple[int, float]], float]] = []  # (column, coefficient) pairs <= bound

    def column(entries, bound, unit_cost):
        columns.append(entries)
        upper.append(bound)
        cost.append(unit_cost)
        return len(columns) - 1

    for i, (link, bps) in enumerate(zip(helper.demand_link, helper.demand_bps)):
        if link not in link_row or bps <= 0:
            continue
        unit = bps if integral else 1.0  # 0/1: the whole prefix moves; fractional: bps moved
        mine = [column([(link_row[link], -unit), (link_row[alt], unit)], 1.0 if integral else bps, unit)
                for alt in helper.alternates(i)]
        if len(mine) > 1:  # one alternate per prefix (all of it at most, fractionally)
            extra_rows.append(([(c, 1.0) for c in mine], 1.0 if integral else bps))
    egress_columns = len(columns)
    withdrawn_at: dict[str, list[int]] = {}  # pool -> its "withdrawn at this site" indicator columns
    for (site, pool), landing in sorted(helper.landing.items()):
        amount = helper.pool_natural[site].get(pool, 0.0)
        if amount <= 0 or not landing:
            continue
        if not integral:  # any fraction of the pool's ingress at the site
            column([(site_row[site], -1.0)] + [(site_row[r], f) for r, f in landing], amount, 1.0)
            continue
        links = helper.pool_links[(site, pool)]
        indicator = None
        for lid in links:
            ceiling = policy.max_prepend if lid == links[-1] else policy.max_prepend + 1
            levels = []
            for level in range(1, ceiling + 1):
                moved = helper.moved_out(site, pool, lid, level)
                if moved <= 0:
                    continue
                levels.append(column([(site_row[site], -moved)] + [(site_row[r], f * moved) for r, f in landing],
                                     1.0, moved))
                if level > policy.max_prepend:  # withdrawal: counts toward max_withdraw_sites
                    if indicator is None:
                        indicator = column([], 1.0, 0.0)
                        withdrawn_at.setdefault(pool, []).append(indicator)
                    extra_rows.append(([(levels[-1], 1.0), (indicator, -1.0)], 0.0))
            if len(levels) > 1:  # one level per (site, pool, link)
                extra_rows.append(([(c, 1.0) for c in levels], 1.0))
    for pool, indicators in sorted(withdrawn_at.items()):
        extra_rows.append(([(c, 1.0) for c in indicators], float(policy.max_withdraw_sites)))
    row_upper = [link_bound[lid] - natural[lid] for lid in sorted(natural)]
    row_upper += [site_bound[s] - site_natural[s] for s in sorted(site_natural)]
    row_upper += [bound for _, bound in extra_rows]
    entries = [list(col) for col in columns]
    for k, (members, _) in enumerate(extra_rows):
        for c, coefficient in members:
            entries[c].append((len(link_row) + len(site_row) + k, coefficient))
    lp = colwise_program(entries, cost, [0.0] * len(columns), upper, row_upper, len(columns) if integral else 0)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)
    if integral:
        solver.setOptionValue("time_limit", float(time_limit_s))
        solver.setOptionValue("mip_rel_gap", 1e-3)  # within 0.1% of the optimum is proof enough here
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    proven = status == highspy.HighsModelStatus.kOptimal
    feasible = proven or (integral and solver.getInfo().primal_solution_status == 2)  # a feasible incumbent
    moved = solver.getInfo().objective_function_value if feasible else math.nan
    max_util = moved_egress = moved_ingress = math.nan
    if feasible:
        values = solver.getSolution().col_value
        moved_egress = float(sum(values[c] * cost[c] for c in range(egress_columns)))
        moved_ingress = float(sum(values[c] * cost[c] for c in range(egress_columns, len(columns))))
        activity = solver.getSolution().row_value
        utils = [utilization(natural[lid] + activity[link_row[lid]], network.link(lid).capacity_bps) for lid in link_row]
        utils += [(site_natural[s] + activity[site_row[s]]) / network.sites[s].ingress_capacity_bps for s in site_row]
        max_util = max(utils)
    return LpResult(feasible, moved, moved_egress, moved_ingress, max_util, time.perf_counter() - started, link_bound,
                    site_bound, proven)


# -- an independent recomputation of a plan's predictions -------------------------------------------------
def recompute(network: Network, load: Load, plan) -> tuple[dict[str, float], dict[str, float]]:
    """Link and site loads after a first-cycle `plan` (no previous plan, no controls), computed from its
    intents and the documented models (docs/guard-rails.md: counter scaling; planner docstring: catchment,
    prepend steps, pool shares) without trafficshift.model.projection, to check the planner's predictions
    independently."""
    links, sites, _ = recompute_moves(network, load, plan)
    return links, sites


def recompute_moves(network: Network, load: Load, plan) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """`recompute`, and the traffic each kind of intent moves ({"egress": ..., "ingress": ...}): every
    detour's bps, and every prepend's or withdrawal's ingress leaving its site, counted where it moves
    (a site that sheds a pool and receives it back counts both)."""
    from trafficshift.model.plan import Detour, Withdraw

    policy = network.policy
    capacity = {lid: network.link(lid).capacity_bps for lid in network.link_ids()}
    sums: dict[str, list[float]] = {}
    for demand in load.egress:
        sums.setdefault(demand.link, []).append(demand.bps)
    flow = {lid: math.fsum(values) for lid, values in sums.items()}
    factor = {}
    for lid, counter in load.links.items():
        if counter.out_bps > 0 and flow.get(lid, 0.0) > 0 and capacity.get(lid, 0.0) > 0:
            factor[lid] = counter.out_bps / flow[lid]
    scaled = {d.prefix: (d.bps * factor.get(d.link, 1.0), d.link) for d in load.egress}
    links = {lid: math.fsum(d.bps * factor.get(d.link, 1.0) for d in load.egress if d.link == lid) for lid in capacity}
    sites = {s: (load.sites[s].ingress_bps if s in load.sites else 0.0) for s in network.sites}
    moved: dict[str, list[float]] = {"egress": [], "ingress": []}
    for intent in plan.intents:
        if isinstance(intent, Detour):
            net, share = ipaddress.ip_network(intent.prefix), 1.0
            while str(net) not in scaled:  # a split half: its demand is the nearest covering prefix
                net, share = net.supernet(), share / 2
            bps = scaled[str(net)][0] * share
            links[intent.from_link] -= bps
            links[f"{intent.router}:{intent.link}"] += bps
            moved["egress"].append(bps)
            continue
        router = network.routers[intent.router]
        site, pool = router.site, network.pools[intent.pool]
        families = {ipaddress.ip_network(p).version for p in pool.prefixes}
        carrying = {f"{r}:{i}": link.capacity_bps for r, rt in network.routers.items() if rt.site == site
                    for i, link in rt.links.items() if families & set(link.families)}
        fraction = 1.0 if isinstance(intent, Withdraw) else min(1.0, intent.count * policy.prepend_step_fraction)
        pool_in = load.sites[site].pools.get(intent.pool, 0.0) if site in load.sites else 0.0
        leaving = pool_in * carrying[f"{intent.router}:{intent.link}"] / sum(carrying.values()) * fraction
        others = [s for s in pool.sites if s != site]
        weights = {s: share for s, share in network.catchment.get(site, {}).items() if s in others}
        if not network.catchment.get(site):
            nearest = [s for s in network.sites[site].neighbors if s in others]
            weights = {s: 0.5 ** (k + 1) for k, s in enumerate(nearest)} or {s: 1.0 for s in others}
        sites[site] -= leaving
        moved["ingress"].append(leaving)
        for receiver, weight in weights.items():
            sites[receiver] += leaving * weight / sum(weights.values())
    return links, sites, {kind: math.fsum(values) for kind, values in moved.items()}


def prediction_error_bps(network: Network, load: Load, plan) -> float:
    """The largest difference, beyond the plan's rounding, between a plan's predicted after-loads and
    `recompute`'s (0.0: every prediction checks out)."""
    links, sites = recompute(network, load, plan)
    worst = 0.0
    for predicted, recomputed in ((plan.links, links), (plan.sites, sites)):
        for u in predicted:
            allowed = 1e-3 + 1e-9 * max(u.capacity_bps, abs(u.after_bps))  # plans round to 3 decimals
            worst = max(worst, abs(u.after_bps - recomputed[u.id]) - allowed)
    return worst
