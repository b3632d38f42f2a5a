"""Records for the report tests, built from a real plan: the planner on the example pillar's network and
the egress-overload load file, then a run record shaped as the runner's `_roll` stores it (trafficshift.fleet.store),
with device text and reasons that try to break out of the HTML."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from trafficshift import planner
from trafficshift.validation import parse_load, parse_network

REPO = Path(__file__).resolve().parents[2]
NETWORK = yaml.safe_load((REPO / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
HOSTILE = '</pre></details><script>alert("diff")</script><img src=x onerror=alert(1)>&amp;'
STARTED = 1_790_000_030.25
FINISHED = 1_790_000_071.5


def real_plan(load: str = "egress-overload") -> tuple[dict, dict]:
    """(Plan.to_dict of the planner's plan, the inputs snapshot the runner records) for pillar/load/<load>.yaml."""
    load_data = yaml.safe_load((REPO / "pillar" / "load" / f"{load}.yaml").read_text())
    network = parse_network(copy.deepcopy(NETWORK))
    now = float(load_data["timestamp"])
    check = parse_load(load_data, network, now=now)
    plan = planner.plan(network, check.load, None, [], now, stale_reasons=check.reasons)
    inputs = {"network": copy.deepcopy(NETWORK), "load": load_data, "previous": None, "controls": [], "now": now}
    return plan.to_dict(), inputs


def run_record(hostile: bool = True) -> dict:
    """An apply run of the egress-overload plan: ams01-r2 confirmed with its diff, fra01-r1 failed at the
    health check and rolled back, the others unchanged; `hostile` puts markup in a diff, an error and a reason."""
    plan, inputs = real_plan()
    routers = sorted(NETWORK["routers"])
    outcomes = {router: {"outcome": "unchanged"} for router in routers}
    outcomes["ams01-r2"] = {"outcome": "confirmed", "diff": "+ route-map TS-IMPORT-ETHERNET1 permit 5\n"
                                                             "+   set local-preference 200\n"}
    outcomes["fra01-r1"] = {"outcome": "rolled-back", "step": "health-check",
                            "diff": "[edit policy-options]\n+    policy-statement TS-IMPORT-et-0/0/0 { ... }\n",
                            "error": "running config differs from the intent after commit"}
    if hostile:
        outcomes["ams01-r2"]["diff"] += HOSTILE
        outcomes["fra01-r1"]["error"] += " " + HOSTILE
        plan["actions"][0]["reason"] += " <b onmouseover=alert(2)>reason</b>"
    return {"id": "20260921T141350.250000-4242", "kind": "apply", "trigger": "operator", "started": STARTED,
            "finished": FINISHED, "status": "rolled-back", "revert_in": 600, "inputs": inputs, "plan": plan,
            "drained_sites": [], "drained_sites_before": [], "outcomes": outcomes,
            "message": "apply 20260921T141350.250000-4242: rolled back"}
