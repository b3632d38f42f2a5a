"""After a shift is applied the routers count traffic as the active plan routes it: the runner checks the
load's link counters against that plan, so measured load is consistent (not fail-static) and the fleet holds
its plan instead of flapping."""
from __future__ import annotations

import yaml
import pytest

from salt_setup import HERE, NETWORK
from runner_fleet import master_store
from trafficshift.sources import restamp
from trafficshift.model.plan import Plan
from trafficshift.simulate import measure
from trafficshift.validation import parse_load, parse_network

pytestmark = pytest.mark.usefixtures("clean_fleet")


def test_load_measured_under_the_active_plan_plans_ok_and_keeps_the_plan(salt_run_cli, salt_master, lab,
                                                                          feed_load, load_file):
    feed_load("egress-overload")
    applied = salt_run_cli.run("traffic.apply")
    assert applied.returncode == 0 and applied.data["status"] == "applied", applied

    network = parse_network(NETWORK)
    active = Plan.from_dict(master_store(salt_master).active()["plan"])
    now = lab.clock.now()
    natural = parse_load(restamp(yaml.safe_load((HERE / "data" / "load-egress-overload.yaml").read_text()), now),
                         network, now=now).load
    measured = measure(network, natural, active)
    assert measured.links != natural.links, "the detour moved counted traffic between links"
    load_file.write_text(yaml.safe_dump(measured.model_dump(mode="json"), sort_keys=True))

    ret = salt_run_cli.run("traffic.plan")
    assert ret.returncode == 0, ret
    assert ret.data["status"] == "ok", ret.data["table"]
    assert ret.data["intents"] == applied.data["plan"]["intents"]
    assert not any(ret.data["diffs"].values())
