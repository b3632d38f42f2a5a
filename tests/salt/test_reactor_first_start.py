"""A proxy that starts for the first time is provisioned by the first-start reactor:
salt/minion/<id>/start -> runner traffic.first_start -> state.apply on that proxy, which converges the
router to its baseline plus the fleet's active shift state. A later start of the same proxy does nothing."""
from __future__ import annotations

import time

import napalm
import salt.cache

from routerlab.junos.config import default_config
from trafficshift import deploy
from trafficshift.plan import intent_from_dict
from trafficshift.render import render_baseline, render_shift
from trafficshift.store import MINIONS_BANK, Store
from trafficshift.validation import parse_network
from conftest import NETWORK

ROUTER = "fra01-r1"


def factory_reset(lab) -> None:
    entry = lab.inventory()[ROUTER]
    driver = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args={"port": entry["port"]})
    driver.open()
    try:
        driver.load_replace_candidate(config=default_config(ROUTER))
        driver.commit_config()
    finally:
        driver.close()


def wait_for_config(lab, predicate, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        config = lab.control(ROUTER).config()
        if predicate(config) or time.monotonic() > deadline:
            return config
        time.sleep(1)


def test_first_start_reactor_provisions_a_new_proxy_once(salt_master, salt_proxies, salt_cli, lab):
    store = Store(salt.cache.Cache(salt_master.config))
    assert ROUTER in store.seen(), "the session's own start of this proxy was recorded"
    commits_before = len(lab.control(ROUTER).commits())

    # a router fresh out of the box whose proxy the master has never seen start
    factory_reset(lab)
    assert "protocols" not in lab.control(ROUTER).config()
    salt.cache.Cache(salt_master.config).flush(MINIONS_BANK, ROUTER)
    proxy = salt_proxies[ROUTER]
    proxy.terminate()
    proxy.start()

    config = wait_for_config(lab, lambda text: "autonomous-system 64512" in text)
    assert "autonomous-system 64512" in config, "the first-start reactor did not provision the router"
    assert ROUTER in store.seen()
    active = store.active()
    intents = [intent_from_dict(item) for item in (active.get("plan") or {}).get("intents", [])]
    network = parse_network(NETWORK)
    expected = render_baseline(network, ROUTER) + render_shift(network, ROUTER, intents,
                                                                active.get("drained_sites", ()))
    entry = lab.inventory()[ROUTER]
    driver = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args={"port": entry["port"]})
    driver.open()
    try:
        assert deploy.diff(driver, ROUTER, expected) == "", "router is not on baseline + the active plan"
    finally:
        driver.close()

    # a second start is not a first start: nothing is committed
    provisioned_commits = len(lab.control(ROUTER).commits())
    assert provisioned_commits > commits_before
    proxy.terminate()
    proxy.start()
    assert salt_cli.run("test.ping", minion_tgt=ROUTER).data is True
    time.sleep(5)  # the reactor reacts within about a second of the start event
    assert len(lab.control(ROUTER).commits()) == provisioned_commits
