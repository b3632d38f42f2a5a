"""A proxy that starts for the first time is provisioned by the first-start reactor:
salt/minion/<id>/start -> runner traffic.first_start -> state.apply on that proxy, which converges the
router to its baseline plus the fleet's active shift state. A later start of the same proxy does nothing."""
from __future__ import annotations

import time
from contextlib import contextmanager

import napalm

from routerlab.junos.config import default_config
from runner_fleet import master_store
from trafficshift.device import deploy
from trafficshift.model.plan import intent_from_dict
from trafficshift.render import render_baseline, render_shift
from trafficshift.fleet.store import MINIONS_BANK
from trafficshift.validation import parse_network
from salt_setup import NETWORK

ROUTER = "fra01-r1"


@contextmanager
def router_connection(lab):
    """The test's own NAPALM connection to the router, beside the proxy's."""
    entry = lab.inventory()[ROUTER]
    driver = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args={"port": entry["port"]})
    driver.open()
    try:
        yield driver
    finally:
        driver.close()


def test_first_start_reactor_provisions_a_new_proxy_once(salt_master, salt_proxies, salt_cli, lab, event_listener):
    store = master_store(salt_master)
    assert ROUTER in store.seen(), "the session's own start of this proxy was recorded"
    commits_before = len(lab.control(ROUTER).commits())

    # a router fresh out of the box, whose proxy the master has never seen start
    with router_connection(lab) as driver:
        driver.load_replace_candidate(config=default_config(ROUTER))
        driver.commit_config()
    assert "protocols" not in lab.control(ROUTER).config()
    store.cache.flush(MINIONS_BANK, ROUTER)
    proxy = salt_proxies[ROUTER]
    proxy.terminate()
    restarted = time.time()
    proxy.start()

    # the reactor starts state.apply on the proxy and says so; wait for that job's return
    provision = event_listener.wait_for_events([(salt_master.id, "trafficshift/provision/start")],
                                               after_time=restarted, timeout=120)
    assert provision.found_all_events, "the first-start reactor did not provision the new proxy"
    jid = next(iter(provision.matches)).data["jid"]
    highstate = event_listener.wait_for_events([(salt_master.id, f"salt/job/{jid}/ret/{ROUTER}")],
                                               after_time=restarted, timeout=120)
    assert highstate.found_all_events, f"state.apply {jid} on {ROUTER} did not return"
    states = next(iter(highstate.matches)).data["return"]
    assert states and all(state["result"] is True for state in states.values()), states
    assert "autonomous-system 64512" in lab.control(ROUTER).config()
    assert ROUTER in store.seen()
    active = store.active()
    intents = [intent_from_dict(item) for item in (active.get("plan") or {}).get("intents", [])]
    network = parse_network(NETWORK)
    expected = render_baseline(network, ROUTER) + render_shift(network, ROUTER, intents,
                                                                active.get("drained_sites", ()))
    with router_connection(lab) as driver:
        assert deploy.diff(driver, ROUTER, expected) == "", "router is not on baseline + the active plan"

    # a second start is not a first start: nothing is committed
    provisioned_commits = len(lab.control(ROUTER).commits())
    assert provisioned_commits > commits_before
    proxy.terminate()
    proxy.start()
    assert salt_cli.run("test.ping", minion_tgt=ROUTER).data is True
    time.sleep(5)  # the reactor reacts within about a second of the start event
    assert len(lab.control(ROUTER).commits()) == provisioned_commits
