"""One planning cycle: the state, the helpers both halves use, and the whole plan with its cycle-wide guard
rails (fail static, circuit breaker, plan change limit); `plan()` is the public face."""
from __future__ import annotations

import math
from typing import Iterable, Sequence

from trafficshift.bulk import collector_paused
from trafficshift.model.controls import Control, Drain, Freeze, PinIntent, PinPrefix, Undrain
from trafficshift.model import Load, Network
from trafficshift.model.plan import (Action, Detour, Intent, Plan, Utilization, intent_key, intent_to_dict,
                                     sort_intents)
from trafficshift.model.projection import Piece, Projection
from trafficshift.model.routes import RouteFacts
from trafficshift.planner.rails import CIRCUIT_BREAKER, COUNTER_NOTE, FAIL_STATIC, MAX_PLAN_CHANGE, pct
from trafficshift.planner.egress import EgressPlanning
from trafficshift.planner.ingress import IngressPlanning


class _Planner(EgressPlanning, IngressPlanning, Projection):
    """One cycle's decisions over the routing projection (trafficshift.model.projection)."""

    def __init__(self, network: Network, load: Load, previous: Plan | None, controls: Sequence[Control], now: float,
                 routes: RouteFacts = RouteFacts()):
        drained_sites = {c.name for c in controls if isinstance(c, Drain) and c.element == "site" and c.name in network.sites}
        super().__init__(network, load, previous.ingress_delta if previous is not None else None, drained_sites,
                         [i for i in previous.intents if isinstance(i, Detour)] if previous is not None else (),
                         scale_to_counters=True)
        policy = self.policy
        self.previous = previous
        self.now = now
        self.actions: list[Action] = []
        self.pieces: dict[str, Piece] = {}  # detours of this plan by prefix
        self.levels: dict[tuple[str, str, str], int] = {}  # (site, pool, link) -> prepend count, max+1 = withdrawn
        self._undrain_used: dict[str, float] = {}  # bps an undrain returned to each link this cycle
        self.blocked: dict[str, set[str]] = {}  # element -> guard rails that stopped a needed move
        self.unresolved: set[str] = set()  # overloaded elements this plan leaves above target

        # -- receivers' limits ----------------------------------------------------------------------------
        self.recv_limit = {lid: (policy.target_utilization - policy.receiver_headroom) * c for lid, c in self.cap.items()}
        self.site_recv_limit = {
            s: (policy.target_utilization - policy.receiver_headroom) * c for s, c in self.site_cap.items()
        }

        # -- controls ---------------------------------------------------------------------------------
        self.freeze = next((c for c in controls if isinstance(c, Freeze)), None)
        self.pinned_prefixes = {c.prefix for c in controls if isinstance(c, PinPrefix)}
        self.pinned_intents = sort_intents(c.intent for c in controls if isinstance(c, PinIntent))
        self.drained_links, self.drained_sites = self._elements(controls, Drain)
        self.failed_links = {lid for lid, capacity in self.cap.items() if capacity <= 0}
        self.undrained_links, self.undrained_sites = self._elements(controls, Undrain)
        self.undrained_links -= self.drained_links
        self.undrained_sites -= self.drained_sites
        self.previous_since = dict(previous.since) if previous is not None else {}
        self.previous_stepped = dict(previous.stepped) if previous is not None else {}
        self.raised_at: dict[str, float] = {}  # sites where this cycle raised an ingress shift
        #: what the routers reported about the routes detours depend on (trafficshift.model.routes)
        self.routes = routes
        self._refused_routes: set[tuple[str, str]] = set()

    # -- helpers --------------------------------------------------------------------------------------
    def _elements(self, controls: Iterable[Control], cls: type) -> tuple[set[str], set[str]]:
        links: set[str] = set()
        sites: set[str] = set()
        for control in controls:
            if not isinstance(control, cls):
                continue
            if control.element == "link" and control.name in self.cap:
                links.add(control.name)
            elif control.element == "router":
                links.update(self.router_links.get(control.name, ()))
            elif control.element == "site" and control.name in self.site_cap:
                sites.add(control.name)
                links.update(lid for lid in self.link_ids if self.link_site[lid] == control.name)
        return links, sites

    def failure(self, lid: str) -> str:
        """Why a failed link is failed, for reasons."""
        return "reported down by the load source" if lid in self.reported_down else "capacity 0"

    def act(self, verb: str, reason: str, intent: Intent | None = None, guard_rail: str | None = None) -> None:
        self.actions.append(Action(verb, reason, intent_to_dict(intent) if intent is not None else None, guard_rail))

    def block(self, element: str, guard_rail: str) -> None:
        self.blocked.setdefault(element, set()).add(guard_rail)

    # -- the whole plan -------------------------------------------------------------------------------------
    def build(self, stale_reasons: Sequence[str]) -> Plan:
        previous_intents = self.previous.intents if self.previous is not None else ()
        before_links, before_sites, _, before_pieces = self.evaluate(previous_intents)

        if self.freeze is not None:
            for intent in previous_intents:
                self.act("remove", f"operator freeze{': ' + self.freeze.reason if self.freeze.reason else ''}: "
                         "every override removed, automation stopped", intent)
            return self.finish("frozen", (), before_links, before_sites, before_pieces)
        if stale_reasons:
            for reason in sorted(stale_reasons):
                self.act("refuse", f"fail static: {reason}; no new shifts, active ones held", None, FAIL_STATIC)
            return self.hold("fail-static", before_links, before_sites, before_pieces)

        self._note_counter_scale()
        self.plan_egress(previous_intents)
        self.plan_ingress(previous_intents)
        intents = [self.detour_intent(p) for p in self.pieces.values()]
        intents += [self.ingress_intent(slot) for slot in self.levels]
        intents = list(sort_intents(intents))

        since = {}
        existing = self.previous_keys()
        for intent in intents:
            key = intent_key(intent)
            since[key] = self.previous_since.get(key, self.now) if key in existing else self.now

        # circuit breaker: how many links and sites would newly shift at once (operator drains and failed
        # links excluded: a failure is exactly when shifting must not stop)
        shifting = {p.src for p in self.pieces.values() if p.prefix not in self.previous_pieces
                    and p.src not in self.drained_links and p.src not in self.failed_links}
        shifting |= {site for slot, level in self.levels.items() if level > self.previous_levels.get(slot, 0)
                     for site in (slot[0],) if site not in self.drained_sites}
        if len(shifting) > self.policy.max_shifting_elements:
            self.act("refuse", f"circuit breaker: {len(shifting)} links/sites would shift at once (limit "
                     f"{self.policy.max_shifting_elements}): {', '.join(sorted(shifting)[:10])}"
                     f"{' ...' if len(shifting) > 10 else ''}; previous intents held", None, CIRCUIT_BREAKER)
            return self.hold("circuit-breaker", before_links, before_sites, before_pieces)

        changes = change_count(previous_intents, intents)
        if changes > self.policy.max_plan_change:
            self.act("refuse", f"the plan changes {changes} intents vs the previous one (limit "
                     f"{self.policy.max_plan_change}); previous intents held", None, MAX_PLAN_CHANGE)
            return self.hold("refused", before_links, before_sites, before_pieces)

        # intents that relieve only part of the overload still go out: they are the best the rails allow
        status = "partial" if self.unresolved else "ok"
        return self.finish(status, intents, before_links, before_sites, before_pieces, since)

    def _note_counter_scale(self) -> None:
        """Say where the counters and the per-prefix estimates disagree by more than COUNTER_NOTE: the plan
        decides on the counter, and the operator sees both figures."""
        for lid in sorted(self.counter_scale):
            counter, flow = self.counter_flow[lid]
            if abs(counter / flow - 1.0) > COUNTER_NOTE:
                self.act("note", f"{lid}: counter {counter / 1e9:.2f} Gbit/s ({pct(counter, self.cap[lid])}), "
                         f"per-prefix sum {flow / 1e9:.2f} Gbit/s ({pct(flow, self.cap[lid])}): its prefixes' "
                         f"estimates are scaled by {counter / flow:.3f} to the counter")

    def previous_keys(self) -> set[str]:
        """Keys of the intents that existed before this cycle (previous plan and operator pins)."""
        keys = {intent_key(i) for i in (self.previous.intents if self.previous else ())}
        return keys | {intent_key(i) for i in self.pinned_intents}

    def hold(self, status, before_links, before_sites, before_pieces) -> Plan:
        intents = tuple(self.previous.intents) if self.previous is not None else ()
        for intent in intents:
            self.act("keep", f"held from the previous plan ({status})", intent)
        since = {k: v for k, v in self.previous_since.items() if k in {intent_key(i) for i in intents}}
        return self.finish(status, intents, before_links, before_sites, before_pieces, since)

    def finish(self, status, intents, before_links, before_sites, before_pieces, since=None) -> Plan:
        after_links, after_sites, after_delta, after_pieces = self.evaluate(intents)
        changes = []  # bps each changed intent moves: detours added, removed or re-pointed, ingress leaving
        for prefix in sorted(before_pieces.keys() | after_pieces.keys()):
            old, new = before_pieces.get(prefix), after_pieces.get(prefix)
            if old is None or new is None or old.dst != new.dst:
                changes.append((old or new).bps)
        # ingress where it leaves, per shift: a site that sheds a pool and receives it back counts both
        before_levels = self.levels_of(self.previous.intents if self.previous is not None else ())
        after_levels = self.levels_of(intents)
        for slot in sorted(before_levels.keys() | after_levels.keys()):
            old, new = (self.moved_out(*slot, levels.get(slot, 0)) for levels in (before_levels, after_levels))
            if old != new:
                changes.append(abs(new - old))
        moved = round(math.fsum(changes))  # whole bits per second, exactly the sum of the changes
        r = lambda x: round(x, 3)  # noqa: E731 - stable bytes across float summation noise
        shifted_sites = {self.link_site[f"{i.router}:{i.link}"] for i in intents
                         if not isinstance(i, Detour) and f"{i.router}:{i.link}" in self.link_site}
        stepped = {site: at for site, at in {**self.previous_stepped, **self.raised_at}.items() if site in shifted_sites}
        return Plan(
            created=self.now,
            status=status,
            intents=sort_intents(intents),
            since=dict(sorted((since or {}).items())),
            links=tuple(Utilization(lid, self.cap[lid], r(before_links[lid]), r(after_links[lid])) for lid in self.link_ids),
            sites=tuple(Utilization(s, self.site_cap[s], r(before_sites[s]), r(after_sites[s])) for s in self.site_ids),
            moved_bps=moved,
            actions=tuple(self.actions),
            ingress_delta={s: {p: r(v) for p, v in sorted(pools.items())} for s, pools in sorted(after_delta.items())},
            stepped=dict(sorted(stepped.items())),
        )


def plan(
    network: Network,
    load: Load,
    previous: Plan | None,
    controls: Sequence[Control],
    now: float,
    *,
    stale_reasons: Sequence[str] = (),
    routes: RouteFacts = RouteFacts(),
) -> Plan:
    """Decide the intents for this cycle. `network` and `load` must already be validated; `stale_reasons`
    (non-empty when the load is stale or inconsistent) makes the plan fail static; `routes` are what the
    routers reported about the routes detours depend on: no detour is placed where they say it would move
    nothing (trafficshift.model.routes)."""
    with collector_paused():
        return _Planner(network, load, previous, tuple(controls), now, routes).build(tuple(stale_reasons))


def change_count(old: Sequence[Intent], new: Sequence[Intent]) -> int:
    """Intents added, removed or changed between two plans (what `max_plan_change` limits)."""
    old_by_key = {intent_key(i): i for i in old}
    new_by_key = {intent_key(i): i for i in new}
    changed = sum(1 for k in old_by_key.keys() & new_by_key.keys() if old_by_key[k] != new_by_key[k])
    return len(old_by_key.keys() ^ new_by_key.keys()) + changed
