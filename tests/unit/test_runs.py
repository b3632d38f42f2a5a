"""trafficshift.fleet.runs, the runner's decisions, over in-memory ports: a fake fleet of routers answering
the `traffic.*` calls (tests/fakes.py), the store on MemoryCache, the real fleet lock on a temporary file, the
Salt tests' network and load as the pillar. The same behaviour through real daemons is in tests/salt."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from fakes import FakeFleet
from trafficshift.fleet.runs import Fleet, Ports, clock
from trafficshift.fleet.store import FleetLock, MemoryCache, Store

REPO = Path(__file__).resolve().parents[2]
NETWORK = yaml.safe_load((REPO / "tests" / "salt" / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
LOADS = {name: yaml.safe_load((REPO / "tests" / "salt" / "data" / f"load-{name}.yaml").read_text())
         for name in ("normal", "egress-overload")}
ROUTERS = sorted(NETWORK["routers"])
HOT = "ams01-r1:et-0/0/0"


class Harness:
    """One master's ports; `load` is what the ext_pillar currently serves."""

    def __init__(self, tmp_path: Path, load: str = "egress-overload") -> None:
        self.routers = FakeFleet(ROUTERS)
        self.store = Store(MemoryCache())
        self.events: list[tuple[str, dict]] = []
        self.load = copy.deepcopy(LOADS[load])
        self.clock = float(self.load["timestamp"]) + 10
        self.lock_path = tmp_path / "fleet.lock"
        self.highstates: list[str] = []
        self.fleet = Fleet(Ports(store=self.store, call=self.routers, fire=lambda tag, data: self.events.append((tag, data)),
                                 pillar=self.pillar, lock=lambda who: FleetLock(self.lock_path, who),
                                 now=lambda: self.clock,
                                 settings={"pillar_minion": "master", "state_dir": str(tmp_path / "state")},
                                 wall=lambda: self.clock))

    def pillar(self) -> dict:
        return {"traffic": copy.deepcopy(NETWORK), "traffic_load": {**copy.deepcopy(self.load), "timestamp": self.clock - 5}}

    def serve(self, load: str) -> None:
        self.load = copy.deepcopy(LOADS[load])

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.events]

    def highstate(self, minion: str) -> str:
        self.highstates.append(minion)
        return f"jid-{len(self.highstates)}"


@pytest.fixture
def h(tmp_path) -> Harness:
    return Harness(tmp_path)


def test_apply_rolls_the_plan_out_records_it_and_makes_it_active(h):
    ret = h.fleet.apply()
    assert ret["result"] is True and ret["status"] == "applied", ret
    assert ret["plan"]["status"] == "ok" and ret["plan"]["routers"] == ["ams01-r2"]
    assert h.routers.running["ams01-r2"] and h.routers.before["ams01-r2"] is None  # committed and confirmed
    record = h.store.run(ret["run"])
    assert record["status"] == "applied" and record["outcomes"]["ams01-r2"]["outcome"] == "confirmed"
    assert record["inputs"]["load"]["egress"] and record["inputs"]["previous"] is None
    assert h.store.active()["run"] == ret["run"] and h.store.active()["plan"]["intents"] == ret["plan"]["intents"]
    assert h.tags()[0] == "plan/done" and h.tags()[1] == "apply/start" and h.tags()[-1] == "apply/done"


def test_rebalance_skips_when_the_fleet_already_runs_the_plan(h):
    h.fleet.apply()
    calls = len(h.routers.calls)
    ret = h.fleet.rebalance("tick")
    assert ret == {"result": True, "skipped": "the fleet already runs this plan", "plan": ret["plan"]}
    assert not [c for c in h.routers.calls[calls:] if c[0] == "traffic.apply"]
    assert h.tags()[-1] == "rebalance/done" and h.events[-1][1]["skipped"] == "the fleet already runs this plan"


def test_a_stale_load_fails_static_nothing_is_pushed_and_the_rebalance_skips(h):
    h.load["timestamp"] = 1.0
    h.pillar = lambda: {"traffic": copy.deepcopy(NETWORK), "traffic_load": copy.deepcopy(h.load)}
    h.fleet.ports.pillar = h.pillar
    ret = h.fleet.apply()
    assert ret["result"] is False and ret["retcode"] == 1
    assert ret["error"].startswith("plan status fail-static, nothing applied: fail static: traffic_load")
    skipped = h.fleet.rebalance("tick")
    assert skipped["result"] is True and skipped["skipped"].startswith("plan status fail-static")
    assert not [c for c in h.routers.calls if c[0] == "traffic.apply"] and h.store.history() == []


def test_a_held_lock_refuses_an_operator_and_skips_the_tick_quietly(h):
    with FleetLock(h.lock_path, "someone else"):
        refused = h.fleet.apply()
        skipped = h.fleet.rebalance("tick")
    assert refused["result"] is False and refused["holder"]["who"] == "someone else"
    assert refused["error"].startswith("fleet lock held by someone else")
    assert skipped["result"] is True and skipped["holder"]["who"] == "someone else"
    assert h.routers.calls == []


def test_a_failed_router_rolls_the_run_back_and_the_return_fails(h):
    h.routers.fail[("ams01-r2", "traffic.apply")] = "commit refused"
    ret = h.fleet.apply()
    assert ret["result"] is False and ret["retcode"] == 1 and ret["status"] != "applied"
    assert h.store.active() == {} and h.tags()[-1] == "apply/failed"
    assert h.routers.running["ams01-r2"] == []


def test_reconcile_says_what_became_of_a_dead_runners_routers(h):
    intents = [{"kind": "prepend", "router": "ams01-r1", "link": "et-0/0/0", "pool": "web", "count": 1}]
    for run_id, router, pending in (("20260101T000000.000000-1", "ams01-r1", True),
                                    ("20260101T000001.000000-1", "fra01-r1", False)):
        h.store.record(run_id, {"status": "running", "revert_in": 600, "inputs": {"previous": None},
                                "outcomes": {router: {"outcome": "pending"}}})
        h.routers.before[router] = [] if pending else None
        h.routers.running[router] = intents if pending else []
    h.fleet.reconcile()
    still, reverted = h.store.run("20260101T000000.000000-1"), h.store.run("20260101T000001.000000-1")
    assert still["status"] == "abandoned" and "ams01-r1 still pending" in still["note"]
    assert reverted["status"] == "reverted-by-routers"
    assert reverted["outcomes"]["fra01-r1"]["outcome"] == "reverted-by-router"


def test_status_shows_drift_between_the_active_plan_and_the_routers(h):
    h.fleet.apply()
    h.routers.running["ams01-r2"] = []  # changed by hand
    status = h.fleet.status()
    assert status["result"] is True and status["active"]["intents"]
    assert set(status["drift"]) == {"ams01-r2"} and status["drift"]["ams01-r2"]["missing"]
    assert status["pending"] == {} and status["lock"] == {} and status["last_runs"][0]["status"] == "applied"


def test_rollback_reapplies_the_plan_before_the_run(h):
    applied = h.fleet.apply()
    back = h.fleet.rollback(applied["run"])
    assert back["result"] is True and h.routers.running["ams01-r2"] == []
    assert h.store.run(back["run"])["reverts"] == applied["run"] and h.store.active()["plan"]["intents"] == []


def test_freeze_removes_every_override_and_stops_automation_until_unfreeze(h):
    h.fleet.apply()
    frozen = h.fleet.freeze("incident 42")
    assert frozen["result"] is True and frozen["plan"]["status"] == "frozen"
    assert all(running == [] for running in h.routers.running.values())
    assert h.fleet.rebalance("tick") == {"result": True, "skipped": "frozen (traffic.unfreeze resumes automation)"}
    assert h.fleet.unfreeze() == {"result": True, "controls": []}
    assert h.fleet.rebalance("tick")["status"] == "applied"


def test_drain_and_undrain_replace_each_other(h):
    assert h.fleet.drain("site", "ams01")["controls"] == [{"kind": "drain", "element": "site", "name": "ams01"}]
    assert h.fleet.undrain("site", "ams01")["controls"] == [{"kind": "undrain", "element": "site", "name": "ams01"}]
    refused = h.fleet.drain("site", "nowhere")
    assert refused["result"] is False and refused["error"].endswith("traffic.drain:name: unknown site, got 'nowhere'")


def test_bad_operator_arguments_are_one_line_refusals(h):
    for ret in (h.fleet.rollback("../../etc"), h.fleet.show("x y"), h.fleet.history(-1), h.fleet.schedule("soon"),
                h.fleet.freeze("x" * 10_000)):
        assert ret["result"] is False and ret["retcode"] == 1 and "\n" not in ret["error"]
    assert h.routers.calls == []


def test_first_start_provisions_a_proxy_once(h):
    assert h.fleet.first_start("ams01-r1", h.highstate) == {"result": True, "first_start": True,
                                                             "provisioned": True, "jid": "jid-1"}
    assert h.fleet.first_start("ams01-r1", h.highstate) == {"result": True, "first_start": False}
    assert h.highstates == ["ams01-r1"] and ("provision/start", {"router": "ams01-r1", "jid": "jid-1"}) in h.events


def test_plan_shows_each_routers_diff_and_changes_nothing(h):
    ret = h.fleet.plan()
    assert ret["result"] is True and ret["status"] == "ok"
    assert ret["diffs"]["ams01-r2"] and all(ret["diffs"][r] == "" for r in ROUTERS if r != "ams01-r2")
    # read-only calls only: the diffs, and whether the alternates send the detoured prefixes
    assert {c[0] for c in h.routers.calls} == {"traffic.diff", "traffic.detour_routes"}
    assert h.store.history() == []


def test_report_writes_the_plan_or_a_run_under_the_state_dir_or_where_asked(h, tmp_path):
    of_plan = h.fleet.report()
    assert of_plan["result"] is True and of_plan["path"] == str(tmp_path / "state" / "reports" / f"{of_plan['run']}.html")
    run = h.fleet.apply()["run"]
    asked = h.fleet.report(run, path=tmp_path / "out" / "run.html")
    assert asked == {"result": True, "path": str(tmp_path / "out" / "run.html"), "run": run}
    assert run in (tmp_path / "out" / "run.html").read_text()
    unknown = h.fleet.report("20991231T000000.000000-0001")
    assert unknown["result"] is False and "20991231T000000.000000-0001" in unknown["error"]
    (tmp_path / "blocked").write_text("a file where the report's folder would be")
    blocked = h.fleet.report(run, path=tmp_path / "blocked" / "run.html")
    assert blocked["result"] is False and blocked["error"].startswith("traffic.report: cannot write")


def test_the_lab_clock_runs_scaled_from_its_anchor_and_the_default_is_wall_time(monkeypatch):
    monkeypatch.setattr("time.monotonic", lambda: 110.0)
    assert clock({"clock": {"anchor": 1_000.0, "monotonic": 100.0, "scale": 60}})() == 1_600.0
    monkeypatch.setattr("time.time", lambda: 42.0)
    assert clock({})() == 42.0


def test_an_apply_whose_traffic_does_not_move_is_rolled_back_and_the_record_names_prefix_and_neighbor(h):
    network = copy.deepcopy(NETWORK)
    network["policy"]["effect_budget_s"] = 0.2
    h.fleet.ports.pillar = lambda: {"traffic": copy.deepcopy(network), "traffic_load": {
        **copy.deepcopy(h.load), "timestamp": h.clock - 5}}
    line = "ams01-r2: 100.96.0.0/20 leaves via 100.64.1.9, not via 100.64.1.1 on Ethernet1"
    h.routers.effect_misses["ams01-r2"] = [[{"prefix": "100.96.0.0/20", "reason": "other-neighbor", "line": line}]] * 50
    ret = h.fleet.apply()
    assert ret["result"] is False and ret["status"] == "rolled-back"
    assert ret["message"].endswith(f"rolled-back: ams01-r2: effect failed: traffic did not move within 0.2s: "
                                   f"{line}; rolled back: ams01-r2; every router is on its previous config")
    outcome = h.store.run(ret["run"])["outcomes"]["ams01-r2"]
    assert outcome["outcome"] == "rolled-back" and outcome["step"] == "effect"
    assert outcome["misses"][0]["prefix"] == "100.96.0.0/20"
    assert "apply/effect" in h.tags() and h.routers.running["ams01-r2"] == []
    assert h.store.active() == {}  # the plan did not become the fleet's


def test_no_effect_check_when_the_policy_turns_it_off(h):
    network = copy.deepcopy(NETWORK)
    network["policy"]["verify_effect"] = False
    h.fleet.ports.pillar = lambda: {"traffic": copy.deepcopy(network), "traffic_load": {
        **copy.deepcopy(h.load), "timestamp": h.clock - 5}}
    assert h.fleet.apply()["status"] == "applied"
    assert "traffic.effect" not in {function for function, _ in h.routers.calls}


ALTERNATE = "ams01-r2:Ethernet1"


def detours(ret) -> list[tuple[str, str]]:
    return [(i["prefix"], f"{i['router']}:{i['link']}") for i in ret["intents"] if i["kind"] == "detour"]


def test_no_detour_is_planned_onto_a_neighbor_that_does_not_send_its_prefix(h):
    first = detours(h.fleet.plan())
    assert first == [("100.96.96.0/20", ALTERNATE)]
    assert ("traffic.detour_routes", ["ams01-r1", "ams01-r2"]) in h.routers.calls  # source and alternate
    # the alternate's neighbor does not send that /20: the planner takes the next prefix that relieves the link
    h.routers.not_sent = {("100.96.96.0/20", ALTERNATE)}
    calls = len(h.routers.calls)
    ret = h.fleet.plan()
    assert ("100.96.96.0/20", ALTERNATE) not in detours(ret) and detours(ret)
    refusals = [line for line in ret["table"].splitlines() if "does not send 100.96.96.0/20" in line]
    assert refusals and "check_detour_routes" in refusals[0]
    # asked twice: the first plan's detour, then the re-plan's new one; nothing asked twice
    asked = [c for c in h.routers.calls[calls:] if c[0] == "traffic.detour_routes"]
    assert len(asked) == 2
    # applied, the run's inputs keep the pairs, and replaying them gives the same plan
    applied = h.fleet.apply()
    assert applied["status"] == "applied", applied
    record = h.store.run(applied["run"])
    assert record["inputs"]["route_facts"] == {"not_sent": [["100.96.96.0/20", ALTERNATE]], "sessions_down": [],
                                               "more_specifics": []}
    assert h.fleet.replay(applied["run"])["same"] is True


def test_a_router_that_cannot_say_leaves_its_detours_to_the_effect_check(h):
    h.routers.not_sent = {("100.96.96.0/20", ALTERNATE)}
    h.routers.fail[("ams01-r2", "traffic.detour_routes")] = "connection refused"
    assert detours(h.fleet.plan()) == [("100.96.96.0/20", ALTERNATE)]


def test_no_route_check_when_the_policy_turns_it_off(h):
    network = copy.deepcopy(NETWORK)
    network["policy"]["check_detour_routes"] = False
    h.fleet.ports.pillar = lambda: {"traffic": copy.deepcopy(network), "traffic_load": {
        **copy.deepcopy(h.load), "timestamp": h.clock - 5}}
    h.routers.not_sent = {("100.96.96.0/20", ALTERNATE)}
    assert detours(h.fleet.plan()) == [("100.96.96.0/20", ALTERNATE)]
    assert "traffic.detour_routes" not in {function for function, _ in h.routers.calls}


def test_an_alternate_whose_session_is_down_gets_no_detour_at_all(h):
    h.routers.links_down = {ALTERNATE}
    h.routers.not_sent = {(d["prefix"], ALTERNATE) for d in h.load["egress"]}
    calls = len(h.routers.calls)
    ret = h.fleet.plan()
    # every alternate of the hot link is on that session: nothing can move, and the plan says why
    assert detours(ret) == [] and ret["status"] == "partial"
    assert f"no detour to {ALTERNATE}: its BGP session is down" in ret["table"]
    assert len([c for c in h.routers.calls[calls:] if c[0] == "traffic.detour_routes"]) == 1


def test_status_shows_managed_objects_the_pillar_no_longer_renders_as_drift(h):
    h.fleet.apply()
    assert h.fleet.status()["drift"] == {}
    h.routers.unknown_objects["ams01-r1"] = ["TS-IN-et-0-0-9", "TS-OUT-et-0-0-9"]
    assert h.fleet.status()["drift"] == {"ams01-r1": {"missing": [], "unexpected": [],
                                                      "unknown_objects": ["TS-IN-et-0-0-9", "TS-OUT-et-0-0-9"]}}


def test_no_detour_of_a_prefix_whose_more_specific_its_source_keeps(h):
    h.routers.kept = {"100.96.96.0/20": "100.96.96.0/24"}
    ret = h.fleet.plan()
    assert "100.96.96.0/20" not in {prefix for prefix, _ in detours(ret)} and detours(ret)
    assert f"{HOT}'s neighbor sends the more-specific 100.96.96.0/24" in ret["table"]
    # the source's router (ams01-r1) is asked along with the alternate's (ams01-r2)
    assert ("traffic.detour_routes", ["ams01-r1", "ams01-r2"]) in h.routers.calls
