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
