"""Highstate provisions a router from scratch: a router reset to its factory config (load_replace through
its own NAPALM connection) converges to baseline + the active shift policy from pillar; test=True before
only shows the diff, and a second highstate changes nothing."""
from __future__ import annotations

import json

import napalm
import pytest

from routerlab.junos.config import default_config
from trafficshift.device import deploy
from trafficshift.render import render_baseline, render_shift
from trafficshift.validation import parse_network
from trafficshift.model.plan import intent_from_dict
from salt_setup import NETWORK

ROUTER, LINK = "ams01-r1", "et-0/0/0"
ACTIVE = {"trafficshift_active": {"intents": [
    {"kind": "withdraw", "router": ROUTER, "link": LINK, "pool": "web"}], "drained_sites": []}}


@pytest.fixture
def factory_reset_router(lab, salt_proxies):
    entry = lab.inventory()[ROUTER]
    driver = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args={"port": entry["port"]})
    driver.open()
    try:
        driver.load_replace_candidate(config=default_config(ROUTER))
        driver.commit_config()
        yield driver
    finally:
        driver.close()


def highstate(salt_cli, *, test: bool) -> dict:
    ret = salt_cli.run("state.highstate", f"test={test}", f"pillar={json.dumps(ACTIVE)}", minion_tgt=ROUTER)
    return {entry["__id__"]: entry for entry in ret.data.values()}


def test_highstate_provisions_a_reset_router_to_baseline_and_active_shift(salt_cli, factory_reset_router, lab):
    reset = lab.control(ROUTER).config()
    assert "protocols" not in reset

    tested = highstate(salt_cli, test=True)
    assert tested["traffic_baseline"]["result"] is None
    assert "autonomous-system 64512" in tested["traffic_baseline"]["changes"]["diff"]
    assert lab.control(ROUTER).config() == reset

    applied = highstate(salt_cli, test=False)
    assert [applied[i]["result"] for i in ("traffic_baseline", "traffic_shift_policy")] == [True, True], applied
    assert applied["traffic_shift_policy"]["changes"]

    network = parse_network(NETWORK)
    intents = [intent_from_dict(i) for i in ACTIVE["trafficshift_active"]["intents"]]
    expected = render_baseline(network, ROUTER) + render_shift(network, ROUTER, intents)
    assert deploy.diff(factory_reset_router, ROUTER, expected) == ""
    current = salt_cli.run("traffic.current", minion_tgt=ROUTER).data["intents"]
    assert current == ACTIVE["trafficshift_active"]["intents"]

    again = highstate(salt_cli, test=False)
    assert [(again[i]["result"], again[i]["changes"]) for i in ("traffic_baseline", "traffic_shift_policy")] \
        == [(True, {}), (True, {})]

    # leave the router as the other tests expect it: provisioned, no shift
    assert salt_cli.run("state.single", "traffic.shift_policy", "name=shift", "intents=[]",
                        minion_tgt=ROUTER).returncode == 0
