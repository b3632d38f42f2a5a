"""The benchmark's generator, LP reference and report on tiny scenarios, so the bench code cannot rot.
Not a timing test: it checks the report's shape and that the planner meets the LP-derived bounds."""
from __future__ import annotations

import json
import os
import sys

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

import planner as bench_planner  # noqa: E402  (bench/planner.py)
from scenarios import lp_reference, sndlib, synthetic  # noqa: E402

FIELDS = {"scenario", "prefixes", "links", "sites", "plan_s", "lp_s", "moved_bps", "lp_moved_bps",
          "max_util_after", "lp_max_util_after", "violations"}


def test_synthetic_scenario_planned_within_lp_bounds():
    scenario = synthetic("tiny", sites=6, links=18, prefixes=400, seed=11)
    row = bench_planner.run(scenario, repeat=1)
    assert FIELDS <= row.keys()
    assert (row["prefixes"], row["links"], row["sites"]) == (400, 18, 6)
    assert row["lp_feasible"] and row["violations"] == 0
    assert row["lp_moved_bps"] <= row["moved_bps"]  # the LP is a lower bound
    assert row["max_util_after"] <= 0.8 + 1e-6
    json.dumps(row)


def test_sndlib_topology_from_topohub_maps_to_a_valid_scenario_and_lp():
    scenario = sndlib("abilene")
    assert len(scenario.network.sites) == 12 and len(scenario.load.egress) == 8 * 132  # 132 measured demands
    lp = lp_reference(scenario.network, scenario.load)
    assert lp.feasible and lp.moved_bps > 0 and lp.max_util_after <= 0.8 + 1e-6


def test_integral_reference_is_no_better_than_the_lp_and_tells_when_only_fractions_fit():
    from planner_scenarios import make_load, make_network
    from scenarios import mip_reference

    scenario = synthetic("tiny", sites=6, links=18, prefixes=400, seed=11)
    lp, mip = lp_reference(scenario.network, scenario.load), mip_reference(scenario.network, scenario.load, 20)
    assert mip.feasible and mip.moved_bps >= lp.moved_bps * (1 - 1e-6)  # the LP relaxes the integral problem

    # one 3 Gbps /24 on a 10G link at 92%: 1.2 Gbps must go, the alternate has 2.5 Gbps of room. The LP moves
    # 1.2 Gbps of it; whole, it fits nowhere, and a /24 cannot split: no integral fix exists
    hot, spare = "ams-r1:et-0/0/0", "ams-r1:et-0/0/1"
    network = make_network({hot: ("transit", 10e9), spare: ("private", 10e9)})
    load = make_load([("198.18.0.0/24", 3e9, hot, [spare]), ("198.18.1.0/24", 6.2e9, hot, []),
                      ("198.19.0.0/24", 5.5e9, spare, [])])
    assert lp_reference(network, load).feasible
    assert not mip_reference(network, load, 20).feasible
