"""Soak: a simulated day of load on the example network with the control loop every 30 s, accelerated
(docs/reliability.md, "Soak").

    .venv/bin/python bench/soak.py --json                       # 24 h, loop every 30 s
    .venv/bin/python bench/soak.py --json --hours 6 --seed 2

The natural demand (what the network would carry with no shift in place) is the example pillar's normal load
(pillar/load/normal.yaml) times a diurnal curve (0.45 at 05:00, 1.1 at 17:00), times per-prefix and per-site
noise (log-normal, AR(1) from cycle to cycle), blended during spikes toward the overload shapes
(pillar/load/egress-overload.yaml, site-overload.yaml). Every `--loop-s` of simulated time the loop does
what the periodic `traffic.rebalance` does: the routers "measure" the natural demand as the active plan moves
it (`trafficshift.simulate.measure`), `check_load` judges it, the pure planner plans from it with the active
plan as previous (no operator controls), and the plan becomes active when its status is ok and its intents
differ (else the fleet keeps what it runs).

Prints one JSON object (`--json`) or a short report:
- ``flaps``: a prefix or pool moved back within its hold time (a detour removed, a prepend lowered or a
  withdrawal lifted less than `policy.hold_time_s` after the shift started); must be 0. ``flap_details``
  lists them; ``step_backs`` counts a pool level lowered within the hold time of its last raise.
- ``overload_minutes``: element-minutes (links and sites) above 100%, above the overload threshold and
  above the target, with the controller (``controller``) and without it (``none``, the natural demand).
- ``churn``: intents changed (added, removed or modified) per hour, plans applied per hour, and rendered
  configuration lines changed per router per hour (`trafficshift.render.render_shift`, unified diff of the
  managed block before and after each applied plan).
"""
from __future__ import annotations

import argparse
import difflib
import ipaddress
import json
import math
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

from trafficshift import planner, simulate
from trafficshift.model import EgressDemand, LinkCounter, Load, Network, SiteLoad
from trafficshift.model.plan import Detour, Plan, Prepend, Withdraw
from trafficshift.render import render_shift
from trafficshift.present.metrics import projection_errors
from trafficshift.validation import check_load, parse_load, parse_network

REPO = Path(__file__).resolve().parents[1]
DAY_S = 86_400.0
#: (start hour, minutes, shape): spikes shorter and longer than the 30-minute hold time, at quiet and busy hours
SPIKES = ((3.0, 20, "egress-overload"), (9.5, 20, "egress-overload"), (13.0, 5, "egress-overload"),
          (15.0, 40, "site-overload"), (16.5, 45, "egress-overload"), (18.2, 3, "site-overload"),
          (19.5, 30, "site-overload"), (21.0, 10, "egress-overload"))
RAMP_S = 120.0  # a spike builds up and decays over two minutes


def diurnal(t: float) -> float:
    """Demand factor over the day: 0.45 at 05:00, 1.1 at 17:00 (the normal load's busiest links then run at
    about 76%, under the 80% target; only noise and spikes overload)."""
    hour = (t % DAY_S) / 3600.0
    return 0.45 + 0.65 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 5.0) / 24.0))


def spike_weight(t: float, start_h: float, minutes: float) -> float:
    start, end = start_h * 3600.0, start_h * 3600.0 + minutes * 60.0
    day_t = t % DAY_S
    if day_t < start or day_t > end + RAMP_S:
        return 0.0
    return min(1.0, (day_t - start) / RAMP_S, max(0.0, (end + RAMP_S - day_t) / RAMP_S))


class Demand:
    """The natural demand generator: shapes, diurnal curve, noise and spikes."""

    def __init__(self, network: Network, seed: int, noise: float = 0.05, rho: float = 0.9) -> None:
        self.network = network
        shapes = {name: yaml.safe_load((REPO / "pillar" / "load" / f"{name}.yaml").read_text())
                  for name in ("normal", "egress-overload", "site-overload")}
        self.shapes = {name: parse_load(data, network, now=data["timestamp"]).load for name, data in shapes.items()}
        self.base = self.shapes["normal"]
        self.random = random.Random(seed)
        self.noise, self.rho = noise, rho
        self.prefix_noise = [0.0] * len(self.base.egress)
        self.site_noise = {site: 0.0 for site in self.base.sites}

    def _step_noise(self) -> None:
        spread = self.noise * math.sqrt(1 - self.rho ** 2)
        gauss = self.random.gauss
        self.prefix_noise = [self.rho * n + gauss(0.0, spread) for n in self.prefix_noise]
        self.site_noise = {site: self.rho * n + gauss(0.0, spread) for site, n in self.site_noise.items()}

    def at(self, t: float) -> Load:
        """The natural load at simulated time `t` (advances the noise by one cycle)."""
        self._step_noise()
        scale = diurnal(t)
        weights = defaultdict(float)
        for start_h, minutes, shape in SPIKES:
            weights[shape] += spike_weight(t, start_h, minutes)

        def blend(get) -> float:
            value = get(self.base)
            return value + sum(w * (get(self.shapes[shape]) - value) for shape, w in weights.items() if w)

        egress, per_link = [], defaultdict(float)
        for i, demand in enumerate(self.base.egress):
            bps = blend(lambda load: load.egress[i].bps) * scale * math.exp(self.prefix_noise[i])
            egress.append(EgressDemand(prefix=demand.prefix, bps=bps, link=demand.link, alternates=demand.alternates))
            per_link[demand.link] += bps
        sites = {}
        for name, site in self.base.sites.items():
            factor = scale * math.exp(self.site_noise[name])
            pools = {pool: blend(lambda load: load.sites[name].pools[pool]) * factor for pool in site.pools}
            sites[name] = SiteLoad.model_construct(ingress_bps=blend(lambda load: load.sites[name].ingress_bps) * factor,
                                                   pools=pools)
        links = {lid: LinkCounter.model_construct(out_bps=per_link.get(lid, 0.0)) for lid in self.network.link_ids()}
        return Load.model_construct(timestamp=t, source="file", egress=tuple(egress), links=links, sites=sites)


def utilization(network: Network, load: Load) -> dict[str, float]:
    util = {lid: counter.out_bps / network.link(lid).capacity_bps for lid, counter in load.links.items()}
    util.update({f"site:{name}": site.ingress_bps / network.sites[name].ingress_capacity_bps
                 for name, site in load.sites.items()})
    return util


class Flaps:
    """Moves made and moved back within the hold time (docs/guard-rails.md, `hold_time_s`): a detoured prefix
    back on its preferred link, or a pool's prepend level lowered (a withdrawal is the level above the last
    prepend), less than `hold_s` after the shift started. As in the planner, a prepend whose count changes
    keeps its start; ``step_backs`` counts the stricter event, a level lowered less than `hold_s` after its
    last raise (allowed by design once the shift itself is older than the hold time)."""

    def __init__(self, hold_s: float, max_prepend: int) -> None:
        self.hold_s, self.max_prepend = hold_s, max_prepend
        self.detoured: dict[str, float] = {}  # intent prefix -> when it was moved
        self.level: dict[tuple, tuple[int, float, float]] = {}  # (router, link, pool) -> (level, start, raised)
        self.flaps: list[dict] = []
        self.step_backs: list[dict] = []
        self.retargets = 0  # a detoured prefix moved to another alternate (not back)

    def _levels(self, plan: Plan | None) -> dict[tuple, int]:
        levels = {}
        for intent in plan.intents if plan else ():
            if isinstance(intent, Prepend):
                levels[(intent.router, intent.link, intent.pool)] = intent.count
            elif isinstance(intent, Withdraw):
                levels[(intent.router, intent.link, intent.pool)] = self.max_prepend + 1
        return levels

    def update(self, old: Plan | None, new: Plan, t: float) -> None:
        old_detours = {i.prefix: i for i in (old.intents if old else ()) if isinstance(i, Detour)}
        new_detours = {i.prefix: i for i in new.intents if isinstance(i, Detour)}
        covered = [ipaddress.ip_network(p) for p in new_detours]
        for prefix, intent in old_detours.items():
            if prefix in new_detours:
                if new_detours[prefix].key() != intent.key():
                    self.retargets += 1
                continue
            net = ipaddress.ip_network(prefix)
            if any(net.version == c.version and net.overlaps(c) for c in covered):
                continue  # split or merged: still moved
            since = self.detoured.pop(prefix, t)
            if t - since < self.hold_s:
                self.flaps.append({"t": t, "prefix": prefix, "held_s": t - since, "from_link": intent.from_link})
        for prefix in new_detours:
            self.detoured.setdefault(prefix, t)
        old_levels, new_levels = self._levels(old), self._levels(new)
        for slot in sorted(old_levels.keys() | new_levels.keys()):
            before, after = old_levels.get(slot, 0), new_levels.get(slot, 0)
            _, start, raised = self.level.get(slot, (before, t, t))
            if after > before:
                self.level[slot] = (after, start if before else t, t)
            elif after < before:
                event = {"t": t, "pool_slot": "/".join(slot), "level": f"{before}->{after}",
                         "since_start_s": t - start, "since_raise_s": t - raised}
                if t - start < self.hold_s:
                    self.flaps.append(event)
                if t - raised < self.hold_s:
                    self.step_backs.append(event)
                if after:
                    self.level[slot] = (after, start, raised)
                else:
                    self.level.pop(slot, None)


_RENDERED: dict[tuple, tuple[str, ...]] = {}


def _rendered(network: Network, router: str, intents: tuple) -> tuple[str, ...]:
    key = (id(network), router, intents)
    if key not in _RENDERED:
        _RENDERED[key] = tuple(render_shift(network, router, intents).splitlines())
    return _RENDERED[key]


def changed_lines(network: Network, old: Plan | None, new: Plan) -> dict[str, int]:
    """Rendered managed-block lines changed per router between two plans."""
    changed = {}
    for router in sorted(set(old.routers() if old else ()) | set(new.routers())):
        before = old.intents_for(router) if old else ()
        after = new.intents_for(router)
        if before == after:
            continue
        diff = difflib.unified_diff(_rendered(network, router, before), _rendered(network, router, after), n=0,
                                    lineterm="")
        changed[router] = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return changed


def soak(hours: float = 24.0, loop_s: float = 30.0, seed: int = 1, render: bool = True,
         network_file: Path = REPO / "pillar" / "traffic" / "network.sls", actual_lagged: bool = False) -> dict:
    """`actual_lagged`: the load source reports where traffic actually leaves (a detoured prefix on its
    detour's link) and lags one loop (each cycle plans from the previous cycle's counters)."""
    network = parse_network(yaml.safe_load(network_file.read_text())["traffic"])
    policy = network.policy
    demand = Demand(network, seed)
    start = demand.base.timestamp - demand.base.timestamp % DAY_S  # midnight UTC of the shapes' day
    cycles = int(hours * 3600 / loop_s)
    minutes = loop_s / 60.0
    bounds = {"100%": 1.0, "overload_threshold": policy.overload_threshold, "target": policy.target_utilization}
    overload = {who: {name: 0.0 for name in bounds} for who in ("controller", "none")}
    peak = {"controller": 0.0, "none": 0.0}
    flaps = Flaps(policy.hold_time_s, policy.max_prepend)
    active: Plan | None = None
    statuses: dict[str, int] = defaultdict(int)
    stale_cycles = intents_changed = applied = 0
    lines: dict[str, int] = defaultdict(int)
    max_intents = 0
    started = time.perf_counter()
    last_measured: Load | None = None
    active_dict: dict | None = None  # a plan just applied (Plan.to_dict), until the next cycle measures it
    errors: list[float] = []  # projection error per shifted link of each applied plan, one cycle later
    for cycle in range(cycles):
        t = start + cycle * loop_s
        natural = demand.at(t)
        now_measured = simulate.measure(network, natural, active, actual_egress=actual_lagged)
        measured = now_measured
        if actual_lagged:
            previous = last_measured if last_measured is not None else now_measured
            measured, last_measured = previous.model_copy(update={"timestamp": now_measured.timestamp}), now_measured
        if active_dict is not None:  # the cycle after an apply: the plan's prediction against what it does
            counters = {lid: counter.out_bps for lid, counter in now_measured.links.items()}
            errors.extend(abs(e) for e in projection_errors(counters, active_dict).values())
            active_dict = None
        for who, load in (("controller", now_measured), ("none", natural)):
            util = utilization(network, load)
            peak[who] = max(peak[who], max(util.values()))
            for name, bound in bounds.items():
                overload[who][name] += minutes * sum(1 for u in util.values() if u > bound)
        check = check_load(measured, network, now=t, active=active)
        stale_cycles += check.stale
        plan = planner.plan(network, measured, active, (), t, stale_reasons=check.reasons)
        statuses[plan.status] += 1
        if not plan.applies_new_shifts or (active is not None and plan.intents == active.intents):
            continue  # traffic.rebalance: guard rails hold the fleet, or it already runs this plan
        if active is None and not plan.intents:
            continue
        flaps.update(active, plan, t)
        intents_changed += planner.change_count(active.intents if active else (), plan.intents)
        if render:
            for router, count in changed_lines(network, active, plan).items():
                lines[router] += count
        applied += 1
        active, active_dict = plan, plan.to_dict()
        max_intents = max(max_intents, len(plan.intents))
    elapsed = time.perf_counter() - started
    simulated_h = cycles * loop_s / 3600.0
    return {
        "hours": simulated_h, "loop_s": loop_s, "cycles": cycles, "seed": seed, "spikes": len(SPIKES),
        "wall_s": round(elapsed, 2),
        "flaps": len(flaps.flaps), "flap_details": flaps.flaps[:20], "retargets": flaps.retargets,
        "step_backs": len(flaps.step_backs), "step_back_details": flaps.step_backs[:20],
        "overload_minutes": {who: {k: round(v, 1) for k, v in by.items()} for who, by in overload.items()},
        "peak_utilization": {who: round(v, 3) for who, v in peak.items()},
        "statuses": dict(sorted(statuses.items())), "stale_cycles": stale_cycles,
        "projection_error": projection_summary(errors),
        "churn": {
            "plans_applied_per_hour": round(applied / simulated_h, 2),
            "intents_changed_per_hour": round(intents_changed / simulated_h, 2),
            "config_lines_changed_per_hour": ({router: round(n / simulated_h, 1) for router, n in sorted(lines.items())}
                                              if render else None),
            "config_lines_changed_per_hour_total": round(sum(lines.values()) / simulated_h, 1) if render else None,
            "max_active_intents": max_intents,
        },
    }


def projection_summary(errors: list[float]) -> dict:
    """|measured - predicted| utilization of the links each applied plan shifts, one cycle after it was
    applied (what the traffic_metrics engine exports as trafficshift_projection_error_ratio; its alert's
    bound is 0.1)."""
    if not errors:
        return {"samples": 0}
    ordered = sorted(errors)
    return {"samples": len(ordered), "mean_abs": round(sum(ordered) / len(ordered), 4),
            "p95_abs": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4),
            "max_abs": round(ordered[-1], 4),
            "above_0.1": sum(1 for e in ordered if e > 0.1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument("--loop-s", type=float, default=30.0, help="control loop period, simulated seconds")
    parser.add_argument("--seed", type=int, default=1, help="noise seed")
    parser.add_argument("--no-render", action="store_true", help="skip the rendered-lines churn figure")
    parser.add_argument("--actual-lagged", action="store_true",
                        help="the load source reports actual egress links and lags one loop")
    args = parser.parse_args(argv)
    result = soak(args.hours, args.loop_s, args.seed, render=not args.no_render, actual_lagged=args.actual_lagged)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(f"{result['hours']:.1f} h simulated, {result['cycles']} cycles in {result['wall_s']} s: "
              f"{result['flaps']} flap(s), overload-minutes with/without controller "
              f"{result['overload_minutes']['controller']} / {result['overload_minutes']['none']}, "
              f"{result['churn']['intents_changed_per_hour']} intents changed per hour")
    return 1 if result["flaps"] else 0


if __name__ == "__main__":
    sys.exit(main())
