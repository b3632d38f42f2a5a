"""trafficshift.present.metrics: real fleet runs over the in-memory ports (test_runs.Harness) fire their
events into LoopMetrics, and the families go through prometheus_client's own exposition and parser, as a
scrape would see them. The engine serving them under a real salt-master is in tests/salt."""
from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from test_runs import HOT, Harness
from trafficshift.fleet.store import FleetLock, LockHeld
from trafficshift.present.metrics import FleetView, LoopMetrics, cycle_outcome

IDLE = FleetView(active_plan=None, frozen=False, lock_held_s=0.0, rebalance_interval_s=300.0)


class _Registered:
    def __init__(self, loop: LoopMetrics, fleet: FleetView) -> None:
        self.loop, self.fleet = loop, fleet

    def collect(self):
        return self.loop.families(self.fleet)


def scrape(loop: LoopMetrics, fleet: FleetView = IDLE) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of the text a scrape returns."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Registered(loop, fleet))
    text = generate_latest(registry).decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def fold(h: Harness, loop: LoopMetrics, active: dict | None = None) -> None:
    """Every event the harness saw, in order, as the engine would fold them."""
    for tag, data in h.events:
        loop.observe(tag, data, h.clock, lambda: active)
    h.events.clear()


@pytest.fixture
def h(tmp_path) -> Harness:
    return Harness(tmp_path)


def test_a_plan_shows_every_link_and_site_before_and_planned_with_its_status(h):
    loop = LoopMetrics()
    h.fleet.plan()
    fold(h, loop)
    samples = scrape(loop)

    before = samples[("trafficshift_utilization_ratio", (("element", HOT), ("kind", "link"), ("stage", "before")))]
    planned = samples[("trafficshift_utilization_ratio", (("element", HOT), ("kind", "link"), ("stage", "planned")))]
    assert before > 0.9 and planned <= 0.8  # the egress-overload load: HOT relieved to target
    assert samples[("trafficshift_plan_status", (("status", "ok"),))] == 1.0
    assert samples[("trafficshift_plan_status", (("status", "fail-static"),))] == 0.0
    assert samples[("trafficshift_target_utilization_ratio", ())] == 0.8
    assert samples[("trafficshift_overload_threshold_ratio", ())] == 0.9
    sites = {labels for name, labels in samples if name == "trafficshift_utilization_ratio" and ("kind", "site") in labels}
    assert sites, "sites are exported too"


def test_cycles_runs_and_the_last_success_follow_the_rebalances(h):
    loop = LoopMetrics()
    h.fleet.rebalance("tick")  # applies
    h.clock += 60
    h.fleet.rebalance("tick")  # the fleet already runs it
    fold(h, loop, active=h.store.active())
    with FleetLock(h.lock_path, "someone else"):
        h.fleet.rebalance("tick")  # busy
    fold(h, loop)
    samples = scrape(loop)

    cycles = {dict(labels)["outcome"]: value for (name, labels), value in samples.items()
              if name == "trafficshift_cycles_total"}
    assert cycles == {"applied": 1.0, "unchanged": 1.0, "busy": 1.0, "held": 0.0, "frozen": 0.0, "failed": 0.0}
    assert samples[("trafficshift_runs_total", (("kind", "apply"), ("status", "applied")))] == 1.0
    assert samples[("trafficshift_last_successful_cycle_timestamp_seconds", ())] == h.clock
    # the routers' own time for their apply (the fake fleet's 0.25 s): the changed one and the unchanged ones
    took = {dict(labels)["router"]: value for (name, labels), value in samples.items()
            if name == "trafficshift_router_step_seconds" and ("step", "apply") in labels}
    assert took == {router: 0.25 for router in h.routers.running}


def test_a_router_that_fails_its_apply_is_counted_and_the_cycle_failed(h):
    loop = LoopMetrics()
    h.routers.fail[("ams01-r2", "traffic.apply")] = "commit refused"
    h.fleet.rebalance("tick")
    fold(h, loop)
    samples = scrape(loop)

    assert samples[("trafficshift_router_apply_failures_total", (("router", "ams01-r2"),))] == 1.0
    assert samples[("trafficshift_router_apply_failures_total", (("router", "ams01-r1"),))] == 0.0  # from its start
    assert samples[("trafficshift_cycles_total", (("outcome", "failed"),))] == 1.0
    assert ("trafficshift_last_successful_cycle_timestamp_seconds", ()) not in samples  # none yet


def test_a_stale_load_is_a_held_cycle_with_plan_status_fail_static(h):
    loop = LoopMetrics()
    h.load["timestamp"] = 1.0
    h.fleet.ports.pillar = lambda: {"traffic": h.pillar()["traffic"], "traffic_load": dict(h.load)}
    h.fleet.rebalance("tick")
    fold(h, loop)
    samples = scrape(loop)

    assert samples[("trafficshift_plan_status", (("status", "fail-static"),))] == 1.0
    assert samples[("trafficshift_cycles_total", (("outcome", "held"),))] == 1.0


def test_projection_error_is_the_next_measurement_minus_the_prediction_on_the_links_the_active_plan_shifts(h):
    loop = LoopMetrics()
    h.fleet.apply()
    record = h.store.active()
    active = record["plan"]
    predicted = {u["id"]: u["after_bps"] / u["capacity_bps"] for u in active["links"]}
    h.events.clear()
    # the next cycle measures the hot link 5 points of capacity above what the plan predicted for it
    capacity = next(u["capacity_bps"] for u in active["links"] if u["id"] == HOT)
    h.load["links"][HOT]["out_bps"] = predicted[HOT] * capacity + 0.05 * capacity
    h.fleet.plan()
    fold(h, loop, active=record)
    fleet = FleetView(active, frozen=False, lock_held_s=0.0, rebalance_interval_s=300.0)

    def errors() -> dict[str, float]:
        return {dict(labels)["link"]: value for (name, labels), value in scrape(loop, fleet).items()
                if name == "trafficshift_projection_error_ratio"}

    detour = next(i for i in active["intents"] if i["kind"] == "detour")
    assert set(errors()) == {HOT, f"{detour['router']}:{detour['link']}"}
    assert errors()[HOT] == pytest.approx(0.05, abs=1e-9)
    # later cycles under the same plan measure drift, not the prediction: the error stays the first one's
    h.load["links"][HOT]["out_bps"] += 0.2 * capacity
    h.fleet.plan()
    fold(h, loop, active=record)
    assert errors()[HOT] == pytest.approx(0.05, abs=1e-9)


def test_the_store_view_gives_intents_freeze_lock_and_interval():
    plan = {"intents": [{"kind": "detour"}, {"kind": "detour"}, {"kind": "prepend"}]}
    samples = scrape(LoopMetrics(), FleetView(plan, frozen=True, lock_held_s=42.5, rebalance_interval_s=0.0))

    assert samples[("trafficshift_active_intents", (("kind", "detour"),))] == 2.0
    assert samples[("trafficshift_active_intents", (("kind", "prepend"),))] == 1.0
    assert samples[("trafficshift_active_intents", (("kind", "withdraw"),))] == 0.0
    assert samples[("trafficshift_frozen", ())] == 1.0
    assert samples[("trafficshift_lock_held_seconds", ())] == 42.5
    assert samples[("trafficshift_rebalance_interval_seconds", ())] == 0.0
    # nothing planned yet: no utilization, no status, no bounds
    assert not [name for name, _ in samples if name in ("trafficshift_utilization_ratio", "trafficshift_plan_status",
                                                          "trafficshift_target_utilization_ratio")]


@pytest.mark.parametrize(("data", "outcome"), [
    ({"skipped": "frozen (traffic.unfreeze resumes automation)"}, "frozen"),
    ({"skipped": "the fleet already runs this plan"}, "unchanged"),
    ({"skipped": "plan status partial: guard rails hold the fleet (x)"}, "held"),
    ({"skipped": str(LockHeld({"who": "someone", "since": 1.0}))}, "busy"),
    ({"run": "20260101T000000.000000-1", "status": "applied"}, "applied"),
    ({"error": "plan status fail-static, nothing applied"}, "failed"),
    ({"run": "20260101T000000.000000-1", "status": "rolled-back", "error": "ams01-r2: commit refused"}, "failed"),
])
def test_each_rebalance_outcome_is_named(data, outcome):
    assert cycle_outcome(data) == outcome
