"""Planner benchmark: plan time and traffic moved against the LP optimum (docs/benchmarks.md).

    .venv/bin/python bench/planner.py --json            # default scenarios, a few minutes
    .venv/bin/python bench/planner.py --json --quick    # small scenarios only
    .venv/bin/python bench/planner.py --profile synthetic-200k

Prints one JSON object per scenario: scenario, prefixes, links, sites, status, plan_s (best of --repeat
runs), lp_s, moved_bps, lp_moved_bps, moved_ratio (only for plans without violations), max_util_after,
lp_max_util_after, lp_feasible, violations (links/sites the plan leaves above their bound where the LP found
a feasible solution), order_invariant (the same plan bytes with every input list shuffled),
failed_links_left_bps (demand the plan leaves on failed links, capacity 0), predictions_checked (every
predicted link and site load equals an independent recomputation from the intents), moved_checked
(moved_bps equals the traffic its intents move, recomputed the same way), and the integral reference in
the planner's action space up to 20k prefixes: mip_feasible (an integral fix exists), mip_proven (its
minimum proven within 0.1% in --mip-time-limit), mip_moved_bps and moved_ratio_mip.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenarios import (SHAPES, Scenario, lp_reference, mip_reference, prediction_error_bps, recompute_moves, shuffled,  # noqa: E402
                       sndlib, sndlib_keys, synthetic)

from trafficshift.planner import plan  # noqa: E402


def scenarios(quick: bool) -> list[tuple[str, callable]]:
    small = [("synthetic-small", lambda: synthetic("synthetic-small", sites=20, links=120, prefixes=5_000, seed=3))]
    if quick:
        return small + [("sndlib-abilene", lambda: sndlib("abilene"))]
    return small + [(f"sndlib-{key}", lambda key=key: sndlib(key)) for key in sndlib_keys()] + [
        (f"shape-{name}", build) for name, build in sorted(SHAPES.items())] + [
        ("synthetic-medium", lambda: synthetic("synthetic-medium", sites=100, links=600, prefixes=50_000, seed=5)),
        ("synthetic-200k", lambda: synthetic("synthetic-200k", sites=300, links=2_000, prefixes=200_000, seed=7)),
    ]


#: the integral reference is solved up to this many prefixes (a binary per prefix and alternate)
MIP_MAX_PREFIXES = 20_000


def run(scenario: Scenario, repeat: int, with_lp: bool = True, mip_time_limit_s: float = 30.0) -> dict:
    timings = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = plan(scenario.network, scenario.load, None, (), scenario.load.timestamp)
        timings.append(time.perf_counter() - started)
    other = shuffled(scenario, 1)
    order_invariant = plan(other.network, other.load, None, (), other.load.timestamp).to_json() == result.to_json()
    lp = lp_reference(scenario.network, scenario.load) if with_lp else None
    mip = None
    if with_lp and mip_time_limit_s > 0 and len(scenario.load.egress) <= MIP_MAX_PREFIXES:
        mip = mip_reference(scenario.network, scenario.load, mip_time_limit_s)
    # a failed link (capacity 0) has no utilization to rank: what is left on it is reported in bps
    utils = [u.after for u in result.links if u.capacity_bps > 0] + [u.after for u in result.sites]
    failed_left = sum(u.after_bps for u in result.links if u.capacity_bps <= 0)
    violations = None
    if lp is not None and lp.feasible:
        violations = sum(1 for u in result.links if u.after_bps > lp.link_bound[u.id] * (1 + 1e-9) + 1e-3)
        violations += sum(1 for u in result.sites if u.after_bps > lp.site_bound[u.id] * (1 + 1e-9) + 1e-3)
    _, _, moved = recompute_moves(scenario.network, scenario.load, result)  # independently of the planner
    moved_egress, moved_ingress = moved["egress"], moved["ingress"]
    moved_checked = abs(result.moved_bps - (moved_egress + moved_ingress)) <= 1.0 + 1e-9 * result.moved_bps
    # a plan that leaves violations could move less than the optimum: its ratio would flatter it
    moved_ratio = result.moved_bps / lp.moved_bps if lp and lp.feasible and lp.moved_bps > 0 and not violations else None
    return {
        "scenario": scenario.name,
        "prefixes": len(scenario.load.egress),
        "links": len(scenario.network.link_ids()),
        "sites": len(scenario.network.sites),
        "status": result.status,
        "intents": len(result.intents),
        "plan_s": round(min(timings), 4),
        "lp_s": round(lp.seconds, 3) if lp else None,
        "moved_bps": round(result.moved_bps),
        "lp_moved_bps": round(lp.moved_bps) if lp and lp.feasible else None,
        "moved_egress_bps": round(moved_egress),
        "lp_moved_egress_bps": round(lp.moved_egress_bps) if lp and lp.feasible else None,
        "moved_ingress_bps": round(moved_ingress),
        "lp_moved_ingress_bps": round(lp.moved_ingress_bps) if lp and lp.feasible else None,
        "moved_ratio": round(moved_ratio, 4) if moved_ratio is not None else None,
        "max_util_after": round(max(utils), 4),
        "lp_max_util_after": round(lp.max_util_after, 4) if lp and not math.isnan(lp.max_util_after) else None,
        "lp_feasible": lp.feasible if lp else None,
        "violations": violations,
        "order_invariant": order_invariant,
        "moved_checked": moved_checked,
        "predictions_checked": prediction_error_bps(scenario.network, scenario.load, result) <= 0.0,
        "mip_s": round(mip.seconds, 1) if mip else None,
        "mip_feasible": mip.feasible if mip else None,
        "mip_proven": mip.proven if mip else None,
        "mip_moved_bps": round(mip.moved_bps) if mip and mip.feasible else None,
        "moved_ratio_mip": round(result.moved_bps / mip.moved_bps, 4)
        if mip and mip.feasible and mip.moved_bps > 0 and not violations else None,
        "failed_links_left_bps": round(failed_left),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON list (the default prints a table)")
    parser.add_argument("--quick", action="store_true", help="small scenarios only")
    parser.add_argument("--repeat", type=int, default=3, help="plan runs per scenario; plan_s is the fastest")
    parser.add_argument("--only", help="run only the scenario with this name")
    parser.add_argument("--mip-time-limit", type=float, default=30.0,
                        help="seconds for each integral reference (0: none); up to %d prefixes" % MIP_MAX_PREFIXES)
    parser.add_argument("--profile", metavar="SCENARIO", help="print a pyinstrument profile of one plan() call")
    args = parser.parse_args(argv)
    if args.profile:
        from pyinstrument import Profiler

        scenario = dict(scenarios(False))[args.profile]()
        with Profiler() as profiler:
            plan(scenario.network, scenario.load, None, (), scenario.load.timestamp)
        print(profiler.output_text(unicode=False, color=False))
        return 0
    rows = []
    for name, build in scenarios(args.quick):
        if args.only and name != args.only:
            continue
        rows.append(run(build(), args.repeat, mip_time_limit_s=args.mip_time_limit))
        if not args.json:
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
