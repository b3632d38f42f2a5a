"""Golden plans: the planner's output on the example pillar's scenarios and on benchmark networks, byte for
byte, so a refactor that moves code cannot change a decision unnoticed, and so the same inputs in another
list order give the same bytes.

On a mismatch the test writes `<case>.json.actual` next to the golden file and fails; review it with `diff`,
and when the change is intended regenerate with `TRAFFICSHIFT_REGOLD=1 pytest tests/planner/test_golden_plans.py`.
"""
from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import msgspec
import pytest
import yaml

from trafficshift.planner import plan
from trafficshift.model.projection import apply_plan
from trafficshift.validation import parse_load, parse_network

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "plans"
sys.path.insert(0, str(REPO / "bench"))

from scenarios import sndlib, synthetic  # noqa: E402  (bench/scenarios.py)


def _example(scenario: str):
    network = parse_network(yaml.safe_load((REPO / "pillar" / "traffic" / "network.sls").read_text())["traffic"])
    data = yaml.safe_load((REPO / "pillar" / "load" / f"{scenario}.yaml").read_text())
    return network, parse_load(data, network, now=data["timestamp"]).load


CASES = {
    **{f"example-{name}": (lambda name=name: _example(name)) for name in ("normal", "egress-overload", "site-overload")},
    "synthetic-small": lambda: (lambda s: (s.network, s.load))(
        synthetic("golden-small", sites=20, links=120, prefixes=2_000, seed=3)),
    "sndlib-abilene": lambda: (lambda s: (s.network, s.load))(sndlib("abilene")),
    "sndlib-germany50": lambda: (lambda s: (s.network, s.load))(sndlib("germany50")),
}


def two_cycles(network, load):
    """The first plan, and the next cycle's plan 60 s later on the load measured with the first applied."""
    first = plan(network, load, None, (), load.timestamp)
    second = plan(network, apply_plan(network, load, first), first, (), load.timestamp + 60)
    return first, second


def text(first, second) -> str:
    return json.dumps({"first": first.to_dict(), "second": second.to_dict()}, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_matches_golden_file(case):
    golden = GOLDEN / f"{case}.json"
    actual = golden.with_name(golden.name + ".actual")
    rendered = text(*two_cycles(*CASES[case]()))
    if os.environ.get("TRAFFICSHIFT_REGOLD") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered)
    if not golden.exists() or golden.read_text() != rendered:
        actual.write_text(rendered)
        pytest.fail(f"{golden} differs from the plan; see {actual} (regenerate: TRAFFICSHIFT_REGOLD=1)")
    actual.unlink(missing_ok=True)


def shuffled(network, load, seed: int):
    """The same network and load with every list and mapping in another order."""
    rng = random.Random(seed)

    def mix(items):
        items = list(items)
        rng.shuffle(items)
        return items

    egress = [msgspec.structs.replace(d, alternates=tuple(mix(d.alternates))) for d in mix(load.egress)]
    load = load.model_copy(update={"egress": tuple(egress), "links": dict(mix(load.links.items())),
                                   "sites": dict(mix(load.sites.items()))})
    routers = {name: router.model_copy(update={"links": dict(mix(router.links.items()))})
               for name, router in mix(network.routers.items())}
    network = network.model_copy(update={"routers": routers, "sites": dict(mix(network.sites.items())),
                                         "pools": dict(mix(network.pools.items()))})
    return network, load


@pytest.mark.parametrize("case", ["example-egress-overload", "example-site-overload", "synthetic-small"])
def test_list_order_does_not_change_a_byte(case):
    network, load = CASES[case]()
    expected = text(*two_cycles(network, load))
    for seed in (1, 2):
        assert text(*two_cycles(*shuffled(network, load, seed))) == expected
