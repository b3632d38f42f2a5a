"""trafficshift.fleet.rollout over a fake fleet (tests/fakes.py): each fake router keeps a running config (its
intents) and an optional pending commit, and fails the steps a test tells it to, like a real router would."""
from __future__ import annotations

import pytest

from fakes import FakeFleet
from trafficshift.fleet import rollout
from trafficshift.fleet.rollout import Reply

ROUTERS = ["r1", "r2", "r3", "r4", "r5"]


def intents_for(*routers):
    return [{"kind": "prepend", "router": r, "link": "et-0/0/0", "pool": "web", "count": 1} for r in routers]


def test_stages_canary_then_batches_in_name_order():
    assert rollout.stages(["r3", "r1", "r2", "r5", "r4"], canary=1, batch_size=2) == [
        ["r1"], ["r2", "r3"], ["r4", "r5"]]
    assert rollout.stages(ROUTERS, canary=2, batch_size=10) == [["r1", "r2"], ["r3", "r4", "r5"]]
    assert rollout.stages(ROUTERS, canary=0, batch_size=5) == [ROUTERS]
    with pytest.raises(ValueError):
        rollout.stages(ROUTERS, batch_size=0)


def test_apply_commits_checks_and_confirms_only_changed_routers():
    fleet = FakeFleet(ROUTERS)
    result = rollout.rollout(fleet, ROUTERS, intents=intents_for("r2", "r4"))
    assert result.status == rollout.APPLIED
    assert {r: o["outcome"] for r, o in result.outcomes.items()} == {
        "r1": "unchanged", "r2": "confirmed", "r3": "unchanged", "r4": "confirmed", "r5": "unchanged"}
    assert result.changed == ["r2", "r4"]
    assert fleet.running["r2"] == intents_for("r2") and fleet.before["r2"] is None
    # canary alone first; confirm only after every stage passed its health check
    assert fleet.calls[0] == ("traffic.apply", ["r1"])
    assert fleet.calls[-1] == ("traffic.confirm", ["r2", "r4"])


def test_reapplying_the_same_plan_changes_nothing():
    fleet = FakeFleet(ROUTERS)
    rollout.rollout(fleet, ROUTERS, intents=intents_for("r1", "r3"))
    fleet.calls.clear()
    again = rollout.rollout(fleet, ROUTERS, intents=intents_for("r1", "r3"))
    assert again.status == rollout.NO_CHANGE and again.changed == []
    assert {f for f, _ in fleet.calls} == {"traffic.apply"}


def test_failed_commit_on_one_router_rolls_back_every_router_changed_in_the_run():
    fleet = FakeFleet(ROUTERS)
    fleet.fail[("r4", "traffic.apply")] = "configuration check-out failed"
    result = rollout.rollout(fleet, ROUTERS, intents=intents_for(*ROUTERS), canary=1, batch_size=2)
    assert result.status == rollout.ROLLED_BACK_RUN
    outcomes = {r: o["outcome"] for r, o in result.outcomes.items()}
    assert outcomes == {"r1": "rolled-back", "r2": "rolled-back", "r3": "rolled-back", "r4": "failed",
                        "r5": "rolled-back"}
    # the failed router had committed before failing: it is rolled back too and keeps its error
    assert result.outcomes["r4"]["rolled_back"] is True
    assert "check-out failed" in result.outcomes["r4"]["error"]
    assert all(config == [] for config in fleet.running.values())


def test_failure_in_a_stage_stops_later_stages():
    fleet = FakeFleet(ROUTERS)
    fleet.fail[("r2", "traffic.current")] = "session closed"
    result = rollout.rollout(fleet, ROUTERS, intents=intents_for(*ROUTERS), canary=1, batch_size=2)
    assert result.status == rollout.ROLLED_BACK_RUN
    assert result.outcomes["r2"]["step"] == "health-check"
    assert result.outcomes["r4"] == {"outcome": "not-attempted"}
    assert ("traffic.apply", ["r4", "r5"]) not in fleet.calls
    assert all(config == [] for config in fleet.running.values())


def test_health_check_catches_a_router_whose_config_does_not_read_back_as_intended():
    fleet = FakeFleet(["r1", "r2"])
    real_one = fleet.one

    def drifting(router, function, kwargs):
        if router == "r1" and function == "traffic.current":
            return Reply(True, {"router": router, "intents": []})
        return real_one(router, function, kwargs)

    fleet.one = drifting
    result = rollout.rollout(fleet, ["r1", "r2"], intents=intents_for("r1", "r2"))
    assert result.status == rollout.ROLLED_BACK_RUN
    assert "differs from the intent after commit: missing" in result.outcomes["r1"]["error"]
    assert fleet.running == {"r1": [], "r2": []}


def test_unreachable_router_is_its_own_failure_and_a_failed_rollback_is_reported():
    fleet = FakeFleet(["r1", "r2", "r3"], silent={"r3"})
    fleet.fail[("r1", "traffic.rollback")] = "connection refused"
    result = rollout.rollout(fleet, ["r1", "r2", "r3"], intents=intents_for("r1", "r2", "r3"), batch_size=2)
    assert result.status == rollout.FAILED_RUN
    assert result.outcomes["r3"]["outcome"] == "failed" and "no return" in result.outcomes["r3"]["error"]
    assert result.outcomes["r1"]["outcome"] == "rollback-failed"
    assert "reverts by itself after 600s" in result.outcomes["r1"]["rollback_error"]
    assert result.outcomes["r2"]["outcome"] == "rolled-back"


def test_notify_reports_stages_and_every_router_step():
    fleet = FakeFleet(["r1", "r2"])
    seen = []
    rollout.rollout(fleet, ["r1", "r2"], intents=intents_for("r2"), notify=lambda kind, data: seen.append(
        (kind, data.get("router"), data.get("outcome"))))
    assert seen == [("stage", None, None), ("router", "r1", "unchanged"), ("stage", None, None),
                    ("router", "r2", "pending"), ("router", "r2", "confirmed")]


def test_detour_read_back_without_from_link_matches_its_intent():
    wanted = [{"kind": "detour", "router": "r1", "link": "xe-0/0/1", "prefix": "10.0.0.0/24",
               "from_link": "r2:et-0/0/0", "local_pref": 200}, *intents_for("r2")]
    running = [{**wanted[0], "from_link": None}]
    assert rollout.intent_drift(wanted, running, "r1") == ([], [])
    assert rollout.intent_drift(wanted, [], "r1")[0] and rollout.intent_drift([], running, "r1")[1]


def test_a_failing_progress_report_does_not_break_the_rollout():
    fleet = FakeFleet(["r1", "r2"])

    def broken(kind, data):
        raise ReferenceError("event bus gone")

    result = rollout.rollout(fleet, ["r1", "r2"], intents=intents_for("r1", "r2"), notify=broken)
    assert result.status == rollout.APPLIED and result.changed == ["r1", "r2"]


def rebooting(fleet, router):
    """`router` reboots when the runner first asks whether commits are pending: its unconfirmed commit is gone."""
    real_call = fleet.__class__.__call__
    state = {"rebooted": False}

    def call(routers, function, kwargs):
        if function == "traffic.pending" and not state["rebooted"]:
            state["rebooted"] = True
            fleet.running[router], fleet.before[router] = fleet.before[router], None
        return real_call(fleet, routers, function, kwargs)

    return call


def test_a_router_that_rebooted_before_confirm_is_neither_confirmed_nor_rolled_back():
    fleet = FakeFleet(ROUTERS)
    result = rollout.rollout(rebooting(fleet, "r2"), ROUTERS, intents=intents_for("r1", "r2"))
    assert result.status == rollout.ROLLED_BACK_RUN
    assert result.outcomes["r2"]["outcome"] == "reverted-by-router" and result.outcomes["r2"]["step"] == "confirm"
    assert result.outcomes["r1"]["outcome"] == "rolled-back"
    assert not [c for c in fleet.calls if c[0] == "traffic.confirm"]
    assert ("traffic.rollback", ["r1"]) in fleet.calls and ("traffic.rollback", ["r2"]) not in fleet.calls
    assert fleet.running == {r: [] for r in ROUTERS}
    assert result.changed == ["r1", "r2"]
    assert rollout.summary(result) == (
        "rolled-back: r2: confirm failed: the commit was no longer pending at confirm: the router reverted it by "
        "itself (rebooted, or its timer expired); rolled back: r1; reverted by the router itself: r2; every "
        "router is on its previous config")


def test_rollback_leaves_alone_a_router_that_already_reverted_by_itself():
    fleet = FakeFleet(ROUTERS)
    fleet.fail[("r3", "traffic.current")] = "session closed"
    result = rollout.rollout(rebooting(fleet, "r1"), ROUTERS, intents=intents_for("r1", "r2", "r3"), batch_size=2)
    assert result.status == rollout.ROLLED_BACK_RUN
    assert result.outcomes["r1"]["outcome"] == "reverted-by-router" and "error" not in result.outcomes["r1"]
    assert {r: o["outcome"] for r, o in result.outcomes.items() if r != "r1"} == {
        "r2": "rolled-back", "r3": "rolled-back", "r4": "not-attempted", "r5": "not-attempted"}
    assert ("traffic.rollback", ["r2", "r3"]) in fleet.calls
    assert fleet.running == {r: [] for r in ROUTERS}


def test_summary_is_one_line_naming_router_step_and_where_the_fleet_is():
    fleet = FakeFleet(["r1", "r2", "r3"], silent={"r3"})
    fleet.fail[("r1", "traffic.rollback")] = "connection\nrefused"
    result = rollout.rollout(fleet, ["r1", "r2", "r3"], intents=intents_for("r1", "r2", "r3"), batch_size=2)
    assert rollout.summary(result) == (
        "failed: r3: no return from traffic.apply; rolled back: r2; rollback failed on r1: they revert by "
        "themselves when their commit-confirmed timer expires")
    applied = rollout.rollout(FakeFleet(["r1", "r2"]), ["r1", "r2"], intents=intents_for("r2"))
    assert rollout.summary(applied) == "applied: r2 confirmed"
    fleet = FakeFleet(["r1"])
    rollout.rollout(fleet, ["r1"], intents=intents_for("r1"))
    assert rollout.summary(rollout.rollout(fleet, ["r1"], intents=intents_for("r1"))) == (
        "no change: every router already runs the plan")


# -- the effect check before the confirm (issue 15) -----------------------------------------------------------------
class FakeClock:
    """Monotonic seconds that move only when the rollout sleeps."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def detours_for(*routers):
    return [{"kind": "detour", "router": r, "link": "et-0/0/1", "prefix": "198.51.100.0/24",
             "from_link": f"{r}:et-0/0/0", "local_pref": 200} for r in routers]


def miss(router, prefix="198.51.100.0/24"):
    return {"router": router, "prefix": prefix, "reason": "other-neighbor", "actual": "100.64.0.1",
            "line": f"{router}: {prefix} leaves via 100.64.0.1 (et-0/0/0, transit-a), not via 100.64.0.3 on et-0/0/1"}


def effect(clock, budget_s=10.0, **extra):
    return rollout.EffectCheck(budget_s=budget_s, interval_s=2.0, sleep=clock.sleep, clock=lambda: clock.now, **extra)


def test_the_confirm_waits_until_traffic_moved_and_asks_again_only_routers_still_missing():
    fleet, clock, progress = FakeFleet(ROUTERS), FakeClock(), []
    fleet.effect_misses["r2"] = [[miss("r2")], [miss("r2")]]  # converges on the third look
    result = rollout.rollout(fleet, ROUTERS, intents=detours_for("r2", "r3"), canary=1, batch_size=4,
                             effect=effect(clock, hot_links=("r2:et-0/0/0",)),
                             notify=lambda kind, data: progress.append((kind, data)))
    assert result.status == rollout.APPLIED and result.changed == ["r2", "r3"]
    # the read-back and the first look at the routes are one job; then only the router still missing
    assert [(function, routers) for function, routers in fleet.calls
            if function in ("traffic.verify", "traffic.effect", "traffic.current")] == [
        ("traffic.verify", ["r2", "r3"]), ("traffic.effect", ["r2"]), ("traffic.effect", ["r2"])]
    assert clock.slept == [2.0, 2.0]
    assert result.outcomes["r2"]["verified"] == 1 and "error" not in result.outcomes["r2"]
    assert result.to_dict()["effect_s"] >= 0  # the time the check took, for the run record and the bench
    waiting = [data for kind, data in progress if kind == "effect"]
    assert waiting[0]["waiting"] == ["r2"] and waiting[0]["first"].startswith("r2: 198.51.100.0/24 leaves via")
    # the check comes before any confirm
    functions = [function for function, _ in fleet.calls]
    assert functions.index("traffic.confirm") > max(i for i, f in enumerate(functions) if f == "traffic.effect")


def test_traffic_that_does_not_move_within_the_budget_rolls_the_run_back_naming_prefix_and_neighbor():
    fleet, clock = FakeFleet(ROUTERS), FakeClock()
    fleet.effect_misses["r1"] = [[miss("r1"), miss("r1", "203.0.113.0/24")]] * 20
    result = rollout.rollout(fleet, ROUTERS, intents=detours_for("r1", "r2"), canary=1, batch_size=2,
                             effect=effect(clock, budget_s=5.0))
    assert result.status == rollout.ROLLED_BACK_RUN
    r1 = result.outcomes["r1"]
    assert (r1["outcome"], r1["step"]) == ("rolled-back", "effect") and len(r1["misses"]) == 2
    assert r1["error"].startswith("traffic did not move within 5s: r1: 198.51.100.0/24 leaves via 100.64.0.1 "
                                  "(et-0/0/0, transit-a), not via 100.64.0.3 on et-0/0/1; r1: 203.0.113.0/24")
    assert result.outcomes["r2"]["outcome"] == "not-attempted"  # the canary's failure stops the run
    assert clock.now == pytest.approx(5.0) and all(config == [] for config in fleet.running.values())
    assert "confirm" not in " ".join(function for function, _ in fleet.calls)
    assert rollout.summary(result).startswith("rolled-back: r1: effect failed: traffic did not move within 5s: "
                                              "r1: 198.51.100.0/24 leaves via 100.64.0.1")


def test_a_router_that_cannot_answer_the_check_fails_it_at_once():
    fleet, clock = FakeFleet(ROUTERS), FakeClock()
    fleet.fail[("r1", "traffic.verify")] = "get_route_to timed out"
    result = rollout.rollout(fleet, ROUTERS, intents=detours_for("r1"), effect=effect(clock))
    assert result.status == rollout.ROLLED_BACK_RUN and clock.slept == []
    assert (result.outcomes["r1"]["step"], result.outcomes["r1"]["error"]) == (
        "health-check", "read-back failed: r1: traffic.verify failed: get_route_to timed out")
    # the same on a later look, while waiting for convergence
    fleet, clock = FakeFleet(ROUTERS), FakeClock()
    fleet.effect_misses["r1"] = [[miss("r1")]]
    fleet.fail[("r1", "traffic.effect")] = "session closed"
    result = rollout.rollout(fleet, ROUTERS, intents=detours_for("r1"), effect=effect(clock))
    assert result.status == rollout.ROLLED_BACK_RUN and clock.slept == [2.0]
    assert (result.outcomes["r1"]["step"], result.outcomes["r1"]["error"]) == (
        "effect", "effect check failed: r1: traffic.effect failed: session closed")


def test_without_an_effect_check_nothing_asks_the_routers_about_routes():
    fleet = FakeFleet(ROUTERS)
    result = rollout.rollout(fleet, ROUTERS, intents=detours_for("r1"))
    assert result.status == rollout.APPLIED and "effect_s" not in result.to_dict()
    assert not {"traffic.effect", "traffic.verify"} & {function for function, _ in fleet.calls}


def test_the_runner_checks_every_detour_off_a_link_still_over_target_and_none_when_verification_is_off():
    from trafficshift.fleet.runs import effect_check
    from trafficshift.model import Policy
    plan = {"links": [{"id": "r1:et-0/0/0", "capacity_bps": 100.0, "before_bps": 95.0, "after_bps": 85.0},
                      {"id": "r2:et-0/0/0", "capacity_bps": 100.0, "before_bps": 95.0, "after_bps": 80.0},
                      {"id": "r3:et-0/0/0", "capacity_bps": 0.0, "before_bps": 0.0, "after_bps": 0.0}]}
    check = effect_check(Policy(), plan)
    assert check.hot_links == ("r1:et-0/0/0",) and check.budget_s == 60.0
    assert effect_check(Policy(verify_effect=False), plan) is None
    assert effect_check(Policy(effect_budget_s=5.0), None).hot_links == ()
