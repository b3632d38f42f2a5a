"""The planner's predicted loads against an independent recomputation from its intents and the documented
models (bench/scenarios.py `recompute`, which does not use trafficshift.model.projection), issue 20."""
from __future__ import annotations

import os
import sys
from dataclasses import replace

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

from scenarios import SHAPES, prediction_error_bps, recompute, sndlib  # noqa: E402

from trafficshift.model.plan import Detour, Utilization  # noqa: E402
from trafficshift.planner import plan  # noqa: E402


@pytest.mark.parametrize("name", ["sndlib-abilene", "sndlib-ta1", *(f"shape-{s}" for s in sorted(SHAPES))])
def test_every_predicted_link_and_site_load_matches_a_recomputation_from_the_intents(name):
    scenario = sndlib(name.removeprefix("sndlib-")) if name.startswith("sndlib-") else SHAPES[name.removeprefix("shape-")]()
    result = plan(scenario.network, scenario.load, None, (), scenario.load.timestamp)
    assert any(isinstance(i, Detour) for i in result.intents), "nothing to check"
    assert prediction_error_bps(scenario.network, scenario.load, result) <= 0.0


def test_the_recomputation_notices_a_wrong_prediction():
    scenario = SHAPES["unsplittable"]()
    result = plan(scenario.network, scenario.load, None, (), scenario.load.timestamp)
    links, _ = recompute(scenario.network, scenario.load, result)
    moved = next(i for i in result.intents if isinstance(i, Detour))
    # the same plan claiming its first detour moved nothing off its source
    wrong = replace(result, links=tuple(
        Utilization(u.id, u.capacity_bps, u.before_bps, links[u.id] + (1e6 if u.id == moved.from_link else 0.0))
        for u in result.links))
    assert prediction_error_bps(scenario.network, scenario.load, wrong) > 0.0
