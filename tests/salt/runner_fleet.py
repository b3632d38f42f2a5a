"""Helpers shared by the traffic runner and reactor tests (tests/salt/test_runner_*.py, test_reactor_*.py):
the runner's store as the test process sees it (the master's localfs cache), the routers' configs, and
putting fleet and store back to the start state after a test."""
from __future__ import annotations

import salt.cache
import salt.config

from conftest import ROUTERS
from trafficshift.store import HISTORY_BANK, STATE_BANK, Store
from waiting import wait_for


def master_store(salt_master) -> Store:
    return Store(salt.cache.Cache(salt.config.master_config(salt_master.config_file)))


def configs(lab) -> dict[str, str]:
    return {router: lab.control(router).config() for router in ROUTERS}


def provision(salt_cli) -> None:
    """Every router on its baseline (the lab starts them empty); idempotent."""
    ret = salt_cli.run("traffic.provision", minion_tgt="*")
    assert ret.returncode == 0 and sorted(ret.data) == ROUTERS, ret


def reset(salt_cli, salt_master, lab, feed_load) -> None:
    """Faults cleared, normal load, no shift on any router, an empty store (first-start records kept)."""
    for router in ROUTERS:
        lab.control(router).clear()
    feed_load("normal")
    # a commit left pending by a killed runner must revert first: a new commit would be refused meanwhile
    def nothing_pending():
        return not any(reply["pending"] for reply in salt_cli.run("traffic.pending", minion_tgt="*").data.values())

    wait_for(nothing_pending, 40, "pending commits to revert")
    ret = salt_cli.run("traffic.apply", "revert_in=600", minion_tgt="*")
    assert ret.returncode == 0, ret
    for router in sorted(router for router, reply in ret.data.items() if reply["changed"]):
        confirmed = salt_cli.run("traffic.confirm", minion_tgt=router)
        assert confirmed.returncode == 0, confirmed
    store = master_store(salt_master)
    for key in ("active", "controls", "settings"):
        store.cache.flush(STATE_BANK, key)
    store.cache.flush(HISTORY_BANK)
