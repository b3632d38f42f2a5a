"""The bad-input corpus (tests/badinput/corpus.py) through the real master, proxies and lab: every load case
fed through the file the traffic_load ext_pillar reads, then `salt-run traffic.apply` and
`traffic.rebalance`; every operator case as a `salt-run` command line; a representative set of topology
cases by rewriting the master's pillar network file (restored afterwards). Each is refused (retcode != 0;
a stale load on the unattended rebalance is the documented "skipped"), the message names the case's path,
no planted secret shows, and no router changes: every lab router's running config and commit history and
the runner's store (controls, active plan, history) are as before."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from salt_setup import ROUTERS
from runner_fleet import master_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "badinput"))
from corpus import LOAD_CASES, NETWORK_CASES, OPERATOR_CASES, SECRET  # noqa: E402

#: topology cases tried through the pillar (each rewrites the pillar once): one of each family
NETWORK_THROUGH_SALT = ("net-capacity-nan", "net-asn-string", "net-router-site-unknown", "net-duplicate-router-id",
                        "net-policy-target-above-overload", "net-inject-router-name", "net-inject-peer",
                        "net-inject-ntp", "net-unicode-lookalike-site", "net-unknown-key-with-secret",
                        "net-oversize-router-id",
                        # safe on a real Internet edge: reserved values, overlaps, vendor interface names
                        "net-asn-as-trans", "net-peer-as-65535", "net-peer-as-documentation-16bit",
                        "net-neighbor-unspecified", "net-neighbor-loopback", "net-neighbor-own-address",
                        "net-neighbor-outside-subnet", "net-local-address-length-zero", "net-local-subnets-overlap",
                        "net-router-id-multicast", "net-pool-default-route", "net-pool-ipv4-mapped",
                        "net-pool-overlaps-other-pool", "net-group-is-an-address", "net-domain-empty-label",
                        "net-junos-interface-on-eos", "net-eos-interface-leading-zero", "net-eos-same-port-twice",
                        "net-marker-blackhole", "net-marker-other-as")


@pytest.fixture(scope="module")
def fleet_baseline(provisioned_fleet, lab, salt_master):
    """Each router's config and commit count, and the store, as every case must leave them."""
    return state(lab, salt_master)


def state(lab, salt_master) -> dict:
    store = master_store(salt_master)
    return {
        "configs": {router: lab.control(router).config() for router in ROUTERS},
        "commits": {router: len(lab.control(router).commits()) for router in ROUTERS},
        "controls": store.controls(), "active": store.active(), "history": [r["id"] for r in store.history()],
    }


@pytest.fixture
def unchanged(fleet_baseline, lab, salt_master, feed_load):
    yield
    after = state(lab, salt_master)
    feed_load("normal")
    assert after == fleet_baseline


def message(ret) -> str:
    data = ret.data if isinstance(ret.data, dict) else {}
    text = data.get("error") or data.get("skipped") or ret.stdout
    assert SECRET not in ret.stdout and SECRET not in ret.stderr
    assert "Traceback" not in ret.stdout and "Traceback" not in ret.stderr, ret
    return str(text)


def refused(ret, path: str) -> None:
    assert ret.returncode != 0, ret
    assert path in message(ret), ret


@pytest.mark.parametrize("case", LOAD_CASES, ids=lambda case: case.id)
def test_bad_load_is_refused_by_apply_and_rebalance(case, salt_run_cli, load_file, lab, unchanged):
    load_file.write_text(case.text if case.text is not None
                         else yaml.safe_dump(case.load(lab.clock.now()), sort_keys=False))
    refused(salt_run_cli.run("traffic.apply"), case.path)
    rebalance = salt_run_cli.run("traffic.rebalance")
    if case.stale:  # fail static: the unattended path skips, saying why
        assert rebalance.returncode == 0, rebalance
        text = message(rebalance)
        assert text.startswith("plan status fail-static") and case.path in text, rebalance
    else:
        refused(rebalance, case.path)


@pytest.mark.parametrize("case", OPERATOR_CASES, ids=lambda case: case.id)
def test_bad_operator_input_is_refused(case, salt_run_cli, unchanged):
    refused(salt_run_cli.run(*case.args), case.path)


@pytest.mark.parametrize("case", [c for c in NETWORK_CASES if c.id in NETWORK_THROUGH_SALT], ids=lambda c: c.id)
def test_bad_topology_is_refused_by_plan_and_apply(case, salt_run_cli, pillar_dir, unchanged):
    network_file = pillar_dir / "traffic" / "network.sls"
    original = network_file.read_text()
    try:
        network_file.write_text(yaml.safe_dump({"traffic": case.network()}, sort_keys=False))
        refused(salt_run_cli.run("traffic.plan"), case.path)
        refused(salt_run_cli.run("traffic.apply"), case.path)
    finally:
        network_file.write_text(original)


def test_the_salt_layer_tries_every_load_and_operator_case_and_a_topology_set():
    assert len(LOAD_CASES) + len(OPERATOR_CASES) + len(NETWORK_THROUGH_SALT) >= 50
    assert set(NETWORK_THROUGH_SALT) <= {case.id for case in NETWORK_CASES}
