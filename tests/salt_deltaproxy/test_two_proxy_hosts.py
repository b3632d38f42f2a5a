"""Scale beyond one host, as far as one machine allows: two deltaproxy controllers ("two proxy hosts"), each
managing the routers of one site, under one master; one `salt-run traffic.apply` spans both (docs/scale.md)."""
from __future__ import annotations

import pytest

from delta_daemons import controller_factory, master_factory
from delta_fleet import ROUTERS, commit_kinds, configs, every, provision, reset

HOSTS = {"proxyhost-ams": ["ams01-r1", "ams01-r2"], "proxyhost-fra": ["fra01-r1", "fra01-r2"]}


@pytest.fixture(scope="module")
def two_hosts(salt_factories, delta_pillar, delta_load_file, delta_feed_load, delta_lab):
    master = master_factory(salt_factories, "two-hosts-master", delta_pillar, delta_load_file, delta_lab)
    with master.started():
        controllers = [controller_factory(master, host, routers) for host, routers in HOSTS.items()]
        for controller in controllers:
            controller.start()
        try:
            cli = master.salt_cli(timeout=60)
            provision(cli)
            reset(cli, master, delta_lab, delta_feed_load)
            yield master, cli, controllers
            reset(cli, master, delta_lab, delta_feed_load)
        finally:
            for controller in controllers:
                controller.terminate()


def test_one_apply_spans_both_proxy_hosts(two_hosts, delta_lab, delta_feed_load):
    master, cli, controllers = two_hosts
    # each router answers from its own host's process
    pids = every(cli, "cmd.run", "echo $PPID", "python_shell=True").data
    assert sorted(pids) == ROUTERS, pids
    assert pids["ams01-r1"] == pids["ams01-r2"] != pids["fra01-r1"] == pids["fra01-r2"], pids

    delta_feed_load("both-vendors")
    before = configs(delta_lab)
    ret = master.salt_run_cli(timeout=120).run("traffic.apply")
    assert ret.returncode == 0, ret
    assert ret.data["status"] == "applied", ret.data
    # ams01-r2 is managed by proxyhost-ams, fra01-r1 by proxyhost-fra: one run, both hosts committed
    assert {r: o["outcome"] for r, o in ret.data["outcomes"].items()} == {
        "ams01-r1": "unchanged", "ams01-r2": "confirmed", "fra01-r1": "confirmed", "fra01-r2": "unchanged"}
    after = configs(delta_lab)
    assert sorted(r for r in ROUTERS if after[r] != before[r]) == ["ams01-r2", "fra01-r1"]
    assert commit_kinds(delta_lab, "ams01-r2")[-1] == commit_kinds(delta_lab, "fra01-r1")[-1] == "confirm"
