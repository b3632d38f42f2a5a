"""Unattended operation through the master's event bus: a load alert and the periodic tick (traffic_tick
engine -> reactor -> traffic.rebalance) each rebalance the fleet; the first-start reactor saw every proxy."""
from __future__ import annotations

from pathlib import Path

import pytest

from salt_setup import ROUTERS
from runner_fleet import configs, master_store, wait_for
from trafficshift.fleet.store import read_holder


pytestmark = pytest.mark.usefixtures("clean_fleet")


def applied_by(store, trigger):
    return [r for r in store.history() if r.get("trigger") == trigger and r.get("status") == "applied"]


def test_load_alert_event_triggers_a_rebalance_through_the_reactor(salt_run_cli, salt_master, lab, feed_load):
    feed_load("egress-overload")
    before = configs(lab)
    store = master_store(salt_master)
    sent = salt_run_cli.run("event.send", "trafficshift/load/alert", '{"link": "ams01-r1:et-0/0/0"}')
    assert sent.returncode == 0, sent
    run = wait_for(lambda: applied_by(store, "alert"), 60, "the alert's rebalance")[0]
    assert {r: o["outcome"] for r, o in run["outcomes"].items()}["ams01-r2"] == "confirmed"
    after = configs(lab)
    assert [r for r in ROUTERS if after[r] != before[r]] == ["ams01-r2"]
    assert store.active()["run"] == run["id"]


def test_periodic_rebalance_runs_from_the_engine_tick(salt_run_cli, salt_master, lab, feed_load):
    feed_load("egress-overload")
    store = master_store(salt_master)
    lock_file = Path(salt_master.config["cachedir"]) / "trafficshift" / "fleet.lock"
    assert salt_run_cli.run("traffic.schedule", "2").data["rebalance_interval"] == 2
    try:
        run = wait_for(lambda: applied_by(store, "tick"), 60, "a tick's rebalance")[0]
        assert run["outcomes"]["ams01-r2"]["outcome"] == "confirmed"
        # later ticks find the fleet on the plan already: no second apply
        wait_for(lambda: len(store.history()) == 1 and not read_holder(lock_file) and store.active(), 10,
                 "the tick's run to finish")
    finally:
        assert salt_run_cli.run("traffic.schedule", "0").returncode == 0
        wait_for(lambda: not read_holder(lock_file), 60, "no rebalance in flight")


def test_first_start_reactor_recorded_every_proxy(salt_master):
    store = master_store(salt_master)
    # each proxy's start event went through the reactor to traffic.first_start, which records it once
    wait_for(lambda: sorted(store.seen()) == ROUTERS, 30, "every proxy's first start")
