"""The routing projection: what the network would carry under a set of intents, shared by the planner, the
validation's counter checks, the simulation of the lab's counters, the benchmarks and the soak.

It knows where traffic goes, not what to change: every demand prefix on its preferred link as if no override
existed, the alternates a detour may use (those whose BGP sessions carry the prefix's address family, lowest
`preference` first, then private < public-ix < transit, then link id), where anycast ingress shifted off a
site lands (`network.catchment[site]`, else `site.neighbors` with weights 1/2, 1/4, ... renormalised, else
the pool's other sites evenly; drained sites receive nothing), how much a prepend of count c toward one link
moves (`min(1, c * prepend_step_fraction)` of the pool's ingress arriving over that link; a pool's ingress
arrives over the site's links whose sessions carry one of its families, in proportion to their capacity; a
withdrawal moves all of it), and the link and site loads a set of intents gives (`Projection.evaluate`).
"""
from __future__ import annotations

import ipaddress
import math
from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter
from typing import Iterable, Mapping

from trafficshift.model import LinkCounter, Load, Network, SiteLoad
from trafficshift.model.plan import Detour, Intent, Plan, Prepend, Withdraw

#: which alternate a detour prefers (Edge Fabric: private > public exchange > transit)
DETOUR_KIND_RANK = {"private": 0, "public-ix": 1, "transit": 2}
#: which neighbors an anycast prepend goes toward first: transit carries the most diffuse catchment
PREPEND_KIND_RANK = {"transit": 0, "public-ix": 1, "private": 2}


@dataclass
class Piece:
    """A (part of a) demand prefix detoured from its preferred link `src` to the alternate `dst`."""

    prefix: str
    parent: int
    bps: float
    src: str
    dst: str
    since: float
    pinned: bool = False


class Projection:
    """Loads under intents for one (network, load). `previous_delta` is the anycast ingress the plan in place
    while the load was measured moves (`Plan.ingress_delta`): it is taken off the measured site ingress, so
    the projection starts from ingress as it would be without any shift. `drained_sites` take no ingress.
    `scale_to_counters` scales the per-prefix estimates to the link counters (`counter_scale`); the planner
    decides on scaled figures, the counter checks compare the raw ones."""

    def __init__(self, network: Network, load: Load, previous_delta: Mapping[str, Mapping[str, float]] | None = None,
                 drained_sites: Iterable[str] = (), previous_detours: Iterable[Detour] = (),
                 scale_to_counters: bool = False):
        self.network = network
        self.policy = network.policy
        self.drained_sites = set(drained_sites)

        # -- topology ---------------------------------------------------------------------------------
        self.cap: dict[str, float] = {}
        self.kind: dict[str, str] = {}
        self.link_site: dict[str, str] = {}
        self.link_families: dict[str, frozenset[int]] = {}
        self.router_links: dict[str, list[str]] = {}
        for rname in sorted(network.routers):
            router = network.routers[rname]
            lids = []
            for ifname in sorted(router.links):
                link = router.links[ifname]
                lid = f"{rname}:{ifname}"
                self.cap[lid] = link.capacity_bps
                self.kind[lid] = link.kind
                self.link_site[lid] = router.site
                self.link_families[lid] = frozenset(link.families)
                lids.append(lid)
            self.router_links[rname] = lids
        self.link_ids = sorted(self.cap)
        #: links the load source reports operationally down: failed, whatever their pillar capacity
        self.reported_down = {lid for lid, counter in load.links.items() if not counter.up and lid in self.cap}
        for lid in self.reported_down:
            self.cap[lid] = 0.0
        self.site_ids = sorted(network.sites)
        self.site_cap = {s: network.sites[s].ingress_capacity_bps for s in self.site_ids}
        self.site_links: dict[str, list[str]] = {s: [] for s in self.site_ids}
        for lid in self.link_ids:
            if self.link_site[lid] in self.site_links:
                self.site_links[self.link_site[lid]].append(lid)
        for s, lids in self.site_links.items():
            lids.sort(key=lambda lid: (PREPEND_KIND_RANK[self.kind[lid]], lid))

        # -- egress projection: every prefix on its preferred link -------------------------------------
        # the hot part at 200k prefixes: C-level maps over the demands, one plain loop for the link sums
        egress = self.egress = load.egress
        self.prefixes = list(map(attrgetter("prefix"), egress))
        self.demand_bps = demand_bps = list(map(attrgetter("bps"), egress))
        self.demand_link = demand_link = list(map(attrgetter("link"), egress))
        # a load source that reports where traffic actually leaves shows a prefix the previous plan detoured
        # on the detour's link: that is the shift in effect, so the prefix's preferred link is the detour's
        # source (a load that already reports preferred links never matches)
        self._detour_target: dict[int, str] = {}
        shifted = {d.prefix: (d.from_link, f"{d.router}:{d.link}") for d in previous_detours}
        if shifted:
            for i, prefix in enumerate(self.prefixes):
                source, target = shifted.get(prefix, (None, None))
                if target == demand_link[i] and source in self.cap and source != target:
                    demand_link[i] = source
                    self._detour_target[i] = target
        natural = self._link_sums(demand_bps)
        self._by_prefix: dict[str, int] | None = None
        self.by_link: dict[str, list[int]] = {}  # filled on demand for the links that shed traffic
        self._alternate_cache: dict[int, list[str]] = {}
        self._resolved: dict[str, tuple[int, float] | None] = {}
        #: link -> counter / per-prefix flow, for the links where the two differ (scale_to_counters)
        self.counter_scale: dict[str, float] = {}
        #: link -> (counter, per-prefix flow) in bps, the figures behind each scale
        self.counter_flow: dict[str, tuple[float, float]] = {}
        if scale_to_counters and load.links:
            natural = self._scale_to_counters(load, natural, list(previous_detours))
        self.total_egress = math.fsum(self.demand_bps)

        self.natural = natural
        # -- anycast projection: measured ingress minus what the previous plan moved ---------------------
        delta = previous_delta or {}
        self.pool_natural: dict[str, dict[str, float]] = {}
        self.site_natural: dict[str, float] = {}
        for s in self.site_ids:
            measured = load.sites.get(s)
            moved = delta.get(s, {})
            pools = measured.pools if measured is not None else {}
            self.pool_natural[s] = {p: max(0.0, pools[p] - moved.get(p, 0.0)) for p in sorted(pools)}
            total = measured.ingress_bps if measured is not None else 0.0
            self.site_natural[s] = max(0.0, total - sum(moved.get(p, 0.0) for p in sorted(moved)))
        #: (site, pool) -> the site's links that can carry the pool (prepend order), and each one's share of
        #: the pool's ingress there (by capacity)
        self.pool_links: dict[tuple[str, str], list[str]] = {}
        self.pool_share: dict[tuple[str, str], dict[str, float]] = {}
        for p in sorted(network.pools):
            families = set(network.pools[p].families)
            for s in network.pools[p].sites:
                lids = [lid for lid in self.site_links.get(s, ()) if self.link_families[lid] & families]
                total_cap = sum(self.cap[lid] for lid in lids)
                self.pool_links[(s, p)] = lids
                self.pool_share[(s, p)] = {lid: self.cap[lid] / total_cap for lid in lids} if total_cap > 0 else {}
        self._pool_site_cache: dict[str, set[str]] = {}
        self.landing = {
            (s, p): self._landing(s, p)
            for p in sorted(network.pools)
            for s in network.pools[p].sites
            if s in self.site_cap
        }
        self.site_pools = {
            s: sorted((p for p in network.pools if s in network.pools[p].sites), key=lambda p: (network.pools[p].priority, p))
            for s in self.site_ids
        }

    def _scale_to_counters(self, load: Load, natural: dict[str, float], previous_detours: list[Detour]) -> dict[str, float]:
        """Scale each demand by its link's counter over the per-prefix flow the counter measured (Edge Fabric
        scales sampled flow estimates to interface counters the same way): the flow is the demands as routed
        when the counters were read, and a demand takes the factor of the link its traffic was on. That routing
        is the previous plan's detours in effect (a whole detour's traffic on its alternate) or, when the
        counters match it worse in total (they lag the plan, as the counter checks also allow), the preferred
        links. A link without a counter, with a zero counter or no flow, or failed (capacity 0) keeps its
        estimates: the counter checks judge those. Returns the scaled preferred-link loads."""
        flow = dict(natural)
        current = list(self.demand_link)
        for i, target in self._detour_target.items():
            current[i] = target
        for detour in previous_detours:
            piece = self._resolve_detour(detour)
            if piece is None:
                continue
            flow[piece.src] -= piece.bps
            flow[piece.dst] += piece.bps
            if piece.prefix == self.prefixes[piece.parent]:
                current[piece.parent] = piece.dst
        counters = {lid: load.links[lid].out_bps for lid in self.link_ids if lid in load.links}
        if flow != natural and (math.fsum(abs(c - natural[lid]) for lid, c in sorted(counters.items()))
                                < math.fsum(abs(c - flow[lid]) for lid, c in sorted(counters.items()))):
            flow, current = dict(natural), list(self.demand_link)  # the counters have not seen the detours yet
        for lid in self.link_ids:
            measured = counters.get(lid, 0.0)
            if measured > 0 and flow[lid] > 0 and self.cap[lid] > 0 and measured != flow[lid]:
                self.counter_scale[lid] = measured / flow[lid]
                self.counter_flow[lid] = (measured, flow[lid])
        if not self.counter_scale:
            return natural
        scale = self.counter_scale.get
        self.demand_bps = [bps * scale(lid, 1.0) for bps, lid in zip(self.demand_bps, current)]
        return self._link_sums(self.demand_bps)

    def _link_sums(self, demand_bps: list[float]) -> dict[str, float]:
        """Every link's demand on it as preferred link. Exactly rounded sums: a running float sum depends on
        the order the load lists its demands in, and the plan must not (same network and load, same bytes)."""
        per_link: defaultdict[str, list[float]] = defaultdict(list)
        for lid, bps in zip(self.demand_link, demand_bps):
            per_link[lid].append(bps)
        return {lid: math.fsum(per_link.get(lid, ())) for lid in self.link_ids}

    def alternates(self, i: int) -> list[str]:
        cached = self._alternate_cache.get(i)
        if cached is None:
            src = self.demand_link[i]
            family = ipaddress.ip_network(self.prefixes[i]).version
            ranked = sorted(
                self.egress[i].alternates,
                key=lambda a: (a.preference, DETOUR_KIND_RANK.get(self.kind.get(a.link, ""), 9), a.link),
            )
            cached = [a.link for a in ranked
                      if a.link in self.cap and a.link != src and family in self.link_families[a.link]]
            target = self._detour_target.get(i)
            if target is not None and target not in cached:
                cached.insert(0, target)  # measured there: the link it is detoured to is an alternate
            self._alternate_cache[i] = cached
        return cached

    @property
    def by_prefix(self) -> dict[str, int]:
        """Demand index by prefix (the first entry wins); built only when a previous detour needs it."""
        if self._by_prefix is None:
            self._by_prefix = dict(zip(reversed(self.prefixes), range(len(self.prefixes) - 1, -1, -1)))
        return self._by_prefix

    def _resolve(self, prefix: str) -> tuple[int, float] | None:
        """The demand a (possibly split) detour prefix belongs to, and the share of its bps."""
        if prefix in self._resolved:
            return self._resolved[prefix]
        found = None
        if prefix in self.by_prefix:
            found = (self.by_prefix[prefix], 1.0)
        else:
            try:
                net = ipaddress.ip_network(prefix)
            except ValueError:
                net = None
            share = 1.0
            while net is not None and net.prefixlen > 0:
                net = net.supernet()
                share /= 2
                if str(net) in self.by_prefix:
                    found = (self.by_prefix[str(net)], share)
                    break
        self._resolved[prefix] = found
        return found

    def _resolve_detour(self, intent: Detour, since: float = 0.0) -> Piece | None:
        found = self._resolve(intent.prefix)
        if found is None:
            return None
        i, share = found
        dst = f"{intent.router}:{intent.link}"
        if intent.from_link != self.demand_link[i] or dst not in self.alternates(i):
            return None
        return Piece(intent.prefix, i, self.demand_bps[i] * share, intent.from_link, dst, since)

    def _pool_sites(self, pool: str) -> set[str]:
        """Sites that announce `pool` and can take shifted ingress (drained sites cannot)."""
        if pool not in self._pool_site_cache:
            sites = {r for r in self.network.pools[pool].sites if r in self.site_cap} - self.drained_sites
            self._pool_site_cache[pool] = sites
        return self._pool_site_cache[pool]

    def _landing(self, site: str, pool: str) -> list[tuple[str, float]]:
        """Where ingress shifted away from `site` for `pool` lands, as (site, fraction) summing to 1."""
        receivers = self._pool_sites(pool) - {site}
        catchment = self.network.catchment.get(site)
        weights: dict[str, float] = {}
        if catchment:
            weights = {r: catchment[r] for r in sorted(catchment) if r in receivers}
        else:
            ordered = [r for r in self.network.sites[site].neighbors if r in receivers]
            weights = {r: 0.5 ** (k + 1) for k, r in enumerate(dict.fromkeys(ordered))}
            if not weights and receivers:
                weights = {r: 1.0 for r in sorted(receivers)}
        total = sum(weights.values())
        return [(r, weights[r] / total) for r in sorted(weights)] if total > 0 else []

    def level_fraction(self, level: int) -> float:
        if level > self.policy.max_prepend:
            return 1.0
        return min(1.0, level * self.policy.prepend_step_fraction)

    # -- evaluation: loads under a set of intents ----------------------------------------------------
    def evaluate(self, intents: Iterable[Intent]) -> tuple[dict[str, float], dict[str, float], dict[str, dict[str, float]], dict[str, Piece]]:
        links = dict(self.natural)
        pieces: dict[str, Piece] = {}
        for intent in intents:
            if isinstance(intent, Detour):
                piece = self._resolve_detour(intent)
                if piece is not None and piece.prefix not in pieces:
                    pieces[piece.prefix] = piece
                    links[piece.src] -= piece.bps
                    links[piece.dst] += piece.bps
        delta = self.ingress_delta(self.levels_of(intents))
        sites = {s: self.site_natural[s] + sum(delta.get(s, {}).values()) for s in self.site_ids}
        return links, sites, delta, pieces

    def levels_of(self, intents: Iterable[Intent]) -> dict[tuple[str, str, str], int]:
        """(site, pool, link) -> shift level of the ingress intents that apply to this network and load."""
        levels = {}
        for intent in intents:
            if not isinstance(intent, Detour):
                slot = self._ingress_slot(intent)
                if slot is not None:
                    levels[slot] = self._intent_level(intent)
        return levels

    def _ingress_slot(self, intent: Prepend | Withdraw) -> tuple[str, str, str] | None:
        lid = f"{intent.router}:{intent.link}"
        site = self.link_site.get(lid)
        if site is None or (site, intent.pool) not in self.landing or lid not in self.pool_share[(site, intent.pool)]:
            return None
        return (site, intent.pool, lid)

    def _intent_level(self, intent: Prepend | Withdraw) -> int:
        if isinstance(intent, Withdraw):
            return self.policy.max_prepend + 1
        return max(1, min(intent.count, self.policy.max_prepend))

    def moved_out(self, site: str, pool: str, lid: str, level: int) -> float:
        share = self.pool_share.get((site, pool), {}).get(lid, 0.0)
        return self.pool_natural[site].get(pool, 0.0) * share * self.level_fraction(level)

    def ingress_delta(self, levels: dict[tuple[str, str, str], int]) -> dict[str, dict[str, float]]:
        delta: dict[str, dict[str, float]] = {}
        for (site, pool, lid) in sorted(levels):
            out = self.moved_out(site, pool, lid, levels[(site, pool, lid)])
            landing = self.landing[(site, pool)]
            if out <= 0 or not landing:
                continue
            delta.setdefault(site, {}).setdefault(pool, 0.0)
            delta[site][pool] -= out
            for receiver, fraction in landing:
                delta.setdefault(receiver, {}).setdefault(pool, 0.0)
                delta[receiver][pool] += out * fraction
        return delta


def expected_link_load(network: Network, load: Load, active: Plan | None) -> dict[str, float]:
    """Per-link egress the demands should produce with `active`'s detours in place (link id -> bps): what
    a link counter should read while that plan is applied, for counter-consistency checks."""
    return Projection(network, load).evaluate(active.intents if active is not None else ())[0]


def apply_plan(network: Network, load: Load, result: Plan, previous: Plan | None = None) -> Load:
    """The load the network would measure once `result` is applied: link counters and site ingress as the
    plan predicts them, demands unchanged. `previous` is the plan `load` was measured under."""
    previous_delta = previous.ingress_delta if previous is not None else {}
    sites = {}
    for u in result.sites:
        measured = load.sites.get(u.id)
        pools = dict(measured.pools) if measured is not None else {}
        old, new = previous_delta.get(u.id, {}), result.ingress_delta.get(u.id, {})
        for pool in sorted(pools):
            pools[pool] = max(0.0, pools[pool] - old.get(pool, 0.0) + new.get(pool, 0.0))
        sites[u.id] = SiteLoad(ingress_bps=max(0.0, u.after_bps), pools=pools)
    links = {u.id: LinkCounter(out_bps=max(0.0, u.after_bps)) for u in result.links}
    return load.model_copy(update={"links": links, "sites": sites})
