"""Helpers of the deltaproxy tests: list targeting of every sub-proxy, the master's store, the routers'
configs and commit kinds, and putting fleet and store back to the start state."""
from __future__ import annotations

import salt.cache
import salt.config

from trafficshift.fleet.store import HISTORY_BANK, STATE_BANK, Store
from waiting import wait_for

ROUTERS = ["ams01-r1", "ams01-r2", "fra01-r1", "fra01-r2"]
#: the commit-confirmed timer of the masters' runner and of `reset` (device seconds: 60 s of wall time at the
#: lab's x60), long enough for a whole rollout through a busy deltaproxy on a loaded machine
REVERT_IN = 3600


def every(cli, function, *args, routers=ROUTERS):
    """`salt -L r1,r2,... function args`: list targeting, what the traffic runner uses."""
    return cli.run("-L", function, *args, minion_tgt=",".join(routers))


def master_store(master) -> Store:
    return Store(salt.cache.Cache(salt.config.master_config(master.config_file)))


def configs(lab) -> dict[str, str]:
    return {router: lab.control(router).config() for router in ROUTERS}


def commit_kinds(lab, router) -> list[str]:
    return [commit["kind"] for commit in lab.control(router).commits()]


def provision(cli) -> None:
    """Every router on its baseline (the lab starts them empty); idempotent."""
    def answered():
        ret = every(cli, "traffic.provision")
        return ret.returncode == 0 and sorted(ret.data) == ROUTERS and ret

    # the first list-targeted jobs after the deltaproxy starts may miss sub-proxies (order_masters warm-up)
    wait_for(answered, 120, "every sub-proxy to provision its router", interval=2)


def reset(cli, master, lab, feed_load) -> None:
    """Faults cleared, normal load, no shift on any router, an empty store."""
    for router in ROUTERS:
        lab.control(router).clear()
    feed_load("normal")

    def nothing_pending():
        return not any(reply["pending"] for reply in every(cli, "traffic.pending").data.values())

    wait_for(nothing_pending, 90, "pending commits to revert")  # within REVERT_IN: 60 s of wall time
    ret = every(cli, "traffic.apply", f"revert_in={REVERT_IN}")
    assert ret.returncode == 0 and sorted(ret.data) == ROUTERS, ret
    changed = sorted(router for router, reply in ret.data.items() if reply["changed"])
    if changed:
        confirmed = every(cli, "traffic.confirm", routers=changed)
        assert confirmed.returncode == 0 and sorted(confirmed.data) == changed, confirmed
    store = master_store(master)
    for key in ("active", "controls", "settings"):
        store.cache.flush(STATE_BANK, key)
    store.cache.flush(HISTORY_BANK)
