"""The `traffic` runner against the lab through the real master and NAPALM proxies of both vendors:
plan changes nothing, apply commits where needed and is idempotent, a failure mid-rollout leaves the fleet
as it was, and the active plan reaches the pillar."""
from __future__ import annotations

import time

import pytest

from salt_setup import ROUTERS
from runner_fleet import configs, master_store


pytestmark = pytest.mark.usefixtures("clean_fleet")


def test_plan_shows_utilization_and_router_diffs_and_changes_nothing(salt_run_cli, salt_master, lab, feed_load):
    feed_load("egress-overload")
    before = configs(lab)
    ret = salt_run_cli.run("traffic.plan")
    assert ret.returncode == 0, ret
    assert ret.data["status"] == "ok", ret.data["table"]
    assert ret.data["routers"] == ["ams01-r2"]  # the detour lands on the alternate link's router
    assert "ams01-r1:et-0/0/0" in ret.data["table"]
    assert ret.data["diffs"]["ams01-r2"] and "TS-" in ret.data["diffs"]["ams01-r2"]
    assert {r: d for r, d in ret.data["diffs"].items() if r != "ams01-r2"} == {r: "" for r in ROUTERS if r != "ams01-r2"}
    assert configs(lab) == before
    assert master_store(salt_master).history() == []


def test_apply_commits_every_affected_router_once_and_reapplying_changes_nothing(
        salt_run_cli, salt_cli, salt_master, lab, feed_load, event_listener):
    feed_load("egress-overload")
    before, commits = configs(lab), {r: len(lab.control(r).commits()) for r in ROUTERS}
    started = time.time()
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode == 0, ret
    assert ret.data["status"] == "applied", ret.data["outcomes"]
    assert {r: o["outcome"] for r, o in ret.data["outcomes"].items()} == {
        "ams01-r1": "unchanged", "ams01-r2": "confirmed", "fra01-r1": "unchanged", "fra01-r2": "unchanged"}
    after = configs(lab)
    assert [r for r in ROUTERS if after[r] != before[r]] == ["ams01-r2"]
    # the router reads back as the plan's intent
    current = salt_cli.run("traffic.current", minion_tgt="ams01-r2").data["intents"]
    assert [(i["kind"], i["prefix"]) for i in current] == [(i["kind"], i["prefix"]) for i in ret.data["plan"]["intents"]]

    store = master_store(salt_master)
    run = store.run(ret.data["run"])
    assert store.active()["run"] == ret.data["run"]
    assert run["status"] == "applied" and run["inputs"]["load"]["links"]["ams01-r1:et-0/0/0"]
    replayed = salt_run_cli.run("traffic.replay", ret.data["run"])
    assert replayed.returncode == 0 and replayed.data["same"] is True, replayed
    tags = {event.tag for event in event_listener.get_events([(salt_master.id, "trafficshift/*")],
                                                              after_time=started)}
    assert {"trafficshift/apply/start", "trafficshift/apply/router", "trafficshift/apply/done"} <= tags

    # provisioning a router reads the active plan from the pillar (pillar.items compiles it afresh)
    pillar = salt_cli.run("pillar.items", "unmask=True", minion_tgt="fra01-r1").data["trafficshift_active"]
    assert pillar == {"intents": ret.data["plan"]["intents"], "drained_sites": []}

    commits_after_first = {r: len(lab.control(r).commits()) for r in ROUTERS}
    # ams01-r2: the confirmed commit (Junos adds a second commit record for the confirm; EOS one)
    assert all(commits_after_first[r] == commits[r] for r in ROUTERS if r != "ams01-r2")
    again = salt_run_cli.run("traffic.apply")
    assert again.returncode == 0, again
    assert again.data["status"] == "no-change"
    assert configs(lab) == after
    assert {r: len(lab.control(r).commits()) for r in ROUTERS} == commits_after_first


def test_failure_on_one_router_mid_rollout_leaves_every_router_on_its_previous_config(
        salt_run_cli, salt_master, lab):
    # draining site ams01 changes both ams01 routers: ams01-r1 is the canary, ams01-r2 is in the next stage
    assert salt_run_cli.run("traffic.drain", "site", "ams01").returncode == 0
    before = configs(lab)
    lab.control("ams01-r2").inject(fail_next_commit="commit check failed: injected by the test")
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode != 0
    outcomes = ret.data["outcomes"]
    assert outcomes["ams01-r1"]["outcome"] == "rolled-back"
    assert outcomes["ams01-r2"]["outcome"] == "failed" and "injected by the test" in outcomes["ams01-r2"]["error"]
    assert outcomes["fra01-r2"]["outcome"] == "not-attempted"
    assert ret.data["status"] == "rolled-back"
    assert configs(lab) == before
    store = master_store(salt_master)
    assert store.active() == {}
    assert store.run(ret.data["run"])["status"] == "rolled-back"


def test_rollback_of_a_run_and_freeze_bring_the_fleet_back_to_the_plan_before(salt_run_cli, salt_master, lab,
                                                                              feed_load):
    before = configs(lab)
    feed_load("egress-overload")
    applied = salt_run_cli.run("traffic.apply")
    assert applied.data["status"] == "applied", applied
    shifted = configs(lab)
    assert shifted["ams01-r2"] != before["ams01-r2"]

    reverted = salt_run_cli.run("traffic.rollback", applied.data["run"])
    assert reverted.returncode == 0, reverted
    assert reverted.data["outcomes"]["ams01-r2"]["outcome"] == "confirmed"
    assert configs(lab) == before
    store = master_store(salt_master)
    assert store.run(reverted.data["run"])["reverts"] == applied.data["run"]
    assert store.active()["plan"]["intents"] == []

    assert salt_run_cli.run("traffic.apply").data["status"] == "applied"
    assert configs(lab) == shifted
    frozen = salt_run_cli.run("traffic.freeze", "reason=test kill switch")
    assert frozen.data["status"] == "applied" and frozen.data["plan"]["status"] == "frozen", frozen
    assert configs(lab) == before
    skipped = salt_run_cli.run("traffic.rebalance")
    assert skipped.returncode == 0 and skipped.data["skipped"].startswith("frozen"), skipped
    status = salt_run_cli.run("traffic.status").data
    assert status["frozen"] is True and status["active"]["intents"] == [] and status["drift"] == {}
    assert [r["kind"] for r in status["last_runs"]] == ["apply", "apply", "rollback", "apply"]
    assert salt_run_cli.run("traffic.unfreeze").data["controls"] == []
