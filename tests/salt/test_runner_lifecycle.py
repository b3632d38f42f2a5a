"""The traffic runner's safety nets with the real master, proxies and lab: a runner killed between commit
and confirm is reverted by the routers themselves (and the history says so), and two runs never interleave."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from salt_setup import TIME_SCALE
from runner_fleet import configs, master_store, salt_run_with_revert_in, wait_for
from trafficshift.fleet.store import read_holder


pytestmark = pytest.mark.usefixtures("clean_fleet")

#: the killed run's commit-confirmed timer: 30 s of wall time at the lab's x60, ample for the test to see the
#: canary's commit still pending, short beside the master's REVERT_IN the test would otherwise wait out
KILLED_RUN_REVERT_IN = 1800


def start_salt_run(salt_run_cli, *args) -> subprocess.Popen:
    # its own session, so the test can kill exactly this salt-run and whatever it started
    return subprocess.Popen(salt_run_cli.cmdline(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_runner_killed_after_commit_before_confirm_is_reverted_by_the_routers(
        salt_run_cli, salt_master, lab, tmp_path):
    # draining ams01 changes ams01-r1 (the canary) and ams01-r2 (next stage, slowed down by the test)
    assert salt_run_cli.run("traffic.drain", "site", "ams01").returncode == 0
    before = configs(lab)
    lab.control("ams01-r2").inject(delay_s=1.0)
    store = master_store(salt_master)

    def canary_committed():
        return [r for r in store.history() if r.get("outcomes", {}).get("ams01-r1", {}).get("outcome") == "pending"]

    runner = start_salt_run(salt_run_with_revert_in(salt_master, tmp_path / "salt-run", KILLED_RUN_REVERT_IN),
                            "traffic.apply")
    try:
        run = wait_for(canary_committed, 60, "the canary's commit", interval=0.1)[0]
        os.killpg(runner.pid, signal.SIGKILL)
    finally:
        runner.wait(30)
    lab.control("ams01-r2").clear()
    assert configs(lab)["ams01-r1"] != before["ams01-r1"]  # committed, never confirmed
    assert store.run(run["id"])["revert_in"] == KILLED_RUN_REVERT_IN
    wait_for(lambda: configs(lab) == before, KILLED_RUN_REVERT_IN / TIME_SCALE + 60,
             "the routers to revert their unconfirmed commits")

    status = salt_run_cli.run("traffic.status")
    assert status.returncode == 0, status
    assert status.data["last_runs"][0]["id"] == run["id"]
    assert status.data["last_runs"][0]["status"] == "reverted-by-routers"
    assert status.data["pending"] == {} and status.data["drift"] == {}
    record = store.run(run["id"])
    assert record["outcomes"]["ams01-r1"]["outcome"] == "reverted-by-router"
    assert "reverted their unconfirmed commits by themselves" in record["note"]
    assert store.active() == {}  # the fleet never got onto the killed run's plan


def test_second_run_is_refused_with_holder_and_since_while_the_first_holds_the_fleet(
        salt_run_cli, salt_master, lab):
    assert salt_run_cli.run("traffic.drain", "site", "ams01").returncode == 0
    lab.control("ams01-r1").inject(delay_s=2.0)  # keeps the first run busy on its canary
    lock_file = Path(salt_master.config["cachedir"]) / "trafficshift" / "fleet.lock"
    first = start_salt_run(salt_run_cli, "traffic.apply")
    try:
        holder = wait_for(lambda: read_holder(lock_file), 60, "the first run to take the fleet lock", interval=0.1)
        assert holder["who"] == "traffic.apply"

        second = salt_run_cli.run("traffic.apply")
        assert second.returncode == 1, second
        assert second.data["error"].startswith("fleet lock held by traffic.apply")
        assert second.data["holder"]["since"] == holder["since"] and second.data["holder"]["pid"] == first.pid

        # a periodic tick meeting a run in progress is skipped quietly: success, nothing done
        tick = salt_run_cli.run("traffic.rebalance", "trigger=tick")
        assert tick.returncode == 0, tick
        assert tick.data["skipped"].startswith("fleet lock held by traffic.apply"), tick.data
        assert read_holder(lock_file) == holder  # the first run held the fleet all along
    finally:
        assert first.wait(120) == 0
    runs = master_store(salt_master).history()
    assert [(r["kind"], r["status"]) for r in runs] == [("apply", "applied")]
