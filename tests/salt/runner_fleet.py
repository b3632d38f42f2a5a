"""Helpers shared by the traffic runner and reactor tests (tests/salt/test_runner_*.py, test_reactor_*.py):
the runner's store as the test process sees it (the master's localfs cache), the routers' configs, and
putting fleet and store back to the start state after a test."""
from __future__ import annotations

from pathlib import Path

import salt.cache
import salt.config
import yaml

from salt_setup import REVERT_IN, ROUTERS, TIME_SCALE
from trafficshift.fleet.store import HISTORY_BANK, STATE_BANK, Store
from waiting import wait_for


def master_store(salt_master) -> Store:
    return Store(salt.cache.Cache(salt.config.master_config(salt_master.config_file)))


def salt_run_with_revert_in(salt_master, directory: Path, revert_in: int):
    """A salt-run CLI whose runner commits with `revert_in` (device seconds) instead of the master's REVERT_IN,
    for a test about routers reverting by themselves. salt-run reads the master config itself: this one reads a
    copy (same master, cache and keys) with only `trafficshift: revert_in` changed."""
    config = yaml.safe_load(Path(salt_master.config_file).read_text())
    config["trafficshift"] = {**config["trafficshift"], "revert_in": revert_in}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "master").write_text(yaml.safe_dump(config))
    return salt_master.salt_run_cli(timeout=120, config_dir=str(directory))


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

    wait_for(nothing_pending, REVERT_IN / TIME_SCALE + 30, "pending commits to revert")
    ret = salt_cli.run("traffic.apply", f"revert_in={REVERT_IN}", minion_tgt="*")
    assert ret.returncode == 0, ret
    for router in sorted(router for router, reply in ret.data.items() if reply["changed"]):
        confirmed = salt_cli.run("traffic.confirm", minion_tgt=router)
        assert confirmed.returncode == 0, confirmed
    store = master_store(salt_master)
    for key in ("active", "controls", "settings"):
        store.cache.flush(STATE_BANK, key)
    store.cache.flush(HISTORY_BANK)
